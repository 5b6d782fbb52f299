#!/usr/bin/env bash
# 225-camtraced-logs.sh: camtraced's log lines an administrator reads: join, exit, liveness offline, fetch, notification round, search, floods summed up, a bad reload on one line, timestamps with -f and not for the journal.
# Runs in a private network namespace with only loopback (unshare -n): nothing leaves the machine.
if [ "$(id -u)" = 0 ] && [ -z "${CT_LOGS_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_LOGS_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
[ -n "${CT_LOGS_NETNS:-}" ] || skip_all "needs root and unshare -n"
ip link set lo up
D=$LAB_TMP/logs
mkdir -p "$D"
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z camtraced\[[0-9]+\]: '
pids=()
CT_LOG_BURST=5 # CT_LOG_LIMIT_BURST (log.h): lines of one class a minute before the rest is counted

# send SRC KIND N [TAG]: N IP Messenger datagrams from SRC:2425 to 127.0.0.1:2425 (entry: BR_ENTRY of
# TAG<i>@TAGpc; exit: BR_EXIT; bad: malformed)
send() {
	"$PYTHON" - "$@" <<'EOF'
import socket, sys, time
base = int(time.time() * 1000) % 1000000000  # packet numbers: a resend of the same would be a duplicate
src, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
tag = sys.argv[4] if len(sys.argv) > 4 else "u"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((src, 2425))
for i in range(n):
    if kind == "entry":
        p = b"1:%d:%s:%spc:%d:%s\x00grp\x00" % (base + i, (tag if n == 1 else "%s%d" % (tag, i)).encode(), tag.encode(), 1, tag.encode())
    elif kind == "exit":
        p = b"1:%d:%s:%spc:%d:" % (base + i, tag.encode(), tag.encode(), 2)
    else:
        p = b"1:%d:u" % i + b"\x00" * (i % 7)
    s.sendto(p, ("127.0.0.1", 2425))
EOF
}
# line RE: the first line of the daemon's log after the timestamp matching RE (extended), without it
line() { sed -E -n "s/^$TS//p" "$D/log" | grep -E -m1 -- "$1"; }
has_line() { line "$1" >/dev/null; }
# start_main [conf lines]: the server under test on 127.0.0.1:2425, -f, stderr to $D/log
start_main() {
	printf '%s\n' "listen = 127.0.0.1" "port = 2425" "user = root" "pidfile =" "state_file = $D/state.json" \
		"ctl_socket = $D/ctl.sock" "log_level = info" "host_name = serverpc" "confirm_claims = no" "accept = 127.0.0.0/28" \
		"allow = 127.0.0.0/28" "liveness_interval = 10s" "liveness_misses = 1" "notify = 127.0.0.9" \
		"search = 127.0.0.12-127.0.0.13" "guard_log_interval = 5s" "$@" >"$D/conf"
	"$CAMTRACED" -f -c "$D/conf" >>"$D/log" 2>&1 &
	main_pid=$!
	pids+=("$main_pid")
	wait_for -t 20 _ctd_up "$D/ctl.sock"
}
cleanup_225() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; }
trap cleanup_225 EXIT

ok 'start_main' "camtraced starts in the foreground"
like "$(head -n1 "$D/log")" "^$TS" "-f: the first line starts with the time, the program and its pid"
ok 'wait_for -t 20 has_line "^notice: notify round 1: "' "the first notification round ends"
is "$(line '^info: notify round 1: ')" "info: notify round 1: 1 addresses at 100 packets/s" "notification round start: exact line"
is "$(line '^notice: notify round 1: ')" \
	"notice: notify round 1: sent 1 packets to 1 addresses (0 names unresolved), 0 answered" \
	"notification round result: exact line"
ok 'wait_for -t 30 has_line "^notice: search 1 done"' "the start-up search ends"
is "$(line '^info: search 1: ')" "info: search 1: 2 addresses at 50 probes/s" "search start: exact line"
is "$(line '^notice: search 1 done')" \
	"notice: search 1 done: probed 2 of 2 addresses, found 0 IP Messenger hosts" "search result: exact line"

