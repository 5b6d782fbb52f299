#!/usr/bin/env bash
# 215-camtraced-safe-files.sh: camtraced's pid file (O_NOFOLLOW, flock held for life, stale files taken over), no_new_privs, and -T output that parses back.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
need_cmd setpriv

# ---- camtraced -T of nasty values: printable, and it parses back to the same configuration ----
printf '%s\n' 'nick = "\x09tab\x01ctl\x1b[2J\x7f"' 'absence_text = "two\x0alines \"q\" # \\ end\x0d"' \
	'group = "  blanks  "' "state_file = $LAB_TMP/st.json" >"$LAB_TMP/nasty.conf"
printf 'user_name = \203\112\203\201\nhost_name = \343\202\253\343\203\241 pc\n' >>"$LAB_TMP/nasty.conf"
printf 'ctl_group = raw\tTAB\033[2Jesc\r\r\n' >>"$LAB_TMP/nasty.conf" # raw bytes; the line's last CR is its end
run_ok "camtraced -T prints the nasty configuration" "$CAMTRACED" -T -c "$LAB_TMP/nasty.conf"
grep -av '^# allow above was computed' "$LAB_TMP/run-out" >"$LAB_TMP/T1.conf"
is "$(LC_ALL=C tr -d '\n\040-\176\200-\377' <"$LAB_TMP/T1.conf" | wc -c)" "0" "-T output holds no control character"
is "$(grep -a '^nick = ' "$LAB_TMP/T1.conf")" 'nick = "\x09tab\x01ctl\x1b[2J\x7f"' "control characters are written as \\xNN"
is "$(grep -a '^absence_text = ' "$LAB_TMP/T1.conf")" 'absence_text = "two\x0alines \"q\" # \\ end\x0d"' \
	"a newline, quotes, '#', a backslash and a CR at the end are escaped"
is "$(grep -a '^user_name = ' "$LAB_TMP/T1.conf" | od -An -tx1 | tr -d ' \n')" "757365725f6e616d65203d20834a83810a" \
	"CP932 bytes are printed as they are"
is "$(grep -a '^ctl_group = ' "$LAB_TMP/T1.conf")" 'ctl_group = "raw\x09TAB\x1b[2Jesc\x0d"' \
	"raw control bytes in the file come out escaped (and the CR before the line end kept)"
run_ok "camtraced -T of that output" "$CAMTRACED" -T -c "$LAB_TMP/T1.conf"
grep -av '^# allow above was computed' "$LAB_TMP/run-out" >"$LAB_TMP/T2.conf"
ok 'cmp -s "$LAB_TMP/T1.conf" "$LAB_TMP/T2.conf"' "parses back to the same configuration (-T twice is identical)"

lab_up
chmod 711 "$LAB_TMP" # nobody must reach its directory below
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
status_field() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }
# second NAME [conf lines...]: a camtraced on srv's port 2426 with its own socket and state; output in run-out
second() {
	local d=$LAB_TMP/$1
	shift
	mkdir -p "$d"
	printf '%s\n' "state_file = $d/state.json" "ctl_socket = $d/ctl.sock" "user = root" "port = 2426" \
		"log_level = info" "$@" >"$d/conf"
	in_host srv timeout 20 "$CAMTRACED" -f -c "$d/conf"
}

# ---- a running daemon holds the lock: a second start says who, exit 75, the file stays its ----
# its files' directory is given to nobody, as an administrator would: camtraced takes over no
# directory it did not create (tests/net/220-camtraced-dirs.sh)
mkdir -p "$LAB_TMP/srv"
chown 65534:65534 "$LAB_TMP/srv"
ctd_start srv srv "user = nobody"
pid=$(ctd_pid srv)
is "$(cat "$LAB_TMP/srv/pid")" "$pid" "the pid file names the daemon"
is "$(status_field "$pid" NoNewPrivs)" "1" "no_new_privs is set (/proc/PID/status NoNewPrivs: 1)"
is "$(status_field "$pid" Uid | cut -f1)" "65534" "and dropping to user nobody still worked"
ok 'in_host srv flock -n "$LAB_TMP/srv/pid" true; [ $? = 1 ]' "the daemon holds an flock on its pid file"
run_fails "a second camtraced with the same pid file does not start" second two "pidfile = $LAB_TMP/srv/pid"
is "$(grep -c . "$LAB_TMP/run-out")" "1" "one line of output"
is "$(cat "$LAB_TMP/run-out")" \
	"camtraced: camtraced already runs (pid $pid holds the lock on $LAB_TMP/srv/pid); stop it first (kill $pid), or give this one another \`pidfile\` (-p)" \
	"the message names the running daemon's pid and the fix"
