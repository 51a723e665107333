"""OCR word accuracy on Russian UI crops holding paths, file names, units and Latin names.

Each line is drawn in DejaVu Sans at GTK's size on a GTK-like grey and read through `recognize`;
a word counts as read when exactly that token is among the OCR words (what a search would need).
Run it once per code version, alternating, since the machine is shared:

    PYTHONPATH=/path/to/old/tree .venv/bin/python benchmarks/mixed_script_bench.py   # before
    PYTHONPATH=$PWD             .venv/bin/python benchmarks/mixed_script_bench.py   # after

It prints one line of JSON: words, words read, accuracy, mixed-script words read, seconds per crop.
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
    report = {
        "words": words,
        "read": read,
        "accuracy": round(read / words, 3),
        "path_or_mixed_words": mixed,
        "path_or_mixed_read": mixed_read,
        "seconds_per_crop": round(elapsed / len(CROPS), 2),
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "missed": missed,
    }
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
