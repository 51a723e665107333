#!/bin/bash
# Open a GIMP action through its "/" action search and screenshot the dialog that appears (GIMP already running).
# usage: gimp_shot.sh OUT.png "action label as shown in the UI language"   (needs DISPLAY, xdotool, xclip)
out=$1; search=$2
main=$(xdotool search --onlyvisible --name 'GIMP$' | head -1)
before=$(xdotool search --onlyvisible --name . | sort)
xdotool windowactivate --sync "$main"; sleep 0.5
xdotool mousemove 400 400; sleep 0.3
xdotool key slash; sleep 1.5
# xdotool type drops Cyrillic letters; paste the label instead.
printf "%s" "$search" | xclip -selection clipboard; sleep 0.3; xdotool key ctrl+v; sleep 2
xdotool key Return; sleep 4
xdotool mousemove 1595 1195; sleep 1
after=$(xdotool search --onlyvisible --name . | sort)
new=$(comm -13 <(echo "$before") <(echo "$after") | head -1)
echo "$out: $(xdotool getwindowname "$new" 2>/dev/null)"
[ -n "$new" ] && import -window "$new" -frame "$out"
xdotool key Escape; sleep 1.5
