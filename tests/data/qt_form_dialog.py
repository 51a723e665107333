"""A Qt 5 settings dialog of the two-column form kind (QFormLayout), EN or RU, shot for the tests.

Run with the system python3 (python3-pyqt5) under an X display:
`/usr/bin/python3 qt_form_dialog.py en|ru OUT.png`.
"""

from __future__ import annotations

import sys

from PyQt5.QtCore import QLocale, QTimer
from PyQt5.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

TEXTS = {
    "en": {
        "title": "Preferences",
        "command": "Viewer command:",
        "columns": "Columns:",
        "width": "Width of preview thumbnails:",
        "memory": "Memory limit:",
        "undo": "Undo steps:",
        "wrap": "Wrap long lines:",
        "keep": "Keep pages that were rendered at an older zoom:",
        "megabytes": "MB",
        "buttons": ("Reset", "Apply"),
        "tabs": ("General", "Display", "Advanced"),
    },
    "ru": {
        "title": "Параметры",
        "command": "Команда просмотра:",
        "columns": "Столбцы:",
        "width": "Ширина миниатюр предпросмотра:",
        "memory": "Предел памяти:",
        "undo": "Шаги отмены:",
        "wrap": "Переносить длинные строки:",
        "keep": "Хранить страницы, отрисованные при прежнем масштабе:",
        "megabytes": "МБ",
        "buttons": ("Сбросить", "Применить"),
        "tabs": ("Общие", "Вид", "Дополнительно"),
    },
}


def main() -> None:
    lang, out = sys.argv[1], sys.argv[2]
    texts = TEXTS[lang]
    QLocale.setDefault(QLocale(QLocale.Russian if lang == "ru" else QLocale.English))
    app = QApplication(sys.argv[:1])
    dialog = QDialog()
    dialog.setWindowTitle(texts["title"])
    form = QFormLayout()
    command = QLineEdit("nvim +%4 %f")
    form.addRow(texts["command"], command)
    columns = QSpinBox()
    columns.setValue(3)
    form.addRow(texts["columns"], columns)
    width = QDoubleSpinBox()
    width.setMaximum(1000)
    width.setSuffix(" px")
    width.setValue(240)
    form.addRow(texts["width"], width)
    memory = QComboBox()
    memory.addItems([f"{size} {texts['megabytes']}" for size in (64, 256, 1024)])
    memory.setCurrentIndex(1)
    form.addRow(texts["memory"], memory)
    undo = QSpinBox()
    undo.setValue(9)
    form.addRow(texts["undo"], undo)
    wrap = QCheckBox()
    wrap.setChecked(True)
    form.addRow(texts["wrap"], wrap)
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    for caption in texts["buttons"]:
        buttons.addButton(caption, QDialogButtonBox.ResetRole)
    keep = QCheckBox()
    form.addRow(texts["keep"], keep)
    tabs = QTabWidget()
    page = QWidget()
    inner = QVBoxLayout(page)
    inner.addLayout(form)
    inner.addStretch(1)
    tabs.addTab(page, texts["tabs"][0])
    for caption in texts["tabs"][1:]:
        tabs.addTab(QWidget(), caption)
    layout = QVBoxLayout(dialog)
    layout.addWidget(tabs)
    layout.addWidget(buttons)
    dialog.resize(640, 360)
    dialog.show()

    def shoot() -> None:
        dialog.grab().save(out)
        app.quit()

    QTimer.singleShot(600, shoot)
    app.exec_()


if __name__ == "__main__":
    main()
