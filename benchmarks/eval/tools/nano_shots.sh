#!/bin/bash
# nano_shots.sh en|ru HOME FILE OUTDIR : GNU nano 7.2 (ncurses) in xterm on $DISPLAY, with HOME/.nanorc prepared
# beforehand and read with -f (as root, nano 7.2 did not pick up HOME/.nanorc), editing FILE (a name inside HOME); screenshots of the editing screen with the cursor moved down LINES lines
# and RIGHT columns, the search prompt (^W) with WORD typed, the Write Out prompt (^O), the Go To Line prompt
# (^_) and the help screen (^G), as nano_<lang>_{main,search,write_out,goto_line,help}.png.
set -euo pipefail
L=$1 H=$2 F=$3 OUT=$4 LINES=${LINES_DOWN:-8} RIGHT=${RIGHT:-6} WORD=${WORD:-pressure}
if [ "$L" = ru ]; then LC=ru_RU.UTF-8; else LC=en_US.UTF-8; fi
(cd "$H" && HOME=$H LANG=$LC LC_ALL=$LC LANGUAGE=$L setsid xterm -fa 'DejaVu Sans Mono' -fs 11 \
  -geometry 96x30+0+0 -T "nano $L" -e nano -f "$H/.nanorc" "$F" >/dev/null 2>&1 &)
sleep 3
W=$(xdotool search --onlyvisible --name "nano $L" | tail -1)
[ -n "$W" ] || { echo "no nano window" >&2; exit 1; }
xdotool windowactivate --sync "$W"
shot() { sleep 1; timeout 10 import -window "$W" -frame "$OUT/nano_${L}_$1.png"; }
for _ in $(seq "$LINES"); do xdotool key Down; sleep 0.1; done
for _ in $(seq "$RIGHT"); do xdotool key Right; sleep 0.1; done
shot main
# the search word goes through the clipboard-free path: xdotool type handles Latin letters
xdotool key ctrl+w; sleep 0.5; xdotool type --delay 40 "$WORD"; shot search
xdotool key ctrl+c; sleep 0.5
xdotool key ctrl+o; shot write_out
xdotool key ctrl+c; sleep 0.5
xdotool key ctrl+underscore; shot goto_line
xdotool key ctrl+c; sleep 0.5
xdotool key ctrl+g; shot help
xdotool key ctrl+x; sleep 0.5; xdotool key ctrl+x; sleep 1
if xdotool search --onlyvisible --name "nano $L" >/dev/null; then kill "$(xdotool getwindowpid "$W")"; fi
