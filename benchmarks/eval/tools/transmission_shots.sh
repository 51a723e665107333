#!/bin/bash
# Screenshots of transmission-gtk 3.00 (GTK 3) under $DISPLAY (Xvfb + openbox), one config dir per language.
# Usage: transmission_shots.sh en|ru CONFIG_DIR OUT_DIR
#   Starts transmission-gtk -g CONFIG_DIR (its settings.json prepared before) in the language's locale inside a
#   private D-Bus session, moves the main window to 0,0, opens its menus one after another with F10 and Right
#   (the mnemonics differ by language) and crops the screen around each (menu_1..menu_5), then opens
#   Edit > Preferences (F10, Right, Down, Return: the first enabled item of the Edit menu) and shoots its seven
#   tabs (prefs_1..prefs_7) with import -frame after a click on each tab label (TABS: x offsets of the labels in
#   the dialog, which is moved to 600,0). Quits with Ctrl+Q.
set -u
l=$1; CFG=$2; S=$3; mkdir -p "$S"
if [ "$l" = en ]; then L=en_US.UTF-8; TITLE='Transmission Preferences'; TABS="56 150 250 332 416 503 587"
else L=ru_RU.UTF-8; TITLE='Параметры Transmission'; TABS="68 163 254 392 518 596 740"; fi
HOME=$CFG/home LANG=$L LC_ALL=$L LANGUAGE=$l dbus-run-session -- transmission-gtk -g "$CFG" >"$CFG/log" 2>&1 &
sleep 6
# the first start shows the «I Agree» dialog (consent) in the middle of the main window: click it if it is there
if [ "${CONSENT_XY:-}" ]; then
  xdotool mousemove ${CONSENT_XY% *} ${CONSENT_XY#* } click 1; sleep 1; fi
W=$(xdotool search --onlyvisible --name '^Transmission$' | tail -1)
xdotool windowmove "$W" 0 0; xdotool windowactivate --sync "$W"; sleep 0.5
xdotool key F10; sleep 0.8
for i in 1 2 3 4 5; do
  import -window root "$S/root.png"; convert "$S/root.png" -crop 620x560+0+0 +repage "$S/tr_${l}_menu_$i.png"
  xdotool key Right; sleep 0.8
done
xdotool key Escape Escape; sleep 0.5
xdotool windowactivate --sync "$W"; xdotool key F10; sleep 0.5; xdotool key Right; sleep 0.5; xdotool key Down Return; sleep 2
P=$(xdotool search --onlyvisible --name "$TITLE" | tail -1); xdotool windowmove "$P" 600 0; sleep 0.5
i=1
for x in $TABS; do
  xdotool mousemove $((600 + x)) 52 click 1; sleep 1; xdotool mousemove 1500 1100; sleep 0.3
  import -window "$P" -frame "$S/tr_${l}_prefs_$i.png"; i=$((i + 1))
done
xdotool windowactivate --sync "$P"; xdotool key Escape; sleep 0.5
xdotool windowactivate --sync "$W"; xdotool key ctrl+q; sleep 2
rm -f "$S/root.png"
