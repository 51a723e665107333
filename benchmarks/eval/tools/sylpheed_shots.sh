#!/bin/bash
# sylpheed_shots.sh en|ru HOME OUTDIR : Sylpheed 3.8 (GTK 2) on $DISPLAY, offline, with HOME/.sylpheed-2.0 prepared
# beforehand; screenshots of the Configuration menu (F10, then Right five times: the mnemonic differs by language) open over the main window, every tab of Common preferences
# (a click on the first tab, then Right) and every tab of Preferences for current account, as
# sylpheed_<lang>_{config_menu,common_1..7,account_1..N}.png.
set -euo pipefail
L=$1 H=$2 OUT=$3 TABS_COMMON=${TABS_COMMON:-7} TABS_ACCOUNT=${TABS_ACCOUNT:-7}
if [ "$L" = ru ]; then LC=ru_RU.UTF-8; else LC=en_US.UTF-8; fi
(cd "$H" && HOME=$H LANG=$LC LC_ALL=$LC LANGUAGE=$L setsid sylpheed --offline >/dev/null 2>&1 &)
sleep 6
# shoot N tabs of a dialog: a click on the first tab gives the tab row the focus, Right moves to the next tab
tabs() {
  xdotool mousemove --window "$1" 35 30 click 1; sleep 0.8
  for i in $(seq "$3"); do
    import -window "$1" -frame "$OUT/sylpheed_${L}_$2_$i.png"
    xdotool key Right; sleep 0.8
  done
}
M=$(xdotool search --onlyvisible --name 'Sylpheed 3' | head -1)
[ -n "$M" ] || { echo "no sylpheed window" >&2; exit 1; }
xdotool windowmove "$M" 0 0; sleep 0.5
xdotool windowactivate --sync "$M" key F10 Right Right Right Right Right; sleep 1
import -window root -crop 800x660+0+0 +repage "$OUT/sylpheed_${L}_config_menu.png"
# first item: Common preferences (the menu opens with no item selected)
xdotool key Down Return; sleep 2
W=$(xdotool getactivewindow)
xdotool windowmove "$W" 600 0; sleep 1
tabs "$W" common "$TABS_COMMON"
xdotool windowactivate --sync "$W" key Escape; sleep 1.5
# Preferences for current account: sixth item (the separator is skipped)
xdotool windowactivate --sync "$M" key F10 Right Right Right Right Right; sleep 1
xdotool key Down Down Down Down Down Down Return; sleep 2
W=$(xdotool getactivewindow)
xdotool windowmove "$W" 600 0; sleep 1
tabs "$W" account "$TABS_ACCOUNT"
xdotool windowactivate --sync "$W" key Escape; sleep 1.5
xdotool windowactivate --sync "$M" key ctrl+q; sleep 2
# confirm_on_exit=1 asks once more
xdotool key Return; sleep 2
