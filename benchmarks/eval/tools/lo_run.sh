#!/bin/bash
# Screenshot LibreOffice Writer dialogs, one fresh soffice per dialog (a closed Print dialog can leave soffice hung).
# usage: lo_run.sh en|ru OUT_DIR NAME=.uno:Command[|actions] ...   (needs DISPLAY with a window manager)
# LO_FACTORY=scalc|simpress picks the application (lo_shot.py), LO_PROFILE the profile folder prefix.
set -u
lang=$1; out=$2; shift 2
mkdir -p "$out"
if [ "$lang" = ru ]; then loc=ru_RU.UTF-8; else loc=en_US.UTF-8; fi
here=$(cd "$(dirname "$0")" && pwd)
kill_tree() { for c in $(ps -o pid= --ppid "$1"); do kill_tree "$c"; done; kill "$1" 2>/dev/null; }
for spec in "$@"; do
  LANG=$loc LC_ALL=$loc LANGUAGE=$lang soffice -env:UserInstallation=file://${LO_PROFILE:-/tmp/lo-profile}-$lang \
    --norestore --nologo --nodefault "--accept=socket,host=127.0.0.1,port=2002;urp;" >/dev/null 2>&1 &
  pid=$!
  sleep 6
  timeout 90 /usr/bin/python3 "$here/lo_shot.py" 2002 "$out" "$spec"
  kill_tree $pid
  sleep 2
done