# a join and an exit (BR_ENTRY, BR_EXIT from 127.0.0.2), a host that stops answering (127.0.0.3)
send 127.0.0.2 entry 1 alice
ok 'wait_for -t 10 has_line "alice@alicepc .* joined"' "a join is logged"
is "$(line 'alice@alicepc .* joined')" "info: host alice@alicepc (127.0.0.2:2425) joined (BR_ENTRY)" "join: exact line"
send 127.0.0.2 exit 1 alice
ok 'wait_for -t 10 has_line "alice@alicepc .* left"' "an exit is logged"
is "$(line 'alice@alicepc .* left')" "info: host alice@alicepc (127.0.0.2:2425) left (BR_EXIT)" "exit: exact line"
send 127.0.0.2 entry 1 alice
ok 'wait_for -t 10 has_line "alice@alicepc .* came back"' "a return is logged"
is "$(line 'alice@alicepc .* came back')" "info: host alice@alicepc (127.0.0.2:2425) came back (BR_ENTRY): flap 1" \
	"return: exact line, with the flap count"
# two more flaps: the third in an hour makes it unstable (notice); then it moves to 127.0.0.7
for k in 2 3; do
	send 127.0.0.2 exit 1 alice
	wait_for -t 5 has_line "alice@alicepc .* came back .*flap $((k - 1))"
	sleep 0.3
	send 127.0.0.2 entry 1 alice
done
ok 'wait_for -t 10 has_line "alice@alicepc .* unstable"' "the third flap in an hour is logged as unstable"
is "$(line 'alice@alicepc .* unstable')" \
	"notice: host alice@alicepc (127.0.0.2:2425) came back (BR_ENTRY): unstable, 3 flaps in the last hour, 3 in all" \
	"unstable: exact line"
send 127.0.0.7 entry 1 alice
ok 'wait_for -t 10 has_line "alice@alicepc moved"' "a move is logged"
is "$(line 'alice@alicepc moved')" "info: host alice@alicepc moved from 127.0.0.2:2425 to 127.0.0.7:2425 (BR_ENTRY)" \
	"move: exact line"
send 127.0.0.3 entry 1 bob
ok 'wait_for -t 45 has_line "bob@bobpc .* liveness"' "the silent host goes offline by liveness"
is "$(line 'bob@bobpc .* liveness')" \
	"notice: host bob@bobpc (127.0.0.3:2425) left 1 liveness checks unanswered: offline, lost (flaps 0)" \
	"liveness offline: exact line"
wait_for -t 30 has_line "alice@alicepc .* liveness" # lost at 127.0.0.7 too: the list below has neither

# a list fetch: a second camtraced on 127.0.0.4 as a client of the first (the list: the server and the client;
# alice and bob are offline by then)
mkdir -p "$D/cli"
printf '%s\n' "listen = 127.0.0.4" "port = 2425" "user = root" "pidfile =" "state_file = $D/cli/state.json" \
	"ctl_socket = $D/cli/ctl.sock" "log_level = debug" "server = 127.0.0.1" "confirm_claims = no" "host_name = clientpc" >"$D/cli/conf"
"$CAMTRACED" -f -c "$D/cli/conf" >"$D/cli/log" 2>&1 &
cli_pid=$!
pids+=("$cli_pid")
cline() { sed -E -n "s/^$TS//p" "$D/cli/log" | grep -E -m1 -- "$1"; }
ok 'wait_for -t 20 cline "^notice: list fetch from"' "the client logs its fetch"
is "$(cline '^debug: .*list fetch from')" "debug: start_on: list fetch from 127.0.0.1 (127.0.0.1:2425) started" \
	"fetch start (debug): exact line"
is "$(cline '^notice: list fetch from' | sed -E 's/, [0-9]+ ms$/, N ms/')" \
	"notice: list fetch from 127.0.0.1 (127.0.0.1:2425): 2 hosts in 1 pages, 0 gone, N ms" \
	"fetch result: exact line (the duration aside)"
kill "$cli_pid"
wait "$cli_pid" 2>/dev/null
# a fetch that fails: a client of 127.0.0.15, where nothing answers
mkdir -p "$D/cli2"
printf '%s\n' "listen = 127.0.0.8" "port = 2425" "user = root" "pidfile =" "state_file = $D/cli2/state.json" \
	"ctl_socket = $D/cli2/ctl.sock" "log_level = info" "server = 127.0.0.15" "host_name = client2pc" >"$D/cli2/conf"
