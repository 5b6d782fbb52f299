#!/usr/bin/env bash
# rx-bench.sh: camtraced's packet path against the floor (a minimal recvmmsg loop): CPU per datagram under the same forged flood, measured in one run.
# Run by hand as root (`make bench-rx`): a throwaway network namespace with its loopback only;
# ct-loadgen's rawflood sends forged datagrams (half valid requests of every kind the daemon
# answers, half malformed) from 240 sources 127.1.0.x:2425 for SECS seconds
# to rx-floor on 127.0.0.2 (recvmmsg 32 at a time, counts) and to camtraced on 127.0.0.1,
# alternately, ROUNDS times each. CPU is the receiver's
# (utime+stime) over the datagrams it took in. Goal (issue 13): floor/camtraced >= 0.8.
# Use an optimised build: CAMTRACED=/path/to/camtraced SECS=5 ROUNDS=3 tests/bench/rx-bench.sh
# BASELINE=/path/to/other/camtraced adds a third receiver on 127.0.0.3 (e.g. the build before a
# change) to the same rounds.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
SECS=${SECS:-5}
ROUNDS=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "rx-bench: needs root (network namespace, raw socket)"; exit 1; }
[ -x "$CAMTRACED" ] || { echo "rx-bench: $CAMTRACED not built"; exit 1; }
. "$top_srcdir/tests/bench/bench-netns.sh"
bench_netns ctrx
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
cc -O2 -o "$T/rx-floor" "$top_srcdir/tests/bench/rx-floor.c" || exit 1
CTLQ="python3 $top_srcdir/tests/net/ctlq.py"
jget() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
hz=$(getconf CLK_TCK)

# LOAD=raw (default): forged sources over a raw socket; LOAD=mix: ct-loadgen's loopback mix
# (BR_ENTRY/ANSENTRY/GETLIST 6:3:1 from 64 ports of 127.0.0.9) with confirm_claims = no, the
# workload of camtraced-bench.sh.
LOAD=${LOAD:-raw}
load() { # DST
	case $LOAD in
	mix) ins "$T/loadgen" mix "$1" 2425 "$SECS" >"$T/flood.out" ;;
	*) ins "$T/loadgen" rawflood 127.1.0.1 240 "$1" "$SECS" >"$T/flood.out" ;;
	esac
}

floor_round() {
	ins "$T/rx-floor" 127.0.0.2 2425 300 >"$T/floor.out" &
	local fp=$!
	for _ in $(seq 50); do grep -q ready "$T/floor.out" && break; sleep 0.05; done
	load 127.0.0.2
	wait $fp
	echo "floor $(sed -n 's/received=//p' "$T/floor.out") $(sed -n 's/cpu_s=//p' "$T/floor.out") $(sed -n 's/^sent=//p' "$T/flood.out")"
}

daemon_round() { # NAME ADDR PID DIR
	local r0 r1 c0 c1
	r0=$($CTLQ "$4/ctl.sock" status | jget 'r["packets"]["received"]')
	c0=$(awk '{print $14 + $15}' "/proc/$3/stat")
	load "$2"
	sleep 0.5 # the daemon drains its socket buffer
	c1=$(awk '{print $14 + $15}' "/proc/$3/stat")
	r1=$($CTLQ "$4/ctl.sock" status | jget 'r["packets"]["received"]')
	echo "$1 $((r1 - r0)) $(python3 -c "print(($c1 - $c0) / $hz)") $(sed -n 's/^sent=//p' "$T/flood.out")"
}

start_daemon() { # BINARY ADDR DIR: prints the pid
	mkdir -p "$3"
	printf '%s\n' "listen = $2" "port = 2425" "user = root" "state_file = $3/state.json" \
		"pidfile = $3/pid" "ctl_socket = $3/ctl.sock" "log_level = warning" >"$3/conf"
	[ "$LOAD" = mix ] && echo "confirm_claims = no" >>"$3/conf" # the loopback sources never answer
	ip netns exec "$NS" "$1" -f -c "$3/conf" </dev/null >/dev/null 2>"$3/log" &
	dpids+=($!) # ip netns exec execs the daemon: this is its pid
	for _ in $(seq 100); do $CTLQ "$3/ctl.sock" status >/dev/null 2>&1 && break; sleep 0.05; done
	$CTLQ "$3/ctl.sock" status >/dev/null 2>&1 || { echo "camtraced did not start: $(cat "$3/log")" >&2; exit 1; }
}
dpids=()
start_daemon "$CAMTRACED" 127.0.0.1 "$T/d"
[ -n "${BASELINE:-}" ] && start_daemon "$BASELINE" 127.0.0.3 "$T/b"

echo "== $LOAD load, $SECS s a round, $ROUNDS rounds each, floor and camtraced alternately"
for i in $(seq "$ROUNDS"); do
	floor_round
	daemon_round camtraced 127.0.0.1 "${dpids[0]}" "$T/d"
	[ -n "${BASELINE:-}" ] && daemon_round baseline 127.0.0.3 "${dpids[1]}" "$T/b"
done | tee "$T/rounds"
# memory after the work: the receive slots are static, only the pages datagrams touch count
for i in "${!dpids[@]}"; do
	echo "$([ "$i" = 0 ] && echo camtraced || echo baseline) after the rounds: $(awk '/VmRSS|VmHWM/{printf "%s %s kB  ", $1, $2}' "/proc/${dpids[$i]}/status")"
done
python3 - "$T/rounds" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
def per(kind):
    got = sum(int(r[1]) for r in rows if r[0] == kind); cpu = sum(float(r[2]) for r in rows if r[0] == kind)
    sent = sum(int(r[3]) for r in rows if r[0] == kind)
    return got, cpu, sent
fg, fc, fs = per("floor"); dg, dc, ds = per("camtraced")
fus = fc * 1e6 / max(fg, 1); dus = dc * 1e6 / max(dg, 1)
print("floor (recvmmsg loop): %d of %d datagrams taken in, %.3f s CPU, %.2f us CPU per datagram" % (fg, fs, fc, fus))
print("camtraced:             %d of %d datagrams handled, %.3f s CPU, %.2f us CPU per datagram" % (dg, ds, dc, dus))
print("ratio floor / camtraced (CPU per datagram; goal >= 0.8): %.2f" % (fus / dus if dus else 0))
bg, bc, bs = per("baseline")
if bg:
    bus = bc * 1e6 / bg
    print("baseline:              %d of %d datagrams handled, %.3f s CPU, %.2f us CPU per datagram" % (bg, bs, bc, bus))
    print("ratio floor / baseline: %.2f; baseline / camtraced: %.2f" % (fus / bus, bus / dus if dus else 0))
PY
