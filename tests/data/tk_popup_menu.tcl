set lang [lindex $argv 0]
wm title . "Notes"
wm geometry . 520x420+0+0
text .t -width 60 -height 20
pack .t -fill both -expand 1
.t insert end "Shopping list\nmilk\nbread\n"
menu .m -tearoff 0
if {$lang eq "ru"} {
  .m add command -label "Открыть..." -accelerator "Ctrl+O"
  .m add command -label "Сохранить как..."
  .m add separator
  .m add checkbutton -label "Перенос строк" -variable wrap
  .m add checkbutton -label "Номера строк" -variable nums
  .m add checkbutton -label "Строка состояния" -variable status
  .m add separator
  .m add radiobutton -label "Мелкий шрифт" -variable size -value s
  .m add radiobutton -label "Обычный шрифт" -variable size -value m
  .m add radiobutton -label "Крупный шрифт" -variable size -value l
  .m add separator
  .m add command -label "Закрыть окно"
} else {
  .m add command -label "Open..." -accelerator "Ctrl+O"
  .m add command -label "Save As..."
  .m add separator
  .m add checkbutton -label "Word Wrap" -variable wrap
  .m add checkbutton -label "Line Numbers" -variable nums
  .m add checkbutton -label "Status Bar" -variable status
  .m add separator
  .m add radiobutton -label "Small Text" -variable size -value s
  .m add radiobutton -label "Normal Text" -variable size -value m
  .m add radiobutton -label "Large Text" -variable size -value l
  .m add separator
  .m add command -label "Close Window"
}
set wrap 1; set nums 0; set status 1; set size l
after 800 {tk_popup .m 120 80}
