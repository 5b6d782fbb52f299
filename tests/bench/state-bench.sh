#!/usr/bin/env bash
# state-bench.sh: camtraced's bounded state: RSS during fill, save and load, save time and event-loop stalls at 100,000 and 1,000,000 hosts; 100 kill -9 with 100,000 hosts.
# Run by hand on an optimised build (not a sanitizer build): make bench-state, or
#   CAMTRACED=/path/to/camtraced tests/bench/state-bench.sh
# As root it runs in a private network namespace with only loopback (unshare -n); else on loopback.
# SIZES="100000 1000000" KILLS=100 KILL_HOSTS=100000 change the runs. Goals: RSS < 64 MB at
# 100,000 hosts at all times, saves never stall the event loop more than 10 ms.
if [ "$(id -u)" = 0 ] && [ -z "${CT_BENCH_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_BENCH_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
set -u
[ -n "${CT_BENCH_NETNS:-}" ] && ip link set lo up
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
SIZES=${SIZES:-100000 1000000}
KILLS=${KILLS:-100}
KILL_HOSTS=${KILL_HOSTS:-100000}
PY=python3
T=$(mktemp -d /tmp/ctstatebench.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
FEED="$PY $top_srcdir/tests/net/state-feed.py"
CTLQ="$PY $top_srcdir/tests/net/ctlq.py"
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "warning: $top_builddir looks like a sanitizer build: the figures are not the daemon's"
fi
port=2425
[ -n "${CT_BENCH_NETNS:-}" ] || port=$((20000 + RANDOM % 20000))

start() { # [conf lines]
	printf '%s\n' "listen = 127.0.0.1" "port = $port" "user = $(id -un)" "pidfile =" "state_file = $T/state.json" \
		"ctl_socket = $T/ctl.sock" "log_level = notice" "$@" >"$T/conf"
	"$CAMTRACED" -T -c /dev/null 2>/dev/null | grep -q '^confirm_claims' && echo "confirm_claims = no" >>"$T/conf"
	"$CAMTRACED" -f -c "$T/conf" >>"$T/log" 2>&1 &
	pid=$!
	for _ in $(seq 1200); do $CTLQ "$T/ctl.sock" status >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "camtraced did not start: $(tail -3 "$T/log")"
	exit 1
}
q() { $CTLQ "$T/ctl.sock" status | $PY -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
# rss_watch OUT: samples the daemon's and its save child's VmRSS every 20 ms until killed
rss_watch() {
	local m=0 c=0 r k
	while :; do
		r=$(kb "$pid" VmRSS)
		[ -n "$r" ] && [ "$r" -gt "$m" ] && m=$r
		k=
		read -r k _ <"/proc/$pid/task/$pid/children" 2>/dev/null # no newline: read fails, k is set
		[ -n "$k" ] && r=$(kb "$k" VmRSS) && [ -n "$r" ] && [ "$r" -gt "$c" ] && c=$r
		echo "$m $c" >"$1"
		sleep 0.02
	done
}
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }
# the save child of the daemon, if one runs (the file has no newline: read fails, c is set)
saving_child() {
	local c=
	read -r c <"/proc/$pid/task/$pid/children" 2>/dev/null
	[ -n "$c" ]
}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 < g + 0) ? "ok" : "OVER" }'; }

# status latency on one control connection: p50/p99/max in ms while a save runs
cat >"$T/lat.py" <<'PY'
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1]); f = s.makefile("rwb")
def call(i, m, p):
    f.write((json.dumps({"id": i, "method": m, "params": p}) + "\n").encode()); f.flush()
    while True:
        msg = json.loads(f.readline())
        if msg.get("id") == i: return msg
call(1, "hello", {"protocol": 1, "client": "bench"})
end = time.monotonic() + float(sys.argv[2]); lat = []; i = 2
while time.monotonic() < end:
    t = time.monotonic(); call(i, "status", {}); lat.append((time.monotonic() - t) * 1000); i += 1
    time.sleep(0.002)
