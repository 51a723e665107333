"""An invented curses text viewer: a file's lines under a title bar, each after its line number in a gutter.

`python3 curses_line_viewer.py en` (`ru`) shows invented dock notes (shift notes) scrolled to line 41, so
the gutter's numbers are two digits wide, with a "[alarms]" block of `key = value` lines in the English one;
a key bar at the bottom. Made for the reader's tests of text files shown in a terminal.
"""

from __future__ import annotations

import curses
import sys

FIRST = 41
NOTES = {
    "en": """Dock 2 - tasks for Monday
Lead: Priya Raman

1. Inspect loading bays L-3 ... L-9 before 10:15.
2. Pay the freight bill of Nordline, invoice No 7342.
3. Pallet truck Toyota BT20: replace the wheel.
4. Pass for the courier Tomas Varga on 14.03.
5. Scrap broken crates: 11 pcs.

[alarms]
mail = dock-two@yard-east.example
log = /srv/dock2/logs/gate.log
""",
    "ru": """Смена 3 — задачи на пятницу
Старший: Игорь Мельников

1. Проверить ворота D-4 … D-7 до 11:30.
2. Оплатить поставку «Тарапак», накладная № 5817.
3. Штабелёр Jungheinrich EJC14: заменить аккумулятор.
4. Встретить экспедитора Анну Соколову в 9:00.
5. Утилизировать плёнку: 6 рулонов.

Телефон охраны: +7 495 210-33-18
""",
}
EARLIER = {"en": "- entry {}: nothing to report", "ru": "— запись {}: без замечаний"}
NAMES = {"en": "dock.txt", "ru": "smena.txt"}


def main(screen: curses.window, language: str) -> None:
    lines = [EARLIER[language].format(n) for n in range(1, FIRST)] + NOTES[language].splitlines()
    curses.start_color()
    curses.use_default_colors()
    curses.init_pair(1, curses.COLOR_BLUE if language == "en" else curses.COLOR_RED, -1)
    curses.init_pair(2, curses.COLOR_BLACK, curses.COLOR_CYAN)
    height, width = screen.getmaxyx()
    screen.addstr(0, 0, f" view: {NAMES[language]}".ljust(width - 1), curses.color_pair(2))
    for row, line in enumerate(lines[FIRST - 1 : FIRST - 1 + height - 3]):
        screen.addstr(row + 1, 0, f"{FIRST + row:>3} ", curses.color_pair(1))
        screen.addstr(row + 1, 4, line)
    screen.addstr(height - 1, 0, " q Quit   / Find   g Goto ".ljust(width - 1), curses.color_pair(2))
    screen.refresh()
    screen.getch()


if __name__ == "__main__":
    curses.wrapper(main, sys.argv[1])
