#!/usr/bin/env bash
# sub-bench.sh: camtraced's CPU with and without a subscribed client reading its event stream, 10,000 hosts under a steady packet load (issue 15: the rise < 10%).
# Run by hand on an optimised build (configure CFLAGS="-O2 -g"): make bench-sub, or
#   top_builddir=BUILD bash tests/bench/sub-bench.sh
# As root it runs in a private network namespace with only loopback (unshare -n). The daemon gets
# HOSTS hosts (default 10000, from loopback sources), then RATE BR_ENTRY a second (default 2000)
# from them, of which a tenth change a host (absent, then back: events). Its CPU (utime + stime
# from /proc) is measured over SECS seconds (default 15) without a subscriber, with one that
# subscribes to everything (snapshot included) and reads the stream, and so on for ROUNDS rounds
# (default 2), alternating, so a change of the machine's load hits both. Printed: the CPU of each
# window, the means, the events the subscriber got, and the ratio with/without (goal < 1.10).
if [ "$(id -u)" = 0 ] && [ -z "${CT_BENCH_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_BENCH_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
set -u
[ -n "${CT_BENCH_NETNS:-}" ] && ip link set lo up
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
HOSTS=${HOSTS:-10000}
RATE=${RATE:-2000}
SECS=${SECS:-15}
ROUNDS=${ROUNDS:-2}
PY=python3
addr=127.0.0.1
port=2425
[ -n "${CT_BENCH_NETNS:-}" ] || port=$((20000 + RANDOM % 20000))
T=$(mktemp -d /tmp/ctsubbench.XXXXXX)
pid= lg= sub=
trap 'for p in $sub $lg $pid; do kill -9 "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
CTLQ="$PY $top_srcdir/tests/net/ctlq.py"
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "warning: $top_builddir looks like a sanitizer build: the figures are not the programs'"
fi

printf '%s\n' "listen = $addr" "port = $port" "user = $(id -un)" "pidfile =" "state_file = $T/state.json" \
	"ctl_socket = $T/ctl.sock" "log_level = notice" "max_hosts = $((HOSTS * 2))" >"$T/conf"
"$CAMTRACED" -T -c /dev/null 2>/dev/null | grep -q '^confirm_claims' && echo "confirm_claims = no" >>"$T/conf"
"$CAMTRACED" -f -c "$T/conf" >>"$T/log" 2>&1 &
pid=$!
for _ in $(seq 1200); do $CTLQ "$T/ctl.sock" status >/dev/null 2>&1 && break; sleep 0.05; done
q() { $CTLQ "$T/ctl.sock" status | $PY -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
"$T/loadgen" flood "$addr" "$port" "$HOSTS" >/dev/null
for _ in $(seq 300); do [ "$(q 'r["hosts"]["total"]')" -ge "$HOSTS" ] && break; sleep 0.2; done
echo "hosts in camtraced: $(q 'r["hosts"]["total"]')"
"$T/loadgen" steady "$addr" "$port" "$HOSTS" "$RATE" $((SECS * ROUNDS * 2 + 30)) >"$T/steady.out" &
lg=$!
sleep 3 # the load settles

ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
window() { # prints the daemon's CPU in % of one core over SECS
	local a b
	a=$(ticks)
	sleep "$SECS"
	b=$(ticks)
	awk -v d=$((b - a)) -v hz="$hz" -v s="$SECS" 'BEGIN { printf "%.2f", d / hz / s * 100 }'
}
off=() on=() events=0
for r in $(seq "$ROUNDS"); do
	off+=("$(window)")
	echo "round $r: without a subscriber: ${off[-1]}% of a core"
	: >"$T/ev.$r"
	$PY "$top_srcdir/tests/net/ctlsub.py" "$T/ctl.sock" "$T/ev.$r" &
	sub=$!
	for _ in $(seq 300); do grep -q '"synced"' "$T/ev.$r" && break; sleep 0.1; done
	on+=("$(window)")
	kill "$sub"; wait "$sub" 2>/dev/null; sub=
	n=$(grep -c '"ev":"host"' "$T/ev.$r")
	lost=$(grep -c '"ev":"lost"' "$T/ev.$r")
	events=$((events + n))
	echo "round $r: with a subscriber reading the stream: ${on[-1]}% of a core ($n host events incl. the $HOSTS of the snapshot, $lost lost lines)"
done
mean() { printf '%s\n' "$@" | awk '{ s += $1 } END { printf "%.2f", s / NR }'; }
m_off=$(mean "${off[@]}") m_on=$(mean "${on[@]}")
echo "packets sent by the load: $(awk -F= '/sent/ {print $2}' "$T/steady.out" 2>/dev/null)(so far: the load runs on) at $RATE/s"
echo "daemon CPU without a subscriber: $m_off% of a core; with one: $m_on%"
r=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "%.3f", (b > 0) ? a / b : 0 }')
echo "ratio with/without: $r (goal < 1.10): $(awk -v r="$r" 'BEGIN { print (r < 1.10) ? "ok" : "OVER" }')"
echo "daemon RSS after the runs: VmRSS $(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status") kB, peak VmHWM $(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status") kB"
