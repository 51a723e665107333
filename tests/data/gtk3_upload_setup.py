"""An invented GTK 3 setup window of a scan-upload tool, shot in English and Russian for the twin tests.

    Xvfb :42 & DISPLAY=:42 python3 gtk3_upload_setup.py en   # or ru; then `import -window WID`
    DISPLAY=:42 python3 gtk3_upload_setup.py en server        # the "Server" tab instead

A tab row, a folder entry with a button at its right end, a mid-window column of labels beside rows of
toggle buttons, check boxes, a spin field at the right edge and buttons at the bottom right: the window
takes its natural width, so the Russian one (longer labels) is wider and its right-hand controls move.
"""

from __future__ import annotations

import sys

import gi

gi.require_version("Gtk", "3.0")
from gi.repository import Gtk  # noqa: E402

RU = sys.argv[1] == "ru"
SERVER = sys.argv[2:] == ["server"]


def say(english: str, russian: str) -> str:
    return russian if RU else english


window = Gtk.Window(title=say("Uploader setup", "Установки загрузчика"))
notebook = Gtk.Notebook()
window.add(notebook)
page = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, margin=10)
for index, tab in enumerate((say("Folders", "Папки"), say("Server", "Сервер"), say("Mail", "Почта"))):
    notebook.append_page(page if index == SERVER else Gtk.Label(), Gtk.Label(label=tab))


def server_page() -> None:
    """The "Server" tab: host, port and user fields, one per row, and a check box."""
    grid = Gtk.Grid(column_spacing=10, row_spacing=10)
    for row, (caption, value) in enumerate(
        (
            (say("Host", "Узел"), "upload.example.net"),
            (say("Port", "Порт"), "2222"),
            (say("User", "Пользователь"), "scan"),
        )
    ):
        grid.attach(Gtk.Label(label=caption, xalign=0), 0, row, 1, 1)
        field = Gtk.Entry()
        field.set_text(value)
        grid.attach(field, 1, row, 1, 1)
    page.pack_start(grid, False, False, 0)
    check = Gtk.CheckButton(label=say("Use passive mode", "Пассивный режим"))
    check.set_active(True)
    page.pack_start(check, False, False, 12)


if SERVER:
    server_page()


def folders_page() -> None:
    """The \"Folders\" tab."""
    line = Gtk.Box(spacing=8)
    line.pack_start(Gtk.Label(label=say("Upload folder", "Папка для выгрузки")), False, False, 0)
    folder = Gtk.Entry()
    folder.set_text(say("/data/outbox/", "/srv/upload-ru/"))
    folder.set_width_chars(28)
    line.pack_start(folder, True, True, 0)
    line.pack_start(Gtk.Button(label=say("Browse", "Обзор")), False, False, 0)
    page.pack_start(line, False, False, 0)
    page.pack_start(Gtk.Separator(), False, False, 4)

    grid = Gtk.Grid(column_spacing=10, row_spacing=6)
    for row, (caption, states) in enumerate(
        (
            (say("Archive file access", "Доступ к файлам архива"), (True, True, False)),
            (say("Log file access", "Доступ к файлам журнала"), (True, False, False)),
        )
    ):
        for column, (letter, on) in enumerate(zip("rwx", states, strict=True)):
            toggle = Gtk.ToggleButton(label=letter)
            toggle.set_active(on)
            grid.attach(toggle, column, row, 1, 1)
        grid.attach(Gtk.Label(label=caption, xalign=0), 3, row, 1, 1)
    page.pack_start(grid, False, False, 0)
    page.pack_start(Gtk.Separator(), False, False, 4)

    for text, on in (
        (say("Ask before replacing", "Спрашивать перед заменой"), not RU),
        (say("Keep partial uploads", "Сохранять неполные выгрузки"), RU),
    ):
        check = Gtk.CheckButton(label=text)
        check.set_active(on)
        page.pack_start(check, False, False, 0)

    line = Gtk.Box(spacing=8)
    line.pack_start(Gtk.Label(label=say("Retry count", "Число повторов")), False, False, 0)
    retries = Gtk.SpinButton.new_with_range(0, 20, 1)
    retries.set_value(3 if not RU else 6)
    line.pack_end(retries, False, False, 0)
    page.pack_start(line, False, False, 0)
    page.pack_start(Gtk.Separator(), False, False, 4)
    check = Gtk.CheckButton(label=say("Save settings on exit", "Сохранять настройки при выходе"))
    check.set_active(True)
    page.pack_start(check, False, False, 0)


if not SERVER:
    folders_page()
buttons = Gtk.Box(spacing=8)
buttons.pack_end(Gtk.Button(label=say("OK", "ОК")), False, False, 0)
buttons.pack_end(Gtk.Button(label=say("Cancel", "Отменить")), False, False, 0)
page.pack_end(buttons, False, False, 0)
window.set_default_size(-1, 380)
window.connect("destroy", Gtk.main_quit)
window.show_all()
notebook.set_current_page(int(SERVER))
Gtk.main()