"$CAMTRACED" -f -c "$D/cli2/conf" >"$D/cli2/log" 2>&1 &
cli_pid=$!
pids+=("$cli_pid")
c2line() { sed -E -n "s/^$TS//p" "$D/cli2/log" | grep -E -m1 -- "$1"; }
ok 'wait_for -t 30 c2line "^warning: list fetch from"' "a failed fetch is logged"
is "$(c2line '^warning: list fetch from')" "warning: list fetch from 127.0.0.15 failed: the server did not answer \
BR_ISGETLIST2 (check that UDP 2425 passes and that this address is in the server's \`allow\`); next try in 60 s" \
	"fetch failure: exact line"
kill "$cli_pid"
wait "$cli_pid" 2>/dev/null

# floods: 10,000 entries from outside `accept` (127.0.0.100) and 10,000 malformed packets
before=$(wc -l <"$D/log")
bytes_before=$(stat -c %s "$D/log")
send 127.0.0.100 entry 10000 forged
send 127.0.0.5 bad 10000
ok 'wait_for -t 20 has_line "^notice: presence: refused [0-9]+ entry packets from outside"' \
	"the refused entries are summed up"
sleep 6 # a guard summary window
added=$(($(wc -l <"$D/log") - before))
grown=$(($(stat -c %s "$D/log") - bytes_before))
ok '[ "$added" -le 12 ]' "20,000 flood packets: $added lines (at most 12)"
ok '[ "$grown" -le 3000 ]' "... and $grown bytes (at most 3000)"
is "$(sed -E -n "s/^$TS//p" "$D/log" | tail -n "$added" | grep -c 'dropped a malformed packet')" "$CT_LOG_BURST" \
	"malformed packets: the burst of $CT_LOG_BURST lines, the rest counted"
like "$(line 'dropped a malformed packet')" \
	"^info: dropped a malformed packet of [0-9]+ bytes from 127\.0\.0\.5:2425: " "... each naming the source"

# a bad reload: one line, with the time and the file:line
echo "no_such_keyword = 1" >>"$D/conf"
n=$(wc -l <"$D/conf")
kill -HUP "$main_pid"
ok 'wait_for -t 10 has_line "^error: reload failed"' "a bad reload is logged"
is "$(grep -c 'reload failed' "$D/log")" 1 "... on one line"
like "$(grep 'reload failed' "$D/log")" \
	"^${TS}error: reload failed, keeping the running configuration: $D/conf:$n: " "... with the time and the file:line"
ok '! grep -qv "^[0-9]\{4\}-" "$D/log"' "every line of the -f log starts with the time"

# with stderr the journal's stream (JOURNAL_STREAM names its device:inode), no time: journald adds it
kill "$main_pid"
wait "$main_pid" 2>/dev/null
: >"$D/journal"
sed '$d' "$D/conf" >"$D/conf.ok"
JOURNAL_STREAM=$(stat -c '%d:%i' "$D/journal") "$CAMTRACED" -f -c "$D/conf.ok" >>"$D/journal" 2>&1 &
jpid=$!
pids+=("$jpid")
ok 'wait_for -t 10 grep -q "started" "$D/journal"' "camtraced starts with JOURNAL_STREAM set"
like "$(grep started "$D/journal")" "^camtraced: notice: camtraced .* started: " "... its lines carry no time"
ok '! grep -Eq "^[0-9]{4}-" "$D/journal"' "... none of them"

# the log directory is made when missing (a daemon in the background, log = a file)
printf '%s\n' "listen = 127.0.0.6" "port = 2425" "user = root" "pidfile = $D/bg/pid" "state_file = $D/bg/state.json" \
	"ctl_socket = $D/bg/ctl.sock" "log = $D/bg/logs/camtraced.log" "log_level = info" >"$D/bg.conf"
mkdir -p "$D/bg"
run_ok "camtraced starts in the background with a missing log directory" "$CAMTRACED" -c "$D/bg.conf"
ok '[ -d "$D/bg/logs" ]' "... the directory was made"
like "$(grep started "$D/bg/logs/camtraced.log")" "^${TS}notice: camtraced .* started: " "... and the log written there"
kill "$(cat "$D/bg/pid")" 2>/dev/null

# a start refused for two bad lines: two lines on stderr, each named and with its file:line
printf '%s\n' "bad_one = 1" "bad_two = 2" >"$D/bad.conf"
"$CAMTRACED" -f -c "$D/bad.conf" >"$D/bad.out" 2>&1
is "$(grep -Ec "^camtraced: $D/bad.conf:[12]: unknown keyword" "$D/bad.out")" 2 \
	"a start refused for two bad lines: one stderr line each, with the name and the file:line"
ctd_done
