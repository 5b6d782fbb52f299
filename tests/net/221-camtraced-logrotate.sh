#!/usr/bin/env bash
# 221-camtraced-logrotate.sh: camtraced's log file after the privilege drop: its user owns the log directory and file, a rotation (mv + SIGHUP, as logrotate does) gives a new file of the same owner, a failed reopen is logged at level error, never as "reloaded".
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"

T=$LAB_TMP
chmod 711 "$T"
d=$T/d
L=$d/log/camtraced.log
lab_up
printf '%s\n' "state_file = $d/state.json" "pidfile = $d/pid" "ctl_socket = $d/ctl.sock" "user = nobody" \
	"log = $L" "log_level = info" >"$T/conf"
run_ok "camtraced -n accepts a log file in a directory that does not exist yet" "$CAMTRACED" -n -c "$T/conf"
run_ok "camtraced starts in the background as root, to run as nobody" in_host srv "$CAMTRACED" -c "$T/conf"
pid=$(cat "$d/pid")
is "$(stat -c %u:%g:%a "$d/log")" "65534:65534:750" "it made the log directory, nobody's, 0750"
is "$(stat -c %u:%g:%a "$L")" "65534:65534:640" "the log file is nobody's, 0640"
ok 'wait_for -t 5 grep -q "camtraced .* started" "$L"' "lines go to the log file"

# ---- rotation as logrotate does it (nocreate): move the file away, SIGHUP ----
mv "$L" "$L.1"
kill -HUP "$pid"
ok 'wait_for -t 5 grep -q "notice: configuration reloaded" "$L"' "after mv + SIGHUP the daemon writes to a new file"
is "$(stat -c %u:%g:%a "$L")" "65534:65534:640" "the new file is made by the daemon: nobody's, 0640"
ok 'grep -q "started" "$L.1" && ! grep -q "started" "$L"' "earlier lines stay in the rotated file"
ok '! grep -q "configuration reloaded" "$L.1"' "the rotated file has no line of after the rotation"

# ---- a reopen that fails is a failure: level error, and no "reloaded" ----
mv "$L" "$L.2"
chmod 500 "$d/log"
kill -HUP "$pid"
ok 'wait_for -t 5 grep -q "error: reload: configuration applied, but the logs were not reopened: cannot open log file $L: Permission denied" "$L.2"' \
	"a failed reopen is logged at level error, with the path and the cause (in the old file, still open)"
like "$(grep -c "configuration reloaded" "$L.2")" "^1$" "and the daemon does not say it reloaded (only the earlier reload's line is there)"
ok '[ ! -e "$L" ]' "no file appeared"
ok 'pid_alive "$pid"' "the daemon still runs"
chmod 750 "$d/log"
kill -HUP "$pid"
ok 'wait_for -t 5 grep -q "notice: configuration reloaded" "$L"' "once the directory is writable again, SIGHUP reopens"
is "$(stat -c %U:%a "$L")" "nobody:640" "with the right owner"
kill "$pid"
ok 'wait_for -t 5 test ! -e "$d/pid"' "SIGTERM: the daemon leaves"

# ---- the shipped logrotate file: the daemon's directory, no root-owned file created, HUP to the pid file ----
R=$top_builddir/contrib/logrotate/camtraced
if [ -f "$R" ]; then
	ok 'grep -q "^[^#]*/log/camtraced/\*\.log {\$" "$R"' "logrotate: rotates the files of camtraced's log directory"
	ok 'grep -qx "[[:space:]]*nocreate" "$R" && ! grep -q "^[[:space:]]*create" "$R"' "logrotate: nocreate (the daemon makes the new file, as its user)"
	ok 'grep -q "kill -HUP \"\$(cat [^)]*/camtraced/camtraced.pid)\"" "$R"' "logrotate: SIGHUP to the pid file's daemon"
else
	skip_test "the shipped logrotate file" "$R not built"
fi
ctd_done
