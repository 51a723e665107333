# An invented Tk "Run Command" dialog: labels above their entries, check boxes, a default button.
wm title . "Run Command"
. configure -padx 10 -pady 8
label .l1 -text "Command to run:" -anchor w
entry .e1 -width 40
.e1 insert 0 "make -j4 install"
label .l2 -text "Working directory:" -anchor w
entry .e2 -width 40
.e2 insert 0 "~/src/project"
checkbutton .c1 -text "Run in terminal"
checkbutton .c2 -text "Keep window open"
.c2 select
frame .b
button .b.ok -text "Run" -default active
button .b.cancel -text "Cancel"
pack .b.ok .b.cancel -side left -padx 20
pack .l1 .e1 .l2 .e2 -fill x -anchor w -pady 2
pack .c1 .c2 -anchor w
pack .b -pady 6
