"""Draws an invented settings dialog of a download manager (small type), pasted into the Ripplet handbooks."""

import sys

from PIL import Image, ImageDraw, ImageFont

lang = sys.argv[1]
font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 11)
rows = {
    "ru": [
        "Внешний вид",
        "Группы",
        "Сеть",
        "Модули",
        "Дополнительно",
        "Число загрузок: 3",
        "Предел приёма: 0 КиБ/с",
        "Предел передачи: 0 КиБ/с",
        "Повторы: 5",
        "Пауза: 10 с",
        "Справка",
        "По умолчанию",
        "Отмена",
    ],
    "en": [
        "Appearance",
        "Groups",
        "Network",
        "Plugins",
        "Advanced",
        "Downloads: 3",
        "Receive cap: 0 KiB/s",
        "Send cap: 0 KiB/s",
        "Retries: 5",
        "Pause: 10 s",
        "Help",
        "Defaults",
        "Cancel",
    ],
}[lang]
image = Image.new("RGB", (520, 300), "#efefef")
draw = ImageDraw.Draw(image)
draw.rectangle((0, 0, 519, 22), fill="#3465a4")
draw.text((8, 5), "Ripplet", font=font, fill="white")
for index, label in enumerate(rows[:5]):
    draw.text((12, 40 + 28 * index), label, font=font, fill="black")
for index, label in enumerate(rows[5:10]):
    draw.text((160, 40 + 30 * index), label, font=font, fill="black")
    draw.rectangle((380, 36 + 30 * index, 470, 54 + 30 * index), outline="#888888", fill="white")
for index, label in enumerate(rows[10:]):
    draw.rectangle((100 + 130 * index, 260, 215 + 130 * index, 284), outline="#666666")
    draw.text((110 + 130 * index, 266), label, font=font, fill="black")
image.save(f"ripplet_{lang}_dialog.png")
