"""Split a khelpcenter cache (bzcat index.cache.bz2 > cache.html) into its HTML pages.

Usage: python split_khelp_cache.py CACHE.html OUT_DIR
The cache is one file with `<FILENAME filename="PAGE.html">` before each page and `</FILENAME>` after it; each
page is written to OUT_DIR/PAGE.html (next to the handbook's pictures, so that its relative image links work).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def main(cache: str, out: str) -> None:
    parts = re.split(r'<FILENAME filename="([^"]*)">', Path(cache).read_text(encoding="utf-8"))
    for i in range(1, len(parts), 2):
        Path(out, parts[i]).write_text(parts[i + 1].replace("</FILENAME>", ""), encoding="utf-8")
        print(parts[i])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