lat.sort()
print("%.2f %.2f %.2f %d" % (lat[len(lat) // 2], lat[int(len(lat) * 0.99)], lat[-1], len(lat)))
PY

for n in $SIZES; do
	echo "== $n hosts"
	rm -f "$T"/state.json*
	cap=$((n + n / 8 + 1000)) # room for every host: this measures memory, not eviction
	start "max_hosts = $cap"
	idle=$(kb "$pid" VmRSS)
	rss_watch "$T/rss" &
	w=$!
	"$T/loadgen" flood 127.0.0.1 "$port" "$n" >/dev/null
	# until all are in, or the count stops growing (loopback UDP drops some under load)
	last=-1 same=0
	while [ "$same" -lt 3 ]; do
		got=$(q 'r["hosts"]["total"]')
		[ "$got" -ge "$n" ] && break
		if [ "$got" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$got
		sleep 1
	done
	got=$(q 'r["hosts"]["total"]')
	# let the saves of the fill finish, then one save of the full table, measured
	for _ in $(seq 600); do [ "$(q 'r["state"]["saving"]')" = False ] && break; sleep 0.1; done
	read -r fill_max _ <"$T/rss"
	s0=$(q 'r["state"]["saves"]')
	$FEED feed "$port" "$n" 1 >/dev/null # one new host: one more save
	lat_secs=$(q 'max(4, r["state"]["last_save_ms"] * 3 / 1000 + 4)')
	$PY "$T/lat.py" "$T/ctl.sock" "$lat_secs" >"$T/lat" &
	lp=$!
	for _ in $(seq 1200); do [ "$(q "r['state']['saves'] > $s0 and not r['state']['saving']")" = True ] && break; sleep 0.1; done
	wait "$lp"
	kill "$w"; wait "$w" 2>/dev/null
	read -r run_max child_max <"$T/rss"
	read -r p50 p99 lmax nlat <"$T/lat"
	save_ms=$(q 'r["state"]["last_save_ms"]'); stall=$(q 'r["state"]["last_stall_ms"]'); maxstall=$(q 'r["state"]["max_stall_ms"]')
	bytes=$(q 'r["state"]["last_bytes"]'); saves=$(q 'r["state"]["saves"]')
	hwm=$(kb "$pid" VmHWM)
	t0=$(date +%s.%N)
	kill -TERM "$pid"; wait "$pid"
	exit_s=$(since "$t0")
	t0=$(date +%s.%N)
	start "max_hosts = $cap"
	load_s=$(since "$t0")
	loaded=$(q 'r["hosts"]["total"]')
	load_hwm=$(kb "$pid" VmHWM)
	kill -TERM "$pid"; wait "$pid"
	pid=
	echo "hosts: $got announced over loopback, $loaded after a restart"
	echo "RSS idle $(mb "$idle"); max while filling (saves running): $(mb "$fill_max"); max during the measured save: $(mb "$run_max") (save child: $(mb "$child_max")); peak (VmHWM) of the run: $(mb "$hwm")"
	echo "RSS peak of a restart that loads the $loaded hosts: $(mb "$load_hwm") (load and start: ${load_s} s)"
	echo "save: $save_ms ms in the child for $bytes bytes ($saves saves in the run); event loop held by the save: ${stall} ms (max of the run ${maxstall} ms)"
	echo "ctl status latency during the save: p50 $p50 ms, p99 $p99 ms, max $lmax ms ($nlat calls)"
	echo "exit (waits for a running save, saves in-process): ${exit_s} s"
	if [ "$n" = 100000 ]; then
		echo "goal RSS < 64 MB at 100,000 hosts: fill $(verdict "$fill_max" 65536), save $(verdict "$run_max" 65536), peak $(verdict "$hwm" 65536), load $(verdict "$load_hwm" 65536)"
	fi
	echo "goal stalls < 10 ms: fork $(verdict "$maxstall" 10), ctl p99 $(verdict "$p99" 10), ctl max $(verdict "$lmax" 10)"
done

echo "== $KILLS kill -9 with $KILL_HOSTS hosts"
rm -f "$T"/state.json*
start "max_hosts = $((KILL_HOSTS * 2))" # no eviction: every saved host must come back
"$T/loadgen" flood 127.0.0.1 "$port" "$KILL_HOSTS" >/dev/null
for _ in $(seq 120); do [ "$(q 'r["hosts"]["total"]')" -ge "$((KILL_HOSTS * 98 / 100))" ] && break; sleep 0.5; done
for _ in $(seq 600); do [ "$(q 'r["state"]["saves"] >= 1 and not r["state"]["saving"]')" = True ] && break; sleep 0.1; done
: >"$T/prev.users"
fed=$((KILL_HOSTS + 1)) good=0 bad=0 mid=0 tmps=0 restarts=()
for i in $(seq "$KILLS"); do
	$FEED feed "$port" "$fed" 100 >/dev/null
	fed=$((fed + 100))
	if [ $((i % 2)) = 1 ]; then
		for _ in $(seq 2000); do saving_child && break; sleep 0.003; done
		saving_child && mid=$((mid + 1))
	else
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r % 300 / 100 }')"
	fi
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	sleep 0.05
	tmps=$((tmps + $(find "$T" -maxdepth 1 -name 'state.json.tmp*' | wc -l)))
	res=$($FEED check "$T/state.json" "$T/prev.users")
	t0=$(date +%s.%N)
	start "max_hosts = $((KILL_HOSTS * 2))"
	restarts+=("$(since "$t0")")
	total=$(q 'r["hosts"]["total"]')
	case $res in
	"ok $total") good=$((good + 1)) ;;
	*) bad=$((bad + 1)); echo "kill $i: $res; restarted with $total hosts" ;;
	esac
	cp "$T/state.json.users" "$T/prev.users"
done
kill -TERM "$pid"; wait "$pid"
pid=
corrupt=$(find "$T" -maxdepth 1 -name 'state.json.bad*' | wc -l)
echo "kills: $KILLS ($mid while the save child was writing); rounds where a saved host was lost, the file did not parse or the restart differed: $bad; corrupt files: $corrupt; temp files left and removed at restart: $tmps"
printf '%s\n' "${restarts[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "restart to a listening ctl socket, with ~%d hosts to load: median %.2f s, max %.2f s\n", '"$KILL_HOSTS"', a[int((NR + 1) / 2)], a[NR] }'
echo "goal: 0 lost, 0 corrupt, every restart: $([ "$bad" = 0 ] && [ "$corrupt" = 0 ] && echo ok || echo FAILED)"
