"""A GTK 3 settings window of an invented backup tool, to shoot under Xvfb (EN or RU by argv[1])."""
import sys
import gi
gi.require_version("Gtk", "3.0")
from gi.repository import Gtk, Pango

ru = sys.argv[1] == "ru"
T = (lambda en, r: r if ru else en)
win = Gtk.Window(title=T("Backup Preferences", "Параметры резервного копирования"))
win.set_default_size(520, 420)
box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL, spacing=8, margin=14)
win.add(box)

def heading(text):
    label = Gtk.Label(xalign=0)
    label.set_markup(f"<b>{text}</b>")
    box.pack_start(label, False, False, 4)

def row(label_text, widget):
    grid = Gtk.Box(spacing=12, margin_start=16)
    label = Gtk.Label(label=label_text, xalign=0)
    label.set_size_request(200, -1)
    grid.pack_start(label, False, False, 0)
    grid.pack_start(widget, True, True, 0)
    box.pack_start(grid, False, False, 0)

heading(T("Schedule", "Расписание"))
combo = Gtk.ComboBoxText()
for item in (T("Hourly", "Каждый час"), T("Weekly", "Еженедельно"), T("Monthly", "Ежемесячно")):
    combo.append_text(item)
combo.set_active(1)
row(T("Backup frequency", "Частота копирования"), combo)
compress = Gtk.ComboBoxText()
for item in ("gzip", "xz", "zstd"):
    compress.append_text(item)
compress.set_active(2)
row(T("Compression", "Сжатие"), compress)
heading(T("Transfer", "Передача"))
entry = Gtk.Entry()
entry.set_text("rsync -a -z --delete")
row(T("Copy command", "Команда копирования"), entry)
ext = Gtk.Entry()
ext.set_text(".exe")
row(T("Skip files ending with", "Пропускать файлы с окончанием"), ext)
font = Gtk.FontButton()
font.set_font("Monospace Bold 12")
row(T("Log font", "Шрифт журнала"), font)
heading(T("Startup", "Запуск"))
for text, on in ((T("Check disks on start", "Проверять диски при старте"), False),
                 (T("Resume an interrupted backup", "Продолжать прерванное копирование"), True)):
    check = Gtk.CheckButton(label=text)
    check.set_active(on)
    check.set_margin_start(16)
    box.pack_start(check, False, False, 0)
win.connect("destroy", Gtk.main_quit)
win.show_all()
Gtk.main()
