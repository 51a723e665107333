#!/bin/bash
# mc_shots.sh en|ru KEYS : Midnight Commander dialogs in xterm on :96; KEYS = five comma-separated xdotool key
# sequences that pick Configuration, Layout, Panel options, Confirmation, Virtual FS in the open Options menu
# (hotkey letters in English; in Russian arrows, as the menu reopens on the item chosen last)
set -u
L=$1; IFS=, read -r kc kl kp kf kv <<< "$2"; export DISPLAY=:96; S=${SHOTS:-/tmp/ut/shots}
if [ $L = ru ]; then LC=ru_RU.UTF-8; else LC=en_US.UTF-8; fi
mkdir -p /tmp/ut/mcdemo/{src,backup}; printf 'speed=115200\nport=/dev/ttyUSB0\n' > /tmp/ut/mcdemo/src/modem.conf
printf 'line\n' > /tmp/ut/mcdemo/src/report-2026.txt
(cd /tmp/ut/mcdemo; HOME=/tmp/ut/home-$L LANG=$LC LC_ALL=$LC LANGUAGE=$L xterm -fa 'DejaVu Sans Mono' -fs 11 -geometry 100x32+0+0 -T mc-$L -e mc /tmp/ut/mcdemo/src /tmp/ut/mcdemo/backup >/dev/null 2>&1 &)
sleep 3; W=$(xdotool search --class xterm | tail -1); xdotool windowactivate $W; sleep 0.5
shot() { sleep 0.8; import -window $W -frame $S/mc_${L}_$1.png; }
opt() { xdotool key F9; sleep 0.4; xdotool key Right Right Right; sleep 0.5; }
esc() { xdotool key Escape; sleep 1.6; }
opt; shot options_menu; esc
for spec in "configuration:$kc" "layout:$kl" "panel_options:$kp" "confirmation:$kf" "virtual_fs:$kv"; do
  opt; xdotool key ${spec##*:}; shot ${spec%%:*}; esc; done
xdotool key Down; sleep 0.3; xdotool key F5; shot copy; esc
xdotool key F10; sleep 0.8; xdotool key Return; sleep 0.8
