"""An invented agenda's day panel drawn with curses (EN or RU), for tests of appointments on terminal screens.

A framed panel titled with the day, appointments as a "start end" line over the appointment's title, one
event with a start only, and a key bar at the bottom.
Run: python3 curses_agenda.py en|ru
"""

import curses
import sys
import time

LANG = sys.argv[1]
DAY = {"en": "Thursday, 12 March", "ru": "Четверг, 12 марта"}
ITEMS = {
    "en": [
        ("11:45", "12:15", "Warehouse safety briefing"),
        ("13:20", "14:35", "Lunch with the print shop owner"),
        ("16:05", "", "Water the greenhouse seedlings"),
    ],
    "ru": [
        ("09:25", "10:40", "Совещание бухгалтерии по отчёту"),
        ("15:10", "16:45", "Встреча с архитектором склада"),
        ("18:35", "", "Полить рассаду в теплице"),
    ],
}
KEYS = {"en": [("q", "Quit"), ("a", "Add")], "ru": [("q", "Выход"), ("a", "Добавить")]}


def main(screen: "curses._CursesWindow") -> None:
    curses.curs_set(0)
    curses.start_color()
    curses.use_default_colors()
    curses.init_pair(1, curses.COLOR_BLUE, -1)
    height, width = screen.getmaxyx()
    panel = screen.derwin(height - 2, width, 0, 0)
    panel.box()
    panel.addstr(1, 2, DAY[LANG], curses.color_pair(1))
    row = 3
    for start, end, title in ITEMS[LANG]:
        when = f" - {start} -> {end}" if end else f" - {start}"
        panel.addstr(row, 2, when)
        panel.addstr(row + 1, 4, title)
        row += 3
    for index, (key, label) in enumerate(KEYS[LANG]):
        x = 1 + index * 20
        screen.addstr(height - 1, x, key, curses.color_pair(1))
        screen.addstr(height - 1, x + 2, label)
    screen.refresh()
    time.sleep(30)


curses.wrapper(main)
