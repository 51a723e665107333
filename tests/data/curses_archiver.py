"""An invented backup tool's settings screen, drawn with curses (EN or RU), for tests of text-mode reading."""

import curses
import sys
import time

LANG = sys.argv[1]
VIEW = sys.argv[2]  # settings | menu
T = {
    "en": dict(
        title="Archiver settings",
        bar=["Job", "Edit", "Tools", "Help"],
        group1="Compression",
        radios=[(False, "Store only"), (True, "Fast deflate"), (False, "Maximum")],
        group2="Extras",
        checks=[(True, "Verify archive"), (False, "Split volumes"), (True, "Keep logs")],
        label="Target host:",
        value="vault7",
        ok="< Start >",
        cancel="< Abort >",
        menu=["Schedule...", "Filters...", "Encryption...", "Quotas...", "Reset all"],
    ),
    "ru": dict(
        title="Настройки архиватора",
        bar=["Задание", "Правка", "Сервис", "Справка"],
        group1="Сжатие",
        radios=[(False, "Только хранить"), (True, "Быстрое сжатие"), (False, "Максимум")],
        group2="Дополнительно",
        checks=[(True, "Проверять архив"), (False, "Делить на тома"), (True, "Журнал rsync")],
        label="Адрес сервера:",
        value="vault7",
        ok="< Начать >",
        cancel="< Отмена >",
        menu=["Расписание...", "Фильтры...", "Шифрование...", "Квоты...", "Сбросить всё"],
    ),
}[LANG]


def main(scr):
    curses.curs_set(0)
    curses.start_color()
    curses.init_pair(1, curses.COLOR_BLACK, curses.COLOR_GREEN)  # bar
    curses.init_pair(2, curses.COLOR_WHITE, curses.COLOR_MAGENTA)  # dialog
    curses.init_pair(3, curses.COLOR_YELLOW, curses.COLOR_BLACK)  # screen
    curses.init_pair(4, curses.COLOR_BLACK, curses.COLOR_WHITE)  # field / highlight
    scr.bkgd(" ", curses.color_pair(3))
    h, w = scr.getmaxyx()
    scr.addstr(0, 0, " " * (w - 1), curses.color_pair(1))
    x = 2
    for name in T["bar"]:
        scr.addstr(0, x, name, curses.color_pair(1))
        x += len(name) + 4
    for i in range(3, h - 2):
        scr.addstr(i, 1, f"{i:02d} backup-set-{i}.tar", curses.color_pair(3))
    scr.addstr(h - 1, 0, "F1 Help  F2 Run  F10 Quit", curses.color_pair(1))
    scr.refresh()
    if VIEW == "menu":
        bx = 2 + len(T["bar"][0]) + 4 + len(T["bar"][1]) + 4 - 1
        scr.addstr(0, bx + 1, T["bar"][2], curses.color_pair(4))
        mw = max(len(m) for m in T["menu"]) + 4
        win = curses.newwin(len(T["menu"]) + 3, mw, 1, bx)
        win.bkgd(" ", curses.color_pair(2))
        win.box()
        row = 1
        for i, item in enumerate(T["menu"]):
            if i == len(T["menu"]) - 1:
                win.hline(row, 1, curses.ACS_HLINE, mw - 2)
                row += 1
            win.addstr(row, 2, item, curses.color_pair(4) if i == 1 else curses.color_pair(2))
            row += 1
        win.refresh()
    else:
        win = curses.newwin(15, 56, 4, 8)
        win.bkgd(" ", curses.color_pair(2))
        win.box()
        win.addstr(0, (56 - len(T["title"]) - 2) // 2, f" {T['title']} ")
        g1 = win.derwin(6, 25, 1, 2)
        g1.box()
        g1.addstr(0, 2, f" {T['group1']} ")
        for i, (on, label) in enumerate(T["radios"]):
            g1.addstr(1 + i, 2, f"({'*' if on else ' '}) {label}")
        g2 = win.derwin(6, 25, 1, 29)
        g2.box()
        g2.addstr(0, 2, f" {T['group2']} ")
        for i, (on, label) in enumerate(T["checks"]):
            g2.addstr(1 + i, 2, f"[{'x' if on else ' '}] {label}")
        win.addstr(8, 3, T["label"])
        win.addstr(9, 3, T["value"].ljust(30), curses.color_pair(4))
        win.hline(11, 1, curses.ACS_HLINE, 54)
        win.addstr(12, 14, T["ok"])
        win.addstr(12, 30, T["cancel"])
        win.refresh()
    time.sleep(30)


curses.wrapper(main)
