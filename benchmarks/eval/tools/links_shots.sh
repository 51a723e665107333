#!/bin/bash
# links_shots.sh LANG HOME URL OUTDIR : links2 in an xterm (100x32) under $DISPLAY; every screen is reached with
# arrow keys only (the menu mnemonics differ by language) and shot with import -window; Escape between screens.
l=$1; H=$2; URL=$3; S=$4
if [ $l = en ]; then L=en_US.UTF-8; else L=ru_RU.UTF-8; fi
rm -f $H/.links2/socket; HOME=$H LANG=$L LC_ALL=$L xterm -fa 'DejaVu Sans Mono' -fs 11 -geometry 100x32 -T links-$l -e links2 "$URL" & XP=$!
sleep 4; W=$(xdotool search --onlyvisible --name "links-$l" | tail -1); xdotool windowmove $W 0 0; xdotool windowactivate --sync $W; sleep 1
shot() { sleep 1.2; import -window $W $S/links_${l}_$1.png; }
k() { xdotool key --delay 120 "$@"; }
shot page
k s; shot bookmarks; k Escape; sleep 0.5
k F9 Down; shot menu_file; k Escape Escape; sleep 0.3
k F9 Right Right Right Right Down; shot menu_setup; k Escape Escape; sleep 0.3
setup() { k F9 Right Right Right Right Down; for i in $(seq $1); do k Down; done; k Return; }
setup 2; shot terminal; k Escape; sleep 0.3
setup 4; shot menu_network; for i in 0 1 2 3 4 5; do k Escape; done; sleep 0.3
net() { setup 4; for i in $(seq $1); do k Down; done; k Return; }
net 0; shot net_0; k Escape Escape Escape Escape; sleep 0.3
net 2; shot net_2; k Escape Escape Escape Escape; sleep 0.3
net 5; shot net_5; k Escape Escape Escape Escape; sleep 0.3
net 6; shot net_6; k Escape Escape Escape Escape; sleep 0.3
setup 7; shot cache; k Escape; sleep 0.3
setup 6; shot misc; k Escape; sleep 0.3
sleep 0.5; rm -f $H/.links2/socket
kill $XP
