"""A scanner-settings dialog in Tk to shoot for the pasted-screenshot figure tests.

    Xvfb :92 & DISPLAY=:92 python3 tk_scanner_settings.py en   # or ru; then `import -window root`

prints the window's place and size (to crop the shot to) and closes itself after six seconds.
"""

from __future__ import annotations

import sys
import tkinter as tk
from tkinter import ttk

RU = sys.argv[1] == "ru"
T = {
    "title": ("Scanner Settings", "Параметры сканера"),
    "device": ("Device:", "Устройство:"),
    "device_v": ("Canon LiDE 300", "Canon LiDE 300"),
    "mode": ("Colour mode:", "Цветовой режим:"),
    "mode_v": ("Grayscale", "Оттенки серого"),
    "source": ("Paper source:", "Источник бумаги:"),
    "source_v": ("Flatbed", "Планшет"),
    "res": ("Resolution", "Разрешение"),
    "results": ("Estimate", "Оценка"),
    "size": ("Estimated size:", "Размер файла:"),
    "size_v": ("24.8 MB", "24,8 МБ"),
    "time": ("Scan time:", "Время сканирования:"),
    "time_v": ("41 s", "41 с"),
    "area": ("Scan area:", "Область:"),
    "area_v": ("210 x 297 mm", "210 x 297 мм"),
    "reset": ("Reset", "Сброс"),
    "scan": ("Scan", "Сканировать"),
    "cancel": ("Cancel", "Отмена"),
    "preview": ("Preview", "Просмотр"),
}
L = 1 if RU else 0
root = tk.Tk()
root.title(T["title"][L])
root.geometry("+0+0")
style = ttk.Style(root)
style.theme_use("clam")
frame = ttk.Frame(root, padding=12)
frame.grid()
rows = [("device", "device_v"), ("mode", "mode_v"), ("source", "source_v")]
for r, (label, value) in enumerate(rows):
    ttk.Label(frame, text=T[label][L]).grid(row=r, column=0, sticky="e", padx=6, pady=4)
    box = ttk.Combobox(frame, values=[T[value][L]], width=22)
    box.set(T[value][L])
    box.grid(row=r, column=1, sticky="w", pady=4)
    ttk.Button(frame, text=T["reset"][L]).grid(row=r, column=2, padx=6)
ttk.Label(frame, text=T["res"][L]).grid(row=3, column=0, sticky="ne", padx=6, pady=6)
listbox = tk.Listbox(frame, height=5, width=24, exportselection=False, font=("DejaVu Sans", 10))
for item in ["75 dpi", "150 dpi", "300 dpi", "600 dpi", "1200 dpi"]:
    listbox.insert("end", item)
listbox.selection_set(2)
listbox.grid(row=3, column=1, sticky="w", pady=6)
group = ttk.LabelFrame(frame, text=T["results"][L], padding=8)
group.grid(row=0, column=3, rowspan=4, sticky="n", padx=10)
for r, (label, value) in enumerate([("size", "size_v"), ("time", "time_v"), ("area", "area_v")]):
    ttk.Label(group, text=T[label][L]).grid(row=r, column=0, sticky="e", padx=4, pady=3)
    ttk.Label(group, text=T[value][L]).grid(row=r, column=1, sticky="w", padx=4, pady=3)
buttons = ttk.Frame(frame)
buttons.grid(row=4, column=0, columnspan=4, sticky="e", pady=(10, 0))
for name in ("preview", "scan", "cancel"):
    ttk.Button(buttons, text=T[name][L]).pack(side="left", padx=4)
root.after(
    1500,
    lambda: print(
        root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height(), flush=True
    ),
)
root.after(6000, root.destroy)
root.mainloop()
