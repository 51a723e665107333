"""Concatenate the bodies of HTML pages into one HTML file (page breaks between them) and append a notice.

Usage: python concat_html.py OUT.html --notice "TEXT" [--css "RULES"] PAGE.html ...
OUT.html should sit at the same folder depth as the pages so that their relative image links keep working
(Logisim's guide links its pictures as ../../../img-guide/NAME.png from every guide/SECTION/ folder).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

STYLE = "body{font-family:'DejaVu Sans',sans-serif;font-size:11pt;margin:1.5cm} .pg{page-break-before:always}"


def body(path: Path) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    found = re.search(r"<body[^>]*>(.*)</body>", text, flags=re.S | re.I)
    part = found.group(1) if found else text
    # links to sibling sections: keep them relative to the page's own folder
    folder = path.parent.name
    return re.sub(r'src="(?!\.\./|/|data:)', f'src="../{folder}/', part)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--notice", required=True)
    parser.add_argument("--css", default="", help="extra CSS, e.g. img{max-width:100%%}")
    parser.add_argument("pages", nargs="+", type=Path)
    args = parser.parse_args()
    parts = [f'<div class="{"pg" if i else ""}">{body(p)}</div>' for i, p in enumerate(args.pages)]
    parts.append(f'<div class="pg"><h2>Licence</h2><p>{args.notice}</p></div>')
    args.out.write_text(
        f'<html><head><meta charset="utf-8"><style>{STYLE}{args.css}</style></head><body>{"".join(parts)}</body></html>',
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
