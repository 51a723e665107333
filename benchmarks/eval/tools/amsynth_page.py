"""Build the amsynth guide page (HTML): the package's README as text plus a screenshot of the main window as Figure 1.

Usage: python benchmarks/eval/tools/amsynth_page.py /usr/share/doc/amsynth/README amsynth.png OUT.html
Print OUT.html to PDF with headless Chromium (see build.md).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path


def readme_html(readme: str) -> str:
    """Headings (underlined with '-'), bullet lists ('*') and paragraphs of a plain-text README."""
    blocks = re.split(r"\n\s*\n", readme.strip())
    out = []
    while blocks:
        lines = blocks.pop(0).split("\n")
        if len(lines) >= 2 and set(lines[1].strip()) == {"-"}:
            out.append(f"<h2>{html.escape(lines[0])}</h2>")
            rest = "\n".join(lines[2:]).strip()
            if rest:
                blocks.insert(0, rest)
        elif all(line.strip().startswith("*") for line in lines):
            items = "".join(f"<li>{html.escape(line.strip()[1:].strip())}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        else:
            out.append(f"<p>{html.escape(' '.join(line.strip() for line in lines))}</p>")
    return "\n".join(out)


def main() -> None:
    readme, screenshot, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    figure = (
        f'<div class="figure"><img src="{screenshot.name}" style="width:16cm"/>'
        '<p class="caption">Figure 1. The amsynth main window (stand-alone version, preset 0: Derren 1).</p></div>'
    )
    out.write_text(
        f"""<html><head><meta charset="utf-8"><style>
body {{ font-family: 'DejaVu Serif', serif; font-size: 11pt; margin: 1.5cm; }}
h1 {{ font-size: 18pt; }} h2 {{ font-size: 13pt; }}
.figure {{ margin: 1cm 0; page-break-inside: avoid; }} .caption {{ font-style: italic; }}
</style></head><body>
<h1>amsynth — analog modelling synthesizer</h1>
{readme_html(readme.read_text(encoding="utf-8"))}
<h2>The main window</h2>
<p>In the stand-alone version the controls of the current preset are shown in the main window (Figure 1).</p>
{figure}
</body></html>""",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
