"""Concatenate Publican/DocBook HTML pages into one printable page (navigation removed, relative links kept).

Usage: python combine_html.py OUT.html PAGE.html ... [--notice INDEX.html]
--notice appends the book's copyright lines and legal notice (from its index page) on a last page of its own,
so the licence travels with the excerpt without moving the numbers of the pages before it.
"""

import re
import sys
from pathlib import Path


def balanced_div(html: str, start: int) -> str:
    """The <div ...> element starting at `start`, up to its matching </div>."""
    depth = 0
    for match in re.finditer(r"<div\b|</div>", html[start:]):
        depth += 1 if match.group() != "</div>" else -1
        if depth == 0:
            return html[start : start + match.end()]
    raise ValueError("unbalanced <div>")


def legal_notice(index: Path) -> str:
    html = index.read_text(encoding="utf-8")
    copyrights = "".join(re.findall(r'<p class="copyright">.*?</p>', html, re.S))
    notice = balanced_div(html, html.index('<div class="legalnotice">'))
    return f'<div style="page-break-before: always">{copyrights}{notice}</div>'


args = sys.argv[1:]
notice = ""
if "--notice" in args:
    at = args.index("--notice")
    notice = legal_notice(Path(args[at + 1]))
    del args[at : at + 2]
out = Path(args[0])
pages = [Path(p) for p in args[1:]]
head = re.search(r"<head>(.*?)</head>", pages[0].read_text(encoding="utf-8"), re.S).group(1)
head = re.sub(r"<title[^>]*>.*?</title>", "", head, flags=re.S)
bodies = []
for page in pages:
    html = page.read_text(encoding="utf-8")
    body = re.search(r"<body[^>]*>(.*)</body>", html, re.S).group(1)
    body = re.sub(r'<div id="banner">.*?</div>', "", body, flags=re.S)
    body = re.sub(r'<p id="title">.*?</p>', "", body, flags=re.S)
    body = re.sub(r'<ul class="docnav[^"]*">.*?</ul>', "", body, flags=re.S)
    body = re.sub(r'<div class="navheader">.*?</div>', "", body, flags=re.S)
    body = re.sub(r'<div class="navfooter">.*?</table>\s*</div>', "", body, flags=re.S)
    bodies.append(body)
style = "<style>body{font-family:'DejaVu Serif',serif;max-width:none} img{max-width:100%}</style>"
out.write_text(
    f'<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>{head}{style}</head>'
    f"<body>{''.join(bodies)}{notice}</body></html>",
    encoding="utf-8",
)
