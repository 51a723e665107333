"""An invented mail fetcher's option list drawn with curses (EN or RU), for tests of terminal option lists.

A framed list of "section.name = value" lines, each followed by its "(description)" line, the values
coloured, the last option highlighted, and a key bar at the bottom.
Run: python3 curses_options.py en|ru
"""

import curses
import sys
import time

LANG = sys.argv[1]
OPTIONS = {
    "en": [
        ("fetch.interval", "45", "(minutes to wait between two checks of the mailbox)"),
        ("fetch.keepcopy", "yes", "(if set to YES, the messages stay on the server after fetching)"),
        ("store.folder", "Inbox/Arrivals", "(folder where fetched messages are filed)"),
        ("store.maxsize", "768", "(largest message kept, in kilobytes)"),
        ("alert.sound", "chime", "(sound played when new mail arrives)"),
        ("alert.weekday", "Tuesday", "(day on which the weekly digest is sent)"),
    ],
    "ru": [
        ("fetch.interval", "35", "(сколько минут ждать между двумя проверками ящика)"),
        ("fetch.keepcopy", "нет", "(если выбрано ДА, письма остаются на сервере после загрузки)"),
        ("store.folder", "Входящие/Новые", "(папка, куда складываются загруженные письма)"),
        ("store.maxsize", "256", "(самое большое хранимое письмо, в килобайтах)"),
        ("alert.sound", "колокол", "(звук при получении новой почты)"),
        ("alert.weekday", "Пятница", "(день, в который отправляется недельная сводка)"),
    ],
}
TITLE = {"en": "fetcher options", "ru": "параметры загрузки"}
KEYS = {
    "en": [("q", "Quit"), ("j", "Down"), ("k", "Up"), ("e", "Edit")],
    "ru": [("q", "Выход"), ("j", "Вниз"), ("k", "Вверх"), ("e", "Изменить")],
}


def main(screen: "curses._CursesWindow") -> None:
    curses.curs_set(0)
    curses.start_color()
    curses.use_default_colors()
    curses.init_pair(1, curses.COLOR_GREEN, -1)
    curses.init_pair(2, curses.COLOR_CYAN, -1)
    curses.init_pair(3, curses.COLOR_BLUE, -1)
    height, width = screen.getmaxyx()
    box = screen.derwin(height - 3, width, 0, 0)
    box.box()
    box.addstr(1, (width - len(TITLE[LANG])) // 2, TITLE[LANG], curses.color_pair(2))
    box.hline(2, 1, curses.ACS_HLINE, width - 2)
    row = 3
    options = OPTIONS[LANG]
    for index, (name, value, description) in enumerate(options):
        last = index == len(options) - 1
        colour = curses.color_pair(2) if last else curses.color_pair(1 + index % 3)
        box.addstr(row, 2, f"{name} = ", curses.color_pair(2) if last else 0)
        box.addstr(row, 2 + len(name) + 3, value, colour)
        box.addstr(row + 1, 2, description)
        row += 3
    for index, (key, label) in enumerate(KEYS[LANG]):
        y, x = height - 2 + index % 2, 1 + (index // 2) * 30
        screen.addstr(y, x, key, curses.color_pair(2))
        screen.addstr(y, x + 2, label)
    screen.refresh()
    time.sleep(30)


curses.wrapper(main)
