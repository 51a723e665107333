"""OCR word accuracy on Russian UI crops holding paths, file names, units and Latin names.

Each line is drawn in DejaVu Sans at GTK's size on a GTK-like grey and read through `recognize`;
a word counts as read when exactly that token is among the OCR words (what a search would need).
Run it once per code version, alternating, since the machine is shared:

    PYTHONPATH=/path/to/old/tree .venv/bin/python benchmarks/mixed_script_bench.py   # before
    PYTHONPATH=$PWD             .venv/bin/python benchmarks/mixed_script_bench.py   # after

It prints one line of JSON: words, words read, accuracy, mixed-script words read, seconds per crop; then
English values and format strings in fields beside Russian labels, and a Russian menu bar over English
items (`field_values_read`, `menu_words_read`).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from indexer.ocr import recognize

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
CROPS = [
    ["Имя файла: /home/иван/документы/отчёт.pdf", "Формат: PDF", "Разрешение: 300 dpi"],
    ["Печать в файл: /tmp/вывод.ps", "Ориентация: книжная", "Поля: 20 мм"],
    ["Сохранить в: ~/черновик.txt", "Подключите USB-накопитель к порту", "Кодировка: UTF-8"],
    ["Путь: /usr/share/doc/readme.txt", "Параметр --verbose включает журнал", "Размер: 1024 px"],
    ["Папка: /var/log/журнал", "Файл: C:\\Users\\Анна\\фото.png", "Версия 2.4.1 (сборка 17)"],
    ["Открыть ~/загрузки/архив.zip", "Принтер: HP-LaserJet в сети", "Скорость: 115200 бод"],
]


FIELDS = [
    ("Сообщение при уходе:", "Off for the weekend"),
    ("Тема письма:", "Office hours moved"),
    ("Подпись:", "Sent from my workstation"),
    ("Формат даты:", "%Y-%m-%d"),
    ("Формат времени:", "%H:%M:%S"),
    ("Журнал:", "%a %b %e %p"),
    ("Имя архива:", "backup_%d.%m.%y"),
]
"""Russian labels beside fields holding English values and format strings (whose case is their meaning)."""
MENU_BAR = ["Файл", "Правка", "Вид", "Окно", "Справка"]
MENU_ITEMS = ["Export Selection", "Import Palette", "Recent Files", "Window opacity", "User Commands"]
"""A Russian menu bar over a window whose items are English (an untranslated plug-in's menu)."""


def fields_crop(font: ImageFont.FreeTypeFont) -> Image.Image:
    image = Image.new("RGB", (620, 34 * len(FIELDS) + 20), (237, 237, 235))
    draw = ImageDraw.Draw(image)
    for index, (label, value) in enumerate(FIELDS):
        top = 12 + 34 * index
        draw.text((16, top + 4), label, font=font, fill=(30, 30, 30))
        draw.rectangle((250, top, 600, top + 24), fill=(255, 255, 255), outline=(160, 160, 160))
        draw.text((256, top + 4), value, font=font, fill=(20, 20, 20))
    return image


def menu_crop(font: ImageFont.FreeTypeFont) -> Image.Image:
    image = Image.new("RGB", (520, 40 + 28 * len(MENU_ITEMS)), (237, 237, 235))
    draw = ImageDraw.Draw(image)
    left = 10.0
    for item in MENU_BAR:
        draw.text((left, 8), item, font=font, fill=(30, 30, 30))
        left += font.getlength(item) + 18
    for index, item in enumerate(MENU_ITEMS):
        draw.text((30, 40 + 28 * index), item, font=font, fill=(30, 30, 30))
    return image


def tokens_read(image: Image.Image, tokens: list[str], missed: list[str]) -> int:
    """How many of `tokens` are exactly among the OCR words of `image` (the others go to `missed`)."""
    found = {w.text for line in recognize(image).lines for w in line.words}
    missed.extend(token for token in tokens if token not in found)
    return sum(token in found for token in tokens)


def main() -> None:
    font = ImageFont.truetype(str(FONT), 13)
    words = read = mixed = mixed_read = 0
    missed: list[str] = []
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for lines in CROPS:
        image = Image.new("RGB", (560, 30 * len(lines) + 20), (246, 245, 244))
        draw = ImageDraw.Draw(image)
        for index, line in enumerate(lines):
            draw.text((12, 12 + 30 * index), line, font=font, fill=(40, 40, 40))
        found = {w.text for line in recognize(image).lines for w in line.words}
        for line in lines:
            for token in line.split():
                hit = token in found
                words += 1
                read += hit
                both = any("a" <= ch.lower() <= "z" for ch in token) and any(
                    "а" <= ch.lower() <= "я" for ch in token
                )
                shaped = both or any(ch in token for ch in "/\\~") or "." in token.strip(".")
                mixed += shaped
                mixed_read += hit and shaped
                if not hit:
                    missed.append(token)
    elapsed = time.perf_counter() - started
    values = [token for _, value in FIELDS for token in value.split()]
    values_missed: list[str] = []
    values_read = tokens_read(fields_crop(font), values, values_missed)
    menu = MENU_BAR + [token for item in MENU_ITEMS for token in item.split()]
    menu_read = tokens_read(menu_crop(font), menu, values_missed)
    report = {
        "words": words,
        "read": read,
        "accuracy": round(read / words, 3),
        "path_or_mixed_words": mixed,
        "path_or_mixed_read": mixed_read,
        "seconds_per_crop": round(elapsed / len(CROPS), 2),
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "missed": missed,
        "field_values": len(values),
        "field_values_read": values_read,
        "menu_words": len(menu),
        "menu_words_read": menu_read,
        "values_and_menu_missed": values_missed,
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