second two "pidfile = $LAB_TMP/srv/pid" >/dev/null 2>&1
is "$?" "75" "exit status 75 (EX_TEMPFAIL)"
is "$(cat "$LAB_TMP/srv/pid")" "$pid" "the running daemon's pid file is untouched"
ok '[ ! -e "$LAB_TMP/two/ctl.sock" ]' "the second one stopped before opening its control socket"

# ---- a stale pid file naming a live, unrelated process (a reused pid) no longer blocks ----
ctd_stop srv KILL
reused=$$ # this test's shell: alive, and not a camtraced
printf '%s\n' "$reused" >"$LAB_TMP/srv/pid"
ctd_start srv srv "user = nobody"
pid=$(ctd_pid srv)
ok 'pid_alive "$pid"' "a stale pid file naming a live process (pid $reused) does not block the start"
is "$(cat "$LAB_TMP/srv/pid")" "$pid" "the pid file now names the new daemon, nothing left of the old pid"
ctd_stop srv
is "$?" "0" "SIGTERM: exit status 0"
ok '[ ! -e "$LAB_TMP/srv/pid" ]' "the pid file is removed at exit"

# ---- the attack: as nobody, a symlink in the pid directory; the next root start must not truncate ----
pd=$LAB_TMP/piddir
mkdir -p "$pd"
chown 65534:65534 "$pd"
printf 'root only\n' >"$LAB_TMP/secret"
chmod 600 "$LAB_TMP/secret"
run_ok "as nobody: a symlink in the pid directory to a root-only file" nobody ln -s "$LAB_TMP/secret" "$pd/pid"
run_fails "camtraced as root refuses the symlinked pid file" second three "pidfile = $pd/pid"
is "$(cat "$LAB_TMP/run-out")" \
	"camtraced: the pid file $pd/pid is a symbolic link; refusing to follow it (remove it: whoever can write that directory could point it at any file)" \
	"the message names the link and the fix"
second three "pidfile = $pd/pid" >/dev/null 2>&1
is "$?" "77" "exit status 77 (EX_NOPERM)"
is "$(cat "$LAB_TMP/secret")" "root only" "the root-only file is not truncated"
is "$(stat -c %U:%a "$LAB_TMP/secret")" "root:600" "nor its owner or mode changed"
ok '[ -L "$pd/pid" ]' "the link is left for the administrator to look at"

# a hard link to another file is refused the same way (made as root: protected_hardlinks stops nobody)
rm -f "$pd/pid"
ln "$LAB_TMP/secret" "$pd/pid"
run_fails "a hard-linked pid file is refused" second three "pidfile = $pd/pid"
is "$(cat "$LAB_TMP/run-out")" \
	"camtraced: the pid file $pd/pid has 2 hard links; refusing to write through a link (remove it and check who made the link)" \
	"the message names the hard link"
is "$(cat "$LAB_TMP/secret")" "root only" "the linked file is not touched"

# a FIFO does not hang the start
rm -f "$pd/pid"
mkfifo "$pd/pid"
run_fails "a FIFO at the pid file's path is refused at once" second three "pidfile = $pd/pid"
is "$(cat "$LAB_TMP/run-out")" \
	"camtraced: the pid file $pd/pid is not a regular file; refusing to use it (remove it, or set \`pidfile\` / -p to another path)" \
	"the message says it is not a regular file"
ctd_done
