"""An invented seed-catalogue editor drawn with curses (EN or RU), for tests of key bars on terminal screens.

A title row, a few catalogue lines, a status line, and two key bar rows at the bottom: key combos in
reverse video ("^S", "M-U") each followed by its short function name.
Run: python3 curses_keybar.py en|ru [colour]  (colour: keys in green, names in cyan, no reverse video)
"""

import curses
import sys
import time

LANG = sys.argv[1]
COLOUR = sys.argv[2:] == ["colour"]
TITLE = {"en": "seedlist 0.3   catalogue.txt", "ru": "seedlist 0.3   каталог.txt"}
LINES = {
    "en": [
        "Tomato Ox Heart   sow March   tray 4",
        "Basil Genovese    sow April   tray 7",
        "Leek Carentan     sow Feb     tray 2",
    ],
    "ru": [
        "Томат Бычье сердце  посев март    лоток 4",
        "Базилик Генуя      посев апрель  лоток 7",
        "Лук-порей Карантан посев февраль лоток 2",
    ],
}
STATUS = {"en": "[ row 14/37 (38%) ]", "ru": "[ строка 14/37 (38%) ]"}
BARS = {
    "en": [
        [("^G", "Help"), ("^S", "Save"), ("^F", "Find"), ("M-U", "Undo"), ("^E", "Export")],
        [("^Q", "Quit"), ("^L", "Label Tray"), ("^D", "Duplicate"), ("M-K", "Sort Keys"), ("^B", "Backup")],
    ],
    "ru": [
        [("^G", "Справка"), ("^S", "Сохранить"), ("^F", "Найти"), ("M-U", "Отменить"), ("^E", "Экспорт")],
        [("^Q", "Выход"), ("^L", "Метка"), ("^D", "Дубликат"), ("M-K", "Сортировка"), ("^B", "Резерв")],
    ],
}


def main(screen: "curses._CursesWindow") -> None:
    curses.curs_set(0)
    key_look, name_look = curses.A_REVERSE, curses.A_NORMAL
    if COLOUR:
        curses.start_color()
        curses.init_pair(1, curses.COLOR_GREEN, curses.COLOR_BLACK)
        curses.init_pair(2, curses.COLOR_CYAN, curses.COLOR_BLACK)
        key_look, name_look = curses.color_pair(1) | curses.A_BOLD, curses.color_pair(2)
    height, width = screen.getmaxyx()
    screen.addstr(0, 0, TITLE[LANG].center(width - 1), curses.A_REVERSE)
    for row, line in enumerate(LINES[LANG]):
        screen.addstr(2 + row, 0, line)
    status = STATUS[LANG]
    screen.addstr(height - 3, (width - len(status)) // 2, status, curses.A_REVERSE)
    step = width // 5
    for bar_row, bar in enumerate(BARS[LANG]):
        for index, (key, label) in enumerate(bar):
            x = index * step
            screen.addstr(height - 2 + bar_row, x, key, key_look)
            screen.addstr(height - 2 + bar_row, x + len(key) + 1, label[: step - len(key) - 2], name_look)
    screen.refresh()
    time.sleep(30)


curses.wrapper(main)
