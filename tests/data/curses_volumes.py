"""An invented volume manager's main screen, drawn with curses (EN or RU), for tests of terminal screens.

Default colours (dark on light): a table of volumes with one row in reverse video, a framed box of
"Label: value" lines with GUIDs, a row of bracketed buttons with one in reverse video, a help line.
Run: python3 curses_volumes.py en|ru main|prompt|titled (titled: the box's title in reverse video)
"""

import curses
import sys
import time

LANG, VIEW = sys.argv[1], sys.argv[2]
ROWS = [
    ("vol.pool1", "4096", "512M", "Boot store"),
    ("vol.pool2", "1052672", "7.5G", "Scratch area"),
    ("vol.pool3", "16781312", "40G", "Archive vault"),
    ("vol.pool4", "100667392", "2.3G", "Media cache"),
]
INFO = {
    "vol.pool1": ("bootstore", "D07E4B16-0C8A-4E31-B0E8-1F2A9C3D5E70"),
    "vol.pool2": ("scratch-fast", "5A1B80E3-9D04-4C8B-8E0B-B3C1E08D2F19"),
    "vol.pool3": ("vault-main", "E8B0C41D-72A6-4F0E-9B18-0E6D1C8B3A2F"),
    "vol.pool4": ("media-tmp", "3C9E0B87-B1D2-4A60-80EE-7F18B0C6E4D1"),
}
T = {
    "en": dict(
        head=("Volume", "Offset", "Size", "Kind"),
        name="Volume label",
        uuid="Volume GUID",
        kind="Volume kind",
        buttons=["Check", "Grow", "Shrink", "Exit", "Export"],
        helps=["Verify the selected volume", "", "", "Leave without saving anything", ""],
        prompt="Target size: ",
    ),
    "ru": dict(
        head=("Том", "Смещение", "Размер", "Вид"),
        name="Метка тома",
        uuid="GUID тома",
        kind="Вид тома",
        buttons=["Check", "Grow", "Сжать", "Выйти", "Экспорт"],
        helps=["Проверить выбранный том", "", "", "Выйти без сохранения изменений", ""],
        prompt="Target size: ",
    ),
}[LANG]
KINDS_RU = {
    "Boot store": "Загрузочный",
    "Scratch area": "Временный",
    "Archive vault": "Архив",
    "Media cache": "Кэш медиа",
}


def main(scr):
    curses.curs_set(1 if VIEW == "prompt" else 0)
    curses.use_default_colors()
    selected = 2 if VIEW == "main" else 1
    button = 3
    scr.addstr(0, 30, "Pool: tank0", curses.A_BOLD)
    scr.addstr(1, 18, "Capacity: 64 GiB, 68719476736 bytes")
    h = T["head"]
    scr.addstr(3, 4, f"{h[0]:<14}{h[1]:>12}{h[2]:>10}  {h[3]}")
    for index, (dev, start, size, kind) in enumerate(ROWS):
        kind = KINDS_RU[kind] if LANG == "ru" else kind
        line = f"{dev:<14}{start:>12}{size:>10}  {kind:<16}"
        attr = curses.A_REVERSE if index == selected else 0
        if index == selected:
            scr.addstr(4 + index, 0, f">>  {line}".ljust(79), attr)
        else:
            scr.addstr(4 + index, 4, line)
    dev = ROWS[selected][0]
    name, guid = INFO[dev]
    win = curses.newwin(5, 76, 12, 1)
    win.box()
    if VIEW == "titled":
        win.addstr(0, 3, " Details ", curses.A_REVERSE)
    win.addstr(1, 1, f"{T['name']}: {name}")
    win.addstr(2, 1, f"{T['uuid']}: {guid}")
    win.addstr(3, 1, f"{T['kind']}: {ROWS[selected][3] if LANG == 'en' else KINDS_RU[ROWS[selected][3]]}")
    scr.refresh()
    win.refresh()
    if VIEW == "prompt":
        scr.addstr(18, 1, T["prompt"] + "11,5G")
    else:
        x = 6
        for index, label in enumerate(T["buttons"]):
            text = f"[ {label:^7} ]"
            scr.addstr(18, x, text, curses.A_REVERSE if index == button else 0)
            x += len(text) + 2
        help_line = T["helps"][button]
        scr.addstr(21, (80 - len(help_line)) // 2, help_line, curses.A_BOLD)
    scr.refresh()
    time.sleep(30)


curses.wrapper(main)
