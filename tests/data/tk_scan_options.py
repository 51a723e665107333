"""An invented Tk scan-options window, its widgets at the right end of their rows, for the control tests.

    Xvfb :42 & DISPLAY=:42 python3 tk_scan_options.py en   # or ru; then `import -window WID`

Labels at the left edge, far from their widgets; every row packs its widget at the right end (option
menus of different widths, a spin field after a slider, an entry), so the widgets line up on their
right edges, not their left ones, as GTK 2 dialogs pack them.
"""

from __future__ import annotations

import sys
import tkinter as tk

RU = sys.argv[1] == "ru"


def say(english: str, russian: str) -> str:
    return russian if RU else english


root = tk.Tk()
root.title(say("Scan options", "Параметры сканирования"))
root.geometry("560x300")
frame = tk.LabelFrame(root, text=say("Special options", "Особые параметры"), padx=8, pady=6)
frame.pack(fill="both", expand=True, padx=8, pady=8)


def row(caption: str) -> tk.Frame:
    line = tk.Frame(frame)
    line.pack(fill="x", pady=3)
    tk.Label(line, text=caption).pack(side="left")
    return line


line = row(say("Preview quality", "Качество просмотра"))
quality = tk.StringVar(value=say("Draft", "Черновое"))
tk.OptionMenu(line, quality, say("Draft", "Черновое"), say("Fine", "Высокое")).pack(side="right")
line = row(say("Colour depth", "Глубина цвета"))
depth = tk.StringVar(value=say("8 bit", "8 бит"))
tk.OptionMenu(line, depth, say("8 bit", "8 бит"), say("16 bit", "16 бит")).pack(side="right")
line = row(say("Paper source", "Источник бумаги"))
source = tk.StringVar(value=say("Document feeder", "Автоподатчик"))
sources = (say("Flatbed", "Планшет"), say("Document feeder", "Автоподатчик"))
tk.OptionMenu(line, source, *sources).pack(side="right")
line = row(say("Lines skipped per pass", "Пропуск строк за проход"))
skipped = tk.Spinbox(line, from_=0, to=9, width=4)
skipped.delete(0, "end")
skipped.insert(0, say("3", "5"))
skipped.pack(side="right")
tk.Scale(line, from_=0, to=9, orient="horizontal", showvalue=False, length=120).pack(side="right", padx=8)
check = tk.Checkbutton(frame, text=say("Warm up the lamp", "Прогревать лампу"))
check.select()
check.pack(anchor="w")
line = row(say("Device name", "Имя устройства"))
name = tk.Entry(line, width=18)
name.insert(0, "scanner-2")
name.pack(side="right")
root.mainloop()
