#!/bin/sh
# ctl-cli.sh: camtrace status/users/refresh/search against a control-socket server (no root needed).
: "${top_builddir:=.}"
ct="$top_builddir/src/camtrace/camtrace"
fake="$top_builddir/tests/unit/t-ctl-fake"
tmp=$(mktemp -d /tmp/ctl-cli-XXXXXX)
sock="$tmp/run/ctl.sock"
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
n=0; fail=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
show() { sed 's/^/# /' "$1"; }

# not running: clear message naming the socket, exit 69
"$ct" --ctl "$sock" status >"$tmp/out" 2>"$tmp/err"; rc=$?
t $([ $rc = 69 ] && echo 0 || echo 1) "status without a daemon exits 69 (got $rc)"
grep -q "camtraced is not running" "$tmp/err" && grep -qF "$sock" "$tmp/err" && grep -q "camtraced -f" "$tmp/err"
t $? "message names the socket and how to start camtraced"
"$ct" --ctl "$sock" --json users >"$tmp/out" 2>&1; rc=$?
"$fake" check-json "$tmp/out" errors.0.code='"daemon_not_running"' >"$tmp/chk"; r=$?
t $([ $rc = 69 ] && [ $r = 0 ] && echo 0 || echo 1) "--json: error document with daemon_not_running, exit 69"
[ $r = 0 ] || show "$tmp/chk"
CAMTRACED_CTL="$sock" "$ct" refresh >/dev/null 2>&1; rc=$?
t $([ $rc = 69 ] && echo 0 || echo 1) "CAMTRACED_CTL is honoured (exit 69, got $rc)"

"$fake" serve "$sock" & pid=$!
i=0; while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
t $([ -S "$sock" ] && echo 0 || echo 1) "fake daemon listening"

"$ct" --ctl "$sock" status >"$tmp/out" 2>&1; rc=$?
t $rc "status exits 0"
grep -q "camtraced 0.1.0-fake" "$tmp/out" && grep -q "list server + client node" "$tmp/out" &&
	grep -q "3 known: 3 online" "$tmp/out" && grep -q "1 unstable" "$tmp/out" && grep -q "up 1h02m" "$tmp/out"
t $? "status text shows version, roles, host counts, uptime"; [ $? = 0 ] || show "$tmp/out"
"$ct" --ctl "$sock" --json status >"$tmp/out" 2>&1
"$fake" check-json "$tmp/out" command='"status"' schema_version=1 daemon.hosts.total=3 daemon.roles.client=true >"$tmp/chk"
t $? "status --json document"; show "$tmp/chk"

"$ct" --ctl "$sock" users >"$tmp/out" 2>&1; rc=$?
t $rc "users exits 0"
grep -q "^alice .*198.18.1.10:2425 .*online .*local" "$tmp/out" && grep -q "^carol .*notified *2 " "$tmp/out" &&
	grep -q "3 of 3 hosts" "$tmp/out"
t $? "users table lists every host with address, state, origin, flaps"; [ $? = 0 ] || show "$tmp/out"
"$ct" --ctl "$sock" users --json >"$tmp/out" 2>&1
"$fake" check-json "$tmp/out" count=3 hosts.0.user='"alice"' hosts.0.host='"pc-a1"' hosts.0.nick='"Alice"' \
	hosts.0.group='"grp"' hosts.0.addr='"198.18.1.10"' hosts.0.port=2425 hosts.0.state='"online"' \
	hosts.0.origin='"local"' hosts.0.flap_count=0 hosts.0.last_seen hosts.2.flap_count=2 hosts.1.origin='"list"' \
	hosts.1.external=true >"$tmp/chk"
