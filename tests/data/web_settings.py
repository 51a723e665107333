"""Invented settings pages styled like a Material web app, EN and RU, for the screenshot tests.

A side menu whose chosen item stands on a pale tinted pill, a card of rows: a folder under its
label with a button, a toggle, a drop-down at the right edge. Writes settings_en.html and
settings_ru.html into the current folder; each is shot with
`chromium --headless --no-sandbox --hide-scrollbars --screenshot=web_en_storage.png
--window-size=960,420 file://$PWD/settings_en.html`.
"""

from __future__ import annotations

from pathlib import Path

STYLE = """
body{margin:0;font-family:'DejaVu Sans',sans-serif;font-size:13px;color:#202124;background:#fff}
.top{height:56px;display:flex;align-items:center;padding-left:24px;font-size:20px;background:#f1f3f4;
border-bottom:1px solid #dadce0}
.side{position:absolute;top:57px;left:0;width:240px}
.side div{height:40px;line-height:40px;padding-left:58px;margin:0 8px 0 0;border-radius:0 20px 20px 0;
font-weight:500}
.side .on{background:#e8f0fe;color:#1a73e8}
.main{position:absolute;top:57px;left:280px;width:640px}
h2{font-size:14px;font-weight:500;margin:24px 0 10px 0}
.card{box-shadow:0 1px 3px #aaa;border-radius:8px}
.row{display:flex;justify-content:space-between;align-items:center;padding:12px 20px;
border-top:1px solid #e8e8e8;min-height:28px}
.row:first-child{border-top:none}
.sub{color:#5f6368;margin-top:4px}
.btn{border:1px solid #dadce0;border-radius:16px;padding:6px 14px;color:#1a73e8}
.sel{border:1px solid #80868b;border-radius:4px;width:170px;padding:6px 10px;display:flex;
justify-content:space-between}
.tog{width:30px;height:12px;border-radius:6px;background:#bdc1c6;position:relative}
.tog.on{background:#1a73e8}
.tog i{position:absolute;top:-2px;width:16px;height:16px;border-radius:8px;background:#fff;
box-shadow:0 1px 2px #666}
"""

TEXTS = {
    "en": {
        "title": "Settings",
        "menu": ["Profile", "Privacy", "Storage", "Display", "Sound", "Network", "Updates"],
        "folder": ("Archive folder", "/var/spool/photo-archive", "Change"),
        "toggle": ("Keep thumbnails after export", True),
        "choice": ("Compression level", "Maximum"),
    },
    "ru": {
        "title": "Настройки",
        "menu": ["Профиль", "Конфиденциальность", "Хранилище", "Экран", "Звук", "Сеть", "Обновления"],
        "folder": ("Папка архива", "/var/spool/фотоархив", "Изменить"),
        "toggle": ("Сохранять миниатюры после экспорта", False),
        "choice": ("Степень сжатия", "Наибольшая"),
    },
}
CHOSEN = 2


def page(lang: str) -> str:
    texts = TEXTS[lang]
    menu = texts["menu"]
    side = "".join(f'<div class="{"on" if i == CHOSEN else ""}">{item}</div>' for i, item in enumerate(menu))
    folder, path, button = texts["folder"]
    toggle, on = texts["toggle"]
    choice, value = texts["choice"]
    knob = 'style="right:-2px"' if on else 'style="left:-2px"'
    rows = [
        f'<div class="row"><div><div>{folder}</div><div class="sub">{path}</div></div>'
        f'<span class="btn">{button}</span></div>',
        f'<div class="row"><div>{toggle}</div>'
        f'<div class="tog{" on" if on else ""}"><i {knob}></i></div></div>',
        f'<div class="row"><div>{choice}</div><div class="sel">{value}<span>&#9662;</span></div></div>',
    ]
    return (
        f"<html><head><meta charset='utf-8'><style>{STYLE}</style></head><body>"
        f"<div class='top'>{texts['title']}</div><div class='side'>{side}</div>"
        f"<div class='main'><h2>{menu[CHOSEN]}</h2><div class='card'>{''.join(rows)}</div></div>"
        "</body></html>"
    )


if __name__ == "__main__":
    for language in TEXTS:
        Path(f"settings_{language}.html").write_text(page(language), encoding="utf-8")
