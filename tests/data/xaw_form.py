"""An invented X-toolkit-style form drawn with Tk (no theme), for tests/data/xaw_form_{en,ru}.png.

Raised label boxes and pale text fields with a one-pixel frame and a caret under the end of their
text, on a grey panel, as Athena/Xaw3d dialogs draw them. Run `python3 xaw_form.py en` (or `ru`)
under an X display and shoot the window (`import -window WID`) within its 1.5 s.
"""

from __future__ import annotations

import sys
import tkinter as tk

ROWS = {
    "en": [
        ("Magnification %", "100.0"),
        ("Plotter", "lab-plotter-2nd-wing"),
        ("Queue Options", "-o sides=two-sided"),
        ("Copies in batch", "3"),
    ],
    "ru": [
        ("Масштаб %", "100.0"),
        ("Плоттер", "kyocera-otdel-7"),
        ("Параметры очереди", "-o media=a3-roll"),
        ("Копий в пакете", "3"),
    ],
}
GREY = "#d6d6d6"
FIELD = "#fbf1e6"
FONT = ("Helvetica", 10)


def main(lang: str) -> None:
    root = tk.Tk()
    root.wm_title("formshot")
    root.configure(bg=GREY)
    for row, (label, value) in enumerate(ROWS[lang]):
        tk.Label(root, text=label, relief="raised", bd=2, bg=GREY, font=FONT, padx=3, pady=1).grid(
            row=row, column=0, sticky="w", padx=(6, 3), pady=3
        )
        field = tk.Canvas(
            root,
            width=64 + 7 * len(value),
            height=22,
            bg=FIELD,
            highlightthickness=1,
            highlightbackground="black",
            bd=0,
        )
        item = field.create_text(5, 11, text=value, anchor="w", font=FONT)
        end = field.bbox(item)[2]
        field.create_line(end - 3, 21, end, 18, end + 3, 21)  # the caret of an Athena text widget
        field.grid(row=row, column=1, sticky="w", padx=3, pady=3)
    root.geometry("+20+20")
    root.after(1500, root.destroy)
    root.mainloop()


if __name__ == "__main__":
    main(sys.argv[1])
