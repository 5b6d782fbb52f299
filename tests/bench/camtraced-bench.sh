#!/usr/bin/env bash
# camtraced-bench.sh: camtraced throughput vs a minimal receive loop, 10,000-host fetch time vs a minimal client, RSS with 100,000 hosts.
# Run by hand (root not needed; loopback only). Use an optimised build, not a sanitizer build:
#   CAMTRACED=/path/to/camtraced tests/bench/camtraced-bench.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
CAMTRACED=${CAMTRACED:-$top_srcdir/src/camtraced/camtraced}
SECS=${SECS:-5}
T=$(mktemp -d /tmp/ctbench.XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
CTLQ="python3 $top_srcdir/tests/net/ctlq.py"
jget() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
base=$((20000 + RANDOM % 20000))

daemon() { # NAME LISTEN PORT [conf lines]
	local n=$1 l=$2 p=$3
	shift 3
	mkdir -p "$T/$n"
	printf '%s\n' "listen = $l" "port = $p" "user = $(id -un)" "state_file = $T/$n/state.json" \
		"pidfile = $T/$n/pid" "ctl_socket = $T/$n/ctl.sock" "log_level = warning" \
		"confirm_claims = no" "$@" >"$T/$n/conf" # the load generator's hosts never answer
	"$CAMTRACED" -f -c "$T/$n/conf" 2>"$T/$n/log" &
	pids+=($!)
	for _ in $(seq 100); do [ -S "$T/$n/ctl.sock" ] && return 0; sleep 0.05; done
	echo "camtraced $n did not start: $(cat "$T/$n/log")"; exit 1
}
q() {
	local p=${3:-}
	[ -n "$p" ] || p='{}'
	$CTLQ "$T/$1/ctl.sock" "$2" "$p"
}
rss_kb() { awk '/VmRSS/{print $2}' "/proc/$1/status"; }

echo "== 1. packets per second: entry/answer/GETLIST mix (6:3:1) over loopback, $SECS s each"
"$T/loadgen" rx $((base)) "$((SECS + 1))" >"$T/rx.out" &
rxp=$!
sleep 0.3
"$T/loadgen" mix 127.0.0.1 $((base)) "$SECS" >"$T/mix0.out"
wait $rxp
sent0=$(sed -n 's/sent=//p' "$T/mix0.out"); got0=$(sed -n 's/received=//p' "$T/rx.out")
daemon pps 127.0.0.1 $((base + 1))
cpu0=$(sed -n 's/cpu_s=//p' "$T/rx.out")
ppid=${pids[-1]}
ticks() { awk '{print $14 + $15}' "/proc/$ppid/stat"; }
r0=$(q pps status | jget 'r["packets"]["received"]'); c0=$(ticks)
"$T/loadgen" mix 127.0.0.1 $((base + 1)) "$SECS" >"$T/mix1.out"
sleep 1
r1=$(q pps status | jget 'r["packets"]["received"]'); c1=$(ticks)
sent1=$(sed -n 's/sent=//p' "$T/mix1.out")
python3 - "$got0" "$sent0" "$((r1 - r0))" "$sent1" "$SECS" "$cpu0" "$(( c1 - c0 ))" "$(getconf CLK_TCK)" <<'PY'
import sys
g0, s0, g1, s1, t, cpu0, ticks, hz = (float(x) for x in sys.argv[1:])
cpu1 = ticks / hz
print("minimal receive loop: %.0f packets/s received (of %.0f/s sent), %.2f us CPU per packet" % (g0 / t, s0 / t, cpu0 * 1e6 / max(g0, 1)))
print("camtraced:            %.0f packets/s processed (of %.0f/s sent), %.2f us CPU per packet" % (g1 / t, s1 / t, cpu1 * 1e6 / max(g1, 1)))
print("throughput ratio camtraced / minimal loop (same sender): %.2f" % (g1 / g0 if g0 else 0))
if cpu1 > 0:
    print("capacity ratio (CPU per packet, minimal / camtraced): %.2f -> about %.0f packets/s per core" % ((cpu0 / max(g0, 1)) / (cpu1 / max(g1, 1)), g1 / cpu1))
PY

echo "== 2. fetch of a 10,000-host list (server and client on loopback)"
daemon lsrv 127.0.0.1 $((base + 2)) "list_rate = 10000" "user_name = benchsrv"
"$T/loadgen" flood 127.0.0.1 $((base + 2)) 10000 >/dev/null
for _ in $(seq 100); do [ "$(q lsrv status | jget 'r["hosts"]["online"]')" -ge 10000 ] && break; sleep 0.1; done
echo "server: $(q lsrv status | jget 'r["list_server"]["list_size"]') hosts in its list"
python3 - 127.0.0.1 $((base + 2)) <<'PY' >"$T/peer.out"
import socket, sys, time
srv = (sys.argv[1], int(sys.argv[2]))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.3", srv[1])); s.settimeout(3)
t0 = time.monotonic(); start = 0; n = pages = 0; k = 1
while True:
    s.sendto(b"1:%d:peer:p:%d:%s\x00" % (k, 0x12 | 0x01000000, b"" if start == 0 else str(start).encode()), srv); k += 1
    d, _ = s.recvfrom(65536)
    body = d.split(b":", 5)[5]
    nxt, cnt = int(body[0:5]), int(body[6:11]); n += cnt; pages += 1
    if nxt == 0: break
    start = nxt
print("%.3f %d %d" % (time.monotonic() - t0, n, pages))
PY
read -r pt pn pp <"$T/peer.out"
daemon lcli 127.0.0.2 $((base + 2)) "server = 127.0.0.1" "user_name = benchcli"
for _ in $(seq 300); do [ "$(q lcli status | jget 'r["fetch"]["ok"]')" -ge 1 ] && break; sleep 0.1; done
ct=$(q lcli status | jget 'r["fetch"]["last_ms"]'); cn=$(q lcli status | jget 'r["fetch"]["hosts"]'); cp=$(q lcli status | jget 'r["fetch"]["pages"]')
echo "minimal Python GETLIST client: $pn hosts in $pp pages, $(python3 -c "print(round($pt*1000))") ms"
echo "camtraced client:              $cn hosts in $cp pages, $ct ms (handshake, paging and merge)"
python3 -c "print('ratio camtraced / minimal client: %.2f' % ($ct / 1000 / $pt))"
d=$(q lsrv status)
echo "with the default list_rate (5 pages/s per source, burst 20) the same fetch is paced to about $(python3 -c "print(round(max(0, $cp - 20) / 5))") s"

echo "== 3. resident memory with 100,000 hosts"
daemon mem 127.0.0.1 $((base + 3))
mpid=${pids[-1]}
before=$(rss_kb "$mpid")
"$T/loadgen" flood 127.0.0.1 $((base + 3)) 100000 >/dev/null
for _ in $(seq 200); do [ "$(q mem status | jget 'r["hosts"]["total"]')" -ge 99000 ] && break; sleep 0.1; done
n=$(q mem status | jget 'r["hosts"]["total"]')
q mem users '{"filter":"unstable"}' >/dev/null
after=$(rss_kb "$mpid")
echo "idle daemon: ${before} kB; with $n hosts: ${after} kB; $(python3 -c "print(round(($after-$before)*1024/max($n,1)))") bytes per host"
