"""Open one LibreOffice Writer dialog over UNO and screenshot its window (with the window-manager frame).

Run with Debian's /usr/bin/python3 (python3-uno) under an X display where soffice listens on PORT:
    python3 lo_shot.py PORT OUT_DIR NAME=.uno:Command[|key:ctrl+Next|xy:X,Y] ...
Each spec opens the dispatch command, optionally presses keys / clicks at window coordinates (to pick a tab),
saves OUT_DIR/NAME.png and closes the dialog with Escape. The document gets non-default page settings
(landscape, 2.5 cm side and 1.8 cm top/bottom margins) so that "which value is set" is not the default.

LO_FACTORY=scalc opens a spreadsheet instead (a small table with Latin headers and a 0.0% column;
a `sel:A1:C5` action before the command selects cells first); LO_FACTORY=simpress a presentation whose
first slide has the footer text "Quarterly review Q3" and whose slide show is set to run the custom show
"Sales pitch" in a loop with a 5-second pause, always on top.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import uno


def connect(port: int):  # type: ignore[no-untyped-def]
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(60):
        try:
            return resolver.resolve(f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            time.sleep(1)
    raise SystemExit("soffice is not listening")


def windows() -> set[str]:
    out = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "."], capture_output=True, text=True
    )
    return set(out.stdout.split())


def geometry(wid: str) -> dict[str, int]:
    shell = subprocess.run(
        ["xdotool", "getwindowgeometry", "--shell", wid], capture_output=True, text=True
    ).stdout
    return {k: int(v) for k, v in (line.split("=") for line in shell.split()) if v.lstrip("-").isdigit()}


def act(wid: str, action: str) -> None:
    subprocess.run(["xdotool", "windowactivate", "--sync", wid], capture_output=True)
    if action.startswith("key:"):
        subprocess.run(["xdotool", "key", action[4:]])
    elif action.startswith("xy:"):
        g = geometry(wid)
        x, y = (int(v) for v in action[3:].split(","))
        subprocess.run(["xdotool", "mousemove", str(g["X"] + x), str(g["Y"] + y), "click", "1"])
        subprocess.run(["xdotool", "mousemove", "1595", "1195"])
    time.sleep(1.5)


def fill_sheet(doc) -> None:  # type: ignore[no-untyped-def]
    """Region / Revenue / Margin table in A1:C5, margins formatted as 0.0 %."""
    sheet = doc.Sheets.getByIndex(0)
    rows = [("North", 1250, 0.125), ("South", 980, 0.082), ("East", 1430, 0.151), ("West", 760, 0.064)]
    for column, title in enumerate(("Region", "Revenue", "Margin")):
        sheet.getCellByPosition(column, 0).setString(title)
    for row, (region, revenue, margin) in enumerate(rows, start=1):
        sheet.getCellByPosition(0, row).setString(region)
        sheet.getCellByPosition(1, row).setValue(revenue)
        sheet.getCellByPosition(2, row).setValue(margin)
    formats = doc.NumberFormats
    locale = uno.createUnoStruct("com.sun.star.lang.Locale")
    key = formats.queryKey("0.0%", locale, False)
    if key == -1:
        key = formats.addNew("0.0%", locale)
    sheet.getCellRangeByName("C2:C5").NumberFormat = key


def main() -> None:
    port, outdir, specs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    ctx = connect(port)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    factory = os.environ.get("LO_FACTORY", "swriter")
    doc = desktop.loadComponentFromURL(f"private:factory/{factory}", "_blank", 0, ())
    if factory == "swriter":
        doc.Text.insertString(doc.Text.End, "Quarterly report\n" * 3, False)
        style = doc.StyleFamilies.getByName("PageStyles").getByName("Standard")
        style.IsLandscape = True
        style.Width, style.Height = style.Height, style.Width
        style.LeftMargin = style.RightMargin = 2500
        style.TopMargin = style.BottomMargin = 1800
    elif factory == "scalc":
        fill_sheet(doc)
    elif factory == "simpress":
        slide = doc.DrawPages.getByIndex(0)
        slide.FooterText = "Quarterly review Q3"
        show = doc.CustomPresentations.createInstance()
        show.insertByIndex(0, slide)
        doc.CustomPresentations.insertByName("Sales pitch", show)
        doc.Presentation.CustomShow = "Sales pitch"
        doc.Presentation.IsEndless = True
        doc.Presentation.Pause = 5
        doc.Presentation.IsAlwaysOnTop = True
    frame = doc.CurrentController.Frame
    frame.ContainerWindow.setPosSize(0, 0, 1500, 1100, 15)
    dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    time.sleep(3)
    for spec in specs:
        name, rest = spec.split("=", 1)
        command, *actions = rest.split("|")
        for action in [a for a in actions if a.startswith("sel:")]:
            sheet = doc.CurrentController.ActiveSheet
            doc.CurrentController.select(sheet.getCellRangeByName(action[4:]))
        actions = [a for a in actions if not a.startswith("sel:")]
        subprocess.run(["xdotool", "mousemove", "1595", "1195"])  # no tooltip under the pointer
        before = windows()
        # A modal dialog blocks executeDispatch until it closes, so dispatch from a thread.
        threading.Thread(
            target=dispatcher.executeDispatch, args=(frame, command, "", 0, ()), daemon=True
        ).start()
        time.sleep(4)
        new = sorted(
            windows() - before, key=lambda w: geometry(w).get("WIDTH", 0) * geometry(w).get("HEIGHT", 0)
        )
        if not new:
            print(name, command, "no dialog appeared")
            continue
        wid = new[-1]  # the dialog, not a tooltip or popup
        for action in actions:
            act(wid, action)
        subprocess.run(["import", "-window", wid, "-frame", f"{outdir}/{name}.png"])
        print(
            name,
            command,
            subprocess.run(["xdotool", "getwindowname", wid], capture_output=True, text=True).stdout.strip(),
        )
        for _ in range(5):
            act(wid, "key:Escape")
            if wid not in windows():
                break


if __name__ == "__main__":
    main()
