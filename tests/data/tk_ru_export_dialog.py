"""An invented Russian export dialog (Tk 8.6, ttk "clam" theme) shot to the PNG named on the command line.

Run under an X display: `DISPLAY=:44 python3 tests/data/tk_ru_export_dialog.py dialog_ru.png`.
"""

import subprocess
import sys
import tkinter as tk
from tkinter import ttk

root = tk.Tk()
root.title("Параметры экспорта")
root.geometry("+40+40")
style = ttk.Style()
style.theme_use("clam")
style.configure(".", font=("DejaVu Sans", 10))
root.configure(bg="#dcdad5")


def group(title: str, options: list[str], chosen: int) -> tk.IntVar:
    frame = ttk.LabelFrame(root, text=title, padding=6)
    frame.pack(fill="x", padx=10, pady=5)
    variable = tk.IntVar(value=chosen)
    for index, option in enumerate(options):
        ttk.Radiobutton(frame, text=option, variable=variable, value=index).pack(fill="x")
    return variable


area = group("Область печати", ["Весь документ", "Только выделенный фрагмент"], 1)
scaling = group(
    "Масштаб страницы",
    ["Вписать рисунок в лист", "Сохранить исходный размер и обрезать поля", "Растянуть на две страницы"],
    1,
)
extra = ttk.LabelFrame(root, text="Дополнительно", padding=6)
extra.pack(fill="x", padx=10, pady=5)
frame_on, hidden_on = tk.IntVar(value=1), tk.IntVar(value=0)
ttk.Checkbutton(extra, text="Добавить рамку вокруг листа", variable=frame_on).pack(fill="x")
ttk.Checkbutton(extra, text="Печатать скрытые слои", variable=hidden_on).pack(fill="x")
buttons = ttk.Frame(root)
buttons.pack(pady=8)
ttk.Button(buttons, text="Отмена").pack(side="left", padx=5)
ttk.Button(buttons, text="Экспорт").pack(side="left", padx=5)


def shot() -> None:
    root.update()
    x, y, w, h = root.winfo_rootx(), root.winfo_rooty(), root.winfo_width(), root.winfo_height()
    subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", sys.argv[1]], check=True)
    root.destroy()


root.after(800, shot)
root.mainloop()
