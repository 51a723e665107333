#!/bin/bash
# calcurse_shots.sh en|ru HOME OUTDIR : calcurse (ncurses) in xterm on $DISPLAY, screenshots of the main screen,
# the configuration menu (C), the general options (G) at the top and after DOWN moves down the list, and the
# notify options (N), as calcurse_<lang>_{main,config_menu,general,general_more,notify}.png.
# HOME holds .config/calcurse/conf and .local/share/calcurse/{apts,todo} prepared beforehand.
set -euo pipefail
L=$1 H=$2 OUT=$3 DOWN=${DOWN:-16}
if [ "$L" = ru ]; then LC=ru_RU.UTF-8; else LC=en_US.UTF-8; fi
(cd "$H" && HOME=$H LANG=$LC LC_ALL=$LC LANGUAGE=$L setsid xterm -fa 'DejaVu Sans Mono' -fs 11 \
  -geometry 110x34+0+0 -T "calcurse $L" -e calcurse >/dev/null 2>&1 &)
sleep 3
W=$(xdotool search --onlyvisible --name "calcurse $L" | tail -1)
[ -n "$W" ] || { echo "no calcurse window" >&2; exit 1; }
xdotool windowactivate --sync "$W"
shot() { sleep 1; timeout 10 import -window "$W" -frame "$OUT/calcurse_${L}_$1.png"; }
shot main
xdotool key C; shot config_menu
xdotool key G; shot general
for _ in $(seq "$DOWN"); do xdotool key Down; sleep 0.1; done
shot general_more
xdotool key q; sleep 0.7; xdotool key N; shot notify
xdotool key q; sleep 0.7; xdotool key q; sleep 0.7; xdotool key q; sleep 1
if xdotool search --onlyvisible --name "calcurse $L" >/dev/null; then kill "$(xdotool getwindowpid "$W")"; fi
