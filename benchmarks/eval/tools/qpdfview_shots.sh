#!/bin/bash
# qpdfview_shots.sh en|ru HOME DOC.pdf OUTDIR EDITX MENUX MENUNAME : qpdfview (Qt 5) screenshots on $DISPLAY.
# HOME holds a prepared .config/qpdfview/*.conf (the settings to show). The menu whose title sits at x=MENUX of
# the menu bar is opened and shot (screen crop) as qpdfview_<lang>_<MENUNAME>_menu.png; then Settings... (the last
# item of the menu at x=EDITX) is opened and its first three tabs are shot as
# qpdfview_<lang>_settings_{behavior,graphics,interface}.png.
set -euo pipefail
L=$1 H=$2 DOC=$3 OUT=$4 EDITX=$5 MENUX=$6 MENU=$7
if [ "$L" = ru ]; then LC=ru_RU.UTF-8; else LC=en_US.UTF-8; fi
(cd "$H" && HOME=$H LANG=$LC LC_ALL=$LC LANGUAGE=$L setsid qpdfview "$DOC" >/dev/null 2>&1 &)
sleep 5
W=$(xdotool search --onlyvisible --name 'qpdfview' | head -1)
[ -n "$W" ] || { echo "no qpdfview window" >&2; exit 1; }
xdotool windowmove "$W" 0 0 windowsize "$W" 1100 800; sleep 1
xdotool windowactivate --sync "$W"; xdotool mousemove "$MENUX" 10 click 1; sleep 1
timeout 10 import -window root -crop 700x600+0+0 "$OUT/qpdfview_${L}_${MENU}_menu.png"
xdotool key Escape; sleep 0.5; xdotool key Escape; sleep 0.5
xdotool windowactivate --sync "$W"
xdotool mousemove "$EDITX" 10 click 1; sleep 0.7; xdotool key Up Return; sleep 2
S=$(xdotool search --onlyvisible --name 'qpdfview' | { grep -v "^$W\$" || true; } | tail -1)
[ -n "$S" ] || { echo "no settings window" >&2; exit 1; }
xdotool windowmove "$S" 600 0; sleep 1
for tab in behavior graphics interface; do
  timeout 10 import -window "$S" -frame "$OUT/qpdfview_${L}_settings_${tab}.png"
  xdotool windowactivate --sync "$S"; xdotool key ctrl+Tab; sleep 1
done
xdotool key --window "$S" Escape; sleep 0.5
xdotool windowactivate --sync "$W"; xdotool key ctrl+q; sleep 1
