#!/bin/bash
# Small steps for screenshots of any X program under Xvfb (DISPLAY set by the caller):
#   xshot.sh win TITLE                 id of the newest visible window whose name matches TITLE
#   xshot.sh click WID X Y             left click at X,Y of the window's client area
#   xshot.sh key WID KEYS...           raise the window, then type KEYS into it (xdotool key syntax)
#   xshot.sh shot WID OUT.png          capture the window with its title bar (import -frame)
set -euo pipefail
case "$1" in
  win) xdotool search --onlyvisible --name "$2" | tail -1 ;;
  click)
    # --window: getwindowgeometry's Y is off by the title bar under openbox
    xdotool mousemove --window "$2" "$3" "$4"; sleep 0.3; xdotool click 1; sleep 0.7 ;;
  key) w=$2; shift 2; xdotool windowactivate --sync "$w" 2>/dev/null || true; xdotool key "$@"; sleep 0.7 ;;
  shot) import -window "$2" -frame "$3" ;;
  *) echo "usage: xshot.sh win|click|key|shot ..." >&2; exit 2 ;;
esac
