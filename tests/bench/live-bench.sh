#!/usr/bin/env bash
# live-bench.sh: the live probe engine (probe-live.h) with 200 targets at 1 s: how long the event loop is ever held (against the 5 ms a monitor redraw may take), its CPU (against 5% of one core) and CPU per probe against mtr's in the same run.
# Run by hand as root: [BENCH_LIVE=/path/to/tests/net/live-run] [BENCH_TARGETS=200] [BENCH_SECS=20]
#   bash tests/bench/live-bench.sh   (or: make bench-live)
# (not part of make check; use an optimised build: configure CFLAGS="-O2 -g"). The targets are loopback
# addresses 127.1.0.1... in a namespace of its own, probed on port 2426 (the engine's own socket holds
# 2425 there): they answer the echo, reset the SYN and refuse the UDP probe with port unreachable (the
# ICMP rate limit is off so every probe gets its reply): 3 probes a
# target a second, each seen twice on the raw sockets (loopback). The driver times every loop
# iteration (thread CPU and wall time) and a 10 ms timer on the same loop (how late it runs).
set -eu
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
LIVE=${BENCH_LIVE:-$top_builddir/tests/net/live-run}
N=${BENCH_TARGETS:-200}
SECS=${BENCH_SECS:-20}
[ "$(id -u)" = 0 ] || { echo "live-bench: needs root (a network namespace, raw sockets)" >&2; exit 77; }
[ -x "$LIVE" ] || { echo "live-bench: $LIVE not built (make tests/net/live-run)" >&2; exit 77; }
NS=ctlive$$
TMP=$(mktemp -d)
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$TMP"' EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv4.icmp_ratelimit=0

ip netns exec "$NS" /usr/bin/time -f "%U %S %M" -o "$TMP/time" "$LIVE" --interval 1000 --seconds "$SECS" --port 2426 \
	"127.1.0.1/$N" >"$TMP/out.json"
read -r lu ls lrss <"$TMP/time"
python3 - "$TMP/out.json" "$lu" "$ls" "$lrss" "$SECS" "$N" >"$TMP/live.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
u, s, rss, secs, n = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
sent = sum(h[k]["sent"] for h in d["hosts"] for k in ("udp", "tcp", "icmp"))
ans = sum(h[k]["answered"] + h[k]["errors"] for h in d["hosts"] for k in ("udp", "tcp", "icmp"))
done = sum(h[k]["done"] for h in d["hosts"] for k in ("udp", "tcp", "icmp"))
cpu = u + s
l = d["loop"]
print(l["max_late_ms"], l["max_busy_ms"], l["max_busy_cpu_ms"], l["busy_over_5ms"], l["iterations"], sent, ans, done, cpu, 100 * cpu / secs, rss,
      len(d["hosts"]), 1e6 * cpu / max(sent, 1))
PY
read -r late busy busycpu over5 iters sent replied done cpu cpupct rss nh usprobe <"$TMP/live.txt"

# the peer tool: mtr's packet engine, one target, 0.1 s interval, 100 cycles (CPU per probe)
MTR_CYCLES=100
if command -v mtr >/dev/null; then
	ip netns exec "$NS" /usr/bin/time -f "%U %S" -o "$TMP/mtime" mtr -n -r -c "$MTR_CYCLES" -i 0.1 127.1.0.1 >"$TMP/mtr.txt" 2>&1 || true
	read -r mu ms <"$TMP/mtime"
	mtr_us=$(echo "1000000 * ($mu + $ms) / $MTR_CYCLES" | bc -l)
else
	mtr_us=
fi

printf 'live engine: %d targets at 1 s for %s s: %d probes sent (UDP+TCP+ICMP), %d replies, %d finished\n' \
	"$nh" "$SECS" "$sent" "$replied" "$done"
printf '  longest loop iteration: %.3f ms of CPU (its own work), %.3f ms of wall time (with the other\n' "$busycpu" "$busy"
printf '    processes of this machine, load %s); %d of %d iterations over 5 ms; a 10 ms timer ran at most %.3f ms late\n' \
	"$(cut -d' ' -f1 /proc/loadavg)" "$over5" "$iters" "$late"
printf '    ratio of the longest iteration (CPU) to the 5 ms a redraw may take (issue 15): %.2f\n' "$(echo "$busycpu / 5" | bc -l)"
printf '  CPU: %.2f s = %.2f%% of one core; ratio to the 5%% monitor budget: %.2f\n' "$cpu" "$cpupct" "$(echo "$cpupct / 5" | bc -l)"
printf '  CPU per probe: %.1f us\n' "$usprobe"
if [ -n "$mtr_us" ]; then
	printf '  mtr (same run, 1 target, %d cycles): %.1f us CPU per probe; ratio live/mtr: %.2f\n' "$MTR_CYCLES" "$mtr_us" \
		"$(echo "$usprobe / $mtr_us" | bc -l)"
fi
printf '  peak RSS after the run: %d kB\n' "$rss"
