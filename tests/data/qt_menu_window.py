"""A Qt 5 main window with one of its menus dropped open (shortcuts in the menu's right column), EN or RU.

Run with the system python3 (python3-pyqt5): `/usr/bin/python3 qt_menu_window.py en|ru OUT.png` under an X
display (the screen is grabbed, since an open menu is a window of its own).
"""

from __future__ import annotations

import sys

from PyQt5.QtCore import QPoint, QTimer
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QApplication, QMainWindow, QPlainTextEdit

MENUS = {
    "en": {
        "bar": ("File", "Edit", "Tools", "Help"),
        "items": [
            ("Sort lines", "Ctrl+K"),
            ("Join lines", "Ctrl+J"),
            None,
            ("Word count", "F7"),
            ("Spell check", "F9"),
            ("Insert date", "Shift+F5"),
            None,
            ("Settings...", ""),
        ],
    },
    "ru": {
        "bar": ("Файл", "Правка", "Сервис", "Справка"),
        "items": [
            ("Сортировать строки", "Ctrl+K"),
            ("Объединить строки", "Ctrl+J"),
            None,
            ("Подсчёт слов", "F7"),
            ("Проверка орфографии", "F9"),
            ("Вставить дату", "Shift+F5"),
            None,
            ("Параметры...", ""),
        ],
    },
}


def main() -> None:
    lang, out = sys.argv[1], sys.argv[2]
    spec = MENUS[lang]
    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    window.setCentralWidget(QPlainTextEdit())
    menus = [window.menuBar().addMenu(title) for title in spec["bar"]]
    tools = menus[1]
    for entry in spec["items"]:
        if entry is None:
            tools.addSeparator()
            continue
        action = tools.addAction(entry[0])
        if entry[1]:
            action.setShortcut(QKeySequence(entry[1]))
    window.resize(560, 380)
    window.move(0, 0)
    window.show()

    def open_menu() -> None:
        bar = window.menuBar()
        bar.setActiveAction(tools.menuAction())

    def shoot() -> None:
        screen = app.primaryScreen()
        corner = window.mapToGlobal(QPoint(0, 0))
        screen.grabWindow(0, corner.x(), corner.y(), window.width(), window.height()).save(out)
        app.quit()

    QTimer.singleShot(500, open_menu)
    QTimer.singleShot(1500, shoot)
    app.exec_()


if __name__ == "__main__":
    main()
