wm title . "Terminal Preferences"
labelframe .f -text "Terminal Font" -padx 6 -pady 6
label .f.l -text "Font Family:"
listbox .f.lb -height 12 -width 22 -exportselection 0
foreach n {"Noto Mono" "Noto Sans" "Noto Serif" "Liberation Mono" "Liberation Sans" "Liberation Serif" "FreeMono" "FreeSans" "FreeSerif" "Hack" "Inconsolata" "Terminus"} { .f.lb insert end $n }
.f.lb selection set 1
.f.lb activate 1
grid .f.l -sticky w
grid .f.lb
labelframe .g -text "Preview" -padx 6 -pady 6
text .g.t -width 30 -height 14
.g.t insert end "<Latin>\nAaBbCcDdEe 0123456789\n\n<Greek>\nAaBbGgDd\n"
grid .g.t
grid .f .g -padx 8 -pady 8 -sticky n
focus .f.lb
