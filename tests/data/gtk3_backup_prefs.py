"""An invented GTK 3 settings window of a backup tool, shot for the dialog-value tests.

    Xvfb :92 & DISPLAY=:92 python3 gtk3_backup_prefs.py en   # or ru; then `import -window WID -frame`

A grid form: bold section headings, labels without colons far left of a column of combo boxes,
entries holding a command and a file extension, a font button, check boxes.
"""

from __future__ import annotations

import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk  # noqa: E402

RU = sys.argv[1] == "ru"


def say(english: str, russian: str) -> str:
    return russian if RU else english


window = Gtk.Window(title=say("Backup Preferences", "Параметры резервного копирования"))
window.set_default_size(520, 420)
column = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, margin=14)
window.add(column)


def heading(text: str) -> None:
    label = Gtk.Label(xalign=0)
    label.set_markup(f"<b>{text}</b>")
    column.pack_start(label, False, False, 4)


def row(caption: str, widget: Gtk.Widget) -> None:
    line = Gtk.Box(spacing=12, margin_start=16)
    label = Gtk.Label(label=caption, xalign=0)
    label.set_size_request(200, -1)
    line.pack_start(label, False, False, 0)
    line.pack_start(widget, True, True, 0)
    column.pack_start(line, False, False, 0)


def combo(items: list[str], active: int) -> Gtk.ComboBoxText:
    box = Gtk.ComboBoxText()
    for item in items:
        box.append_text(item)
    box.set_active(active)
    return box


def entry(text: str) -> Gtk.Entry:
    field = Gtk.Entry()
    field.set_text(text)
    return field


heading(say("Schedule", "Расписание"))
frequency = [say("Hourly", "Каждый час"), say("Weekly", "Еженедельно"), say("Monthly", "Ежемесячно")]
row(say("Backup frequency", "Частота копирования"), combo(frequency, 1))
row(say("Compression", "Сжатие"), combo(["gzip", "xz", "zstd"], 2))
heading(say("Transfer", "Передача"))
row(say("Copy command", "Команда копирования"), entry("rsync -a -z --delete"))
row(say("Skip files ending with", "Пропускать файлы с окончанием"), entry(".exe"))
font = Gtk.FontButton()
font.set_font("Monospace Bold 12")
row(say("Log font", "Шрифт журнала"), font)
heading(say("Startup", "Запуск"))
for text, on in (
    (say("Check disks on start", "Проверять диски при старте"), False),
    (say("Resume an interrupted backup", "Продолжать прерванное копирование"), True),
):
    check = Gtk.CheckButton(label=text)
    check.set_active(on)
    check.set_margin_start(16)
    column.pack_start(check, False, False, 0)
window.connect("destroy", Gtk.main_quit)
window.show_all()
Gtk.main()