t $? "users --json: user host nick group addr port state origin flap_count last_seen"; show "$tmp/chk"
"$ct" --ctl "$sock" users --unstable --json >"$tmp/out" 2>&1
"$fake" check-json "$tmp/out" count=1 filter='"unstable"' hosts.0.user='"carol"' hosts.0.unstable=true >"$tmp/chk"
t $? "users --unstable lists only the flapping host"; show "$tmp/chk"
"$ct" --ctl "$sock" users --network 198.18.2.0/24 --json >"$tmp/out" 2>&1
"$fake" check-json "$tmp/out" count=2 network='"198.18.2.0/24"' hosts.0.user='"bob"' hosts.1.user='"carol"' >"$tmp/chk"
t $? "users --network filters by CIDR"; show "$tmp/chk"
"$ct" --ctl "$sock" users --network 198.18.9.0/24 >"$tmp/out" 2>&1
grep -q "no hosts in 198.18.9.0/24 (camtraced knows 3 in all)" "$tmp/out"
t $? "empty selection says so"; [ $? = 0 ] || show "$tmp/out"
"$ct" --ctl "$sock" users --network nonsense >/dev/null 2>"$tmp/err"; rc=$?
t $([ $rc = 2 ] && grep -q "CIDR" "$tmp/err" && echo 0 || echo 1) "bad --network is a usage error (exit 2)"

"$ct" --ctl "$sock" refresh >"$tmp/out" 2>&1; rc=$?
t $rc "refresh exits 0 (deferred answer)"
grep -q "fetched the list from 198.18.1.2: 3 hosts (1 new, 0 gone)" "$tmp/out"
t $? "refresh reports the fetch"; [ $? = 0 ] || show "$tmp/out"

"$ct" --ctl "$sock" search 198.18.2.* >"$tmp/out" 2>&1; rc=$?
t $rc "search exits 0"
grep -q "search 7 done: 254 of 254 addresses probed, 1 IP Messenger host found" "$tmp/out" &&
	grep -q "^198.18.2.10:2425 *bob *pc-b1" "$tmp/out"
t $? "search waits for the end and prints the hosts"; [ $? = 0 ] || show "$tmp/out"
"$ct" --ctl "$sock" --json search 198.18.2.* 198.18.3.0/24 >"$tmp/out" 2>&1
"$fake" check-json "$tmp/out" command='"search"' state='"done"' total=508 probed=508 found=1 hosts.0.addr='"198.18.2.10"' >"$tmp/chk"
t $? "search --json result document"; show "$tmp/chk"
"$ct" --ctl "$sock" search 198.18.2 >/dev/null 2>"$tmp/err"; rc=$?
t $([ $rc = 2 ] && grep -q "target '198.18.2'" "$tmp/err" && echo 0 || echo 1) "bad range is a usage error naming it"
"$ct" --ctl "$sock" search >/dev/null 2>&1; rc=$?
t $([ $rc = 2 ] && echo 0 || echo 1) "search without ranges is a usage error"

# a daemon that stops answering: stale socket => still exit 69
kill "$pid"; wait "$pid" 2>/dev/null; pid=

# a large table (1,500 more hosts): the text listing walks the array in order, odd names intact
CTL_FAKE_HOSTS=1500 "$fake" serve "$sock" & pid=$!
i=0; while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
"$ct" --ctl "$sock" users >"$tmp/out" 2>&1; rc=$?
t $rc "users with 1,503 hosts exits 0"
[ "$(grep -c ' pc  ' "$tmp/out")" = 1500 ] && grep -q '^user7  *pc  *Q"uo,te\] {x}\\ ' "$tmp/out" &&
	[ "$(sed -n '5p' "$tmp/out" | cut -d' ' -f1)" = user0 ] && grep -q "^1503 of 1503 hosts" "$tmp/out"
t $? "every host listed once, in order, with JSON-special characters in a nick"; [ $? = 0 ] || head -12 "$tmp/out" | sed 's/^/# /'
# display widths: the Japanese nick of user8 (20 columns) is cut to its 16 with an ellipsis, and
# its ADDRESS starts in the same column as an ASCII row's
cols=$(python3 - "$tmp/out" <<'PY'
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
rows = {l.split(" ")[0]: l for l in open(sys.argv[1], encoding="utf-8")}
print(w(rows["user8"].split("10.0.0.8:")[0]), w(rows["user9"].split("10.0.0.9:")[0]),
      "営業部の山田太…  " in rows["user8"])
PY
)
[ "$cols" = "64 64 True" ]
t $? "a Japanese nick is cut by display width with an ellipsis and the columns stay aligned ($cols)"
kill "$pid"; wait "$pid" 2>/dev/null; pid=
"$ct" --ctl "$sock" status >/dev/null 2>&1; rc=$?
t $([ $rc = 69 ] && echo 0 || echo 1) "after the daemon stopped: exit 69"

echo "1..$n"
exit 0
