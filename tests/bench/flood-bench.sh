#!/usr/bin/env bash
# flood-bench.sh: camtraced under a flood of forged requests (raw socket, unused addresses): list fetch latency, ctl status p50/p99, RSS and log growth.
# Run by hand as root (`make bench-flood`): builds a netns pair (server 198.18.200.1, client and
# flooder 198.18.200.2, forged sources 198.18.200.10-249 that never answer ARP) and removes it.
# Prints figures and ratios measured in this run; no pass/fail. Goals: every fetch < 100 ms,
# status p99 < 50 ms, RSS bounded. Use an optimised build for real figures:
#   CAMTRACED=/path/to/camtraced SECS=30 tests/bench/flood-bench.sh
# SRV_CONF="receive_buffer = 262144" adds configuration lines to the server's.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
SECS=${SECS:-30}
[ "$(id -u)" = 0 ] || { echo "flood-bench: needs root (network namespaces, raw socket)"; exit 1; }
[ -x "$CAMTRACED" ] || { echo "flood-bench: $CAMTRACED not built"; exit 1; }
NS=ctfb$$
T=$(mktemp -d /tmp/ctfloodbench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS-s" 2>/dev/null
	ip netns del "$NS-c" 2>/dev/null
	[ -n "${KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
CTLQ="python3 $top_srcdir/tests/net/ctlq.py"
jget() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
ins() { local n=$1; shift; ip netns exec "$NS-$n" "$@"; }

ip netns add "$NS-s" && ip netns add "$NS-c" || exit 1
ip link add "$NS-a" type veth peer name "$NS-b" || exit 1
ip link set "$NS-a" netns "$NS-s" name eth0
ip link set "$NS-b" netns "$NS-c" name eth0
ins s ip addr add 198.18.200.1/24 dev eth0
ins c ip addr add 198.18.200.2/24 dev eth0
for n in s c; do ins $n ip link set lo up; ins $n ip link set eth0 up; done

daemon() { # NAME NS [conf lines]
	local n=$1 ns=$2
	shift 2
	mkdir -p "$T/$n"
	printf '%s\n' "user = root" "state_file = $T/$n/state.json" "pidfile = $T/$n/pid" \
		"ctl_socket = $T/$n/ctl.sock" "log_level = notice" "$@" >"$T/$n/conf"
	ip netns exec "$NS-$ns" "$CAMTRACED" -f -c "$T/$n/conf" </dev/null >/dev/null 2>>"$T/$n/log" &
	pids+=($!) # ip netns exec execs the daemon: this is its pid
	for _ in $(seq 100); do $CTLQ "$T/$n/ctl.sock" status >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "camtraced $n did not start: $(cat "$T/$n/log")"; exit 1
}
st() { $CTLQ "$T/$1/ctl.sock" status; }   # st NAME: the daemon's status JSON
rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }

daemon srv s "user_name = benchsrv" ${SRV_CONF:+"$SRV_CONF"}
spid=${pids[-1]}
# 300 users on the client's address (one port each): three full ANSLIST pages
ins c python3 "$top_srcdir/tests/net/anslist-check.py" flood 198.18.200.1 300 30000 >/dev/null
for _ in $(seq 100); do [ "$(st srv | jget 'r["hosts"]["online"]')" -ge 300 ] && break; sleep 0.1; done
daemon cli c "server = 198.18.200.1" "user_name = benchcli"
for _ in $(seq 100); do [ "$(st cli | jget 'r["fetch"]["ok"]')" -ge 1 ] && break; sleep 0.1; done
list=$(st cli | jget 'r["fetch"]["hosts"]')
echo "server: $(st srv | jget 'r["list_server"]["list_size"]') hosts in its list; the client's first fetch: $list hosts, $(st cli | jget 'r["fetch"]["last_ms"]') ms"
sleep 1
rss0=$(rss_kb "$spid")
logsize() { stat -c %s "$T/srv/log" 2>/dev/null || echo 0; }
log0=$(logsize)
rx0=$(st srv | jget 'r["packets"]["received"]')

echo "== $SECS s of forged requests (half valid: GETLIST, BR_ISGETLIST2, GETINFO, SENDMSG, GETABSENCEINFO, BR_ENTRY; half malformed) from 240 unused addresses"
ip netns exec "$NS-c" "$T/loadgen" rawflood 198.18.200.10 240 198.18.200.1 "$SECS" >"$T/flood.out" &
fpid=$!
pids+=($fpid)
# status every 50 ms over one control connection, latencies in ms
python3 - "$T/srv/ctl.sock" "$SECS" >"$T/status.out" <<'PY' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1]); f = s.makefile("rwb")
def call(i, m, p={}):
    f.write((json.dumps({"id": i, "method": m, "params": p}) + "\n").encode()); f.flush()
    while json.loads(f.readline()).get("id") != i:
        pass
call(0, "hello", {"protocol": 1, "client": "flood-bench"})
end, i = time.monotonic() + float(sys.argv[2]), 1
while time.monotonic() < end:
    t = time.monotonic(); call(i, "status"); print("%.3f" % ((time.monotonic() - t) * 1000)); i += 1
    time.sleep(0.05)
PY
pids+=($!)
spy=$!
sleep 0.5
# a list fetch every second over one control connection to the client: its duration (client's
# view: BR_ENTRY, BR_ISGETLIST2 to the last page), the hosts it got, the call's wall time
python3 - "$T/cli/ctl.sock" "$((SECS - 1))" >"$T/fetch.out" <<'PY' &
import json, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1]); f = s.makefile("rwb")
def call(i, m, p={}):
    f.write((json.dumps({"id": i, "method": m, "params": p}) + "\n").encode()); f.flush()
    while True:
        r = json.loads(f.readline())
        if r.get("id") == i:
            return r.get("result") or {}
call(0, "hello", {"protocol": 1, "client": "flood-bench"})
end, i = time.monotonic() + float(sys.argv[2]), 1
while time.monotonic() < end:
    t = time.monotonic(); r = call(i, "refresh"); w = (time.monotonic() - t) * 1000; i += 1
    print(r.get("ms", -1), r.get("hosts", -1), round(w), flush=True)
    time.sleep(max(0, 1 - w / 1000))
PY
pids+=($!)
wait "$fpid" "$spy" "${pids[-1]}"
sleep 1
rss1=$(rss_kb "$spid")
log1=$(logsize)
rx1=$(st srv | jget 'r["packets"]["received"]')
st srv | jget 'json.dumps(r["guard"])' >"$T/guard.json"

python3 - "$T" "$SECS" "$list" "$rss0" "$rss1" "$log0" "$log1" "$rx0" "$rx1" <<'PY'
import json, sys
T, secs, want = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
rss0, rss1, log0, log1, rx0, rx1 = (int(x) for x in sys.argv[4:10])
fl = dict(l.split("=") for l in open(T + "/flood.out").read().split())
sent = int(fl["sent"])
print("flood: %d datagrams, %.0f/s sent; the server handled %.0f/s (%.0f%% of them; the rest overflowed its socket buffer)"
      % (sent, float(fl["pps"]), (rx1 - rx0) / secs, 100.0 * (rx1 - rx0) / max(sent, 1)))
fetches = [l.split() for l in open(T + "/fetch.out")]
ms = [int(f[0]) for f in fetches]
print("list fetches during the flood (one a second): %d; complete (at least the %d hosts of before; forged BR_ENTRY add more): %d" %
      (len(fetches), want, sum(1 for f in fetches if int(f[1]) >= want)))
print("  fetch latency ms (client's view, handshake to last page): " + " ".join(str(m) for m in ms))
print("  control call wall time ms: " + " ".join(f[2] for f in fetches))
print("  under 100 ms: %d of %d; max %d ms" % (sum(1 for m in ms if 0 <= m < 100), len(ms), max(ms) if ms else -1))
st = sorted(float(l) for l in open(T + "/status.out"))
if st:
    pick = lambda p: st[min(len(st) - 1, int(p * len(st)))]
    print("ctl status: %d calls, p50 %.1f ms, p99 %.1f ms, max %.1f ms (goal p99 < 50)" % (len(st), pick(0.5), pick(0.99), st[-1]))
print("RSS: %d kB before, %d kB after (ratio %.2f)" % (rss0, rss1, rss1 / max(rss0, 1)))
print("log growth: %d bytes in %.0f s (%.0f bytes/s, %.3f bytes per forged datagram)" %
      (log1 - log0, secs, (log1 - log0) / secs, (log1 - log0) / max(sent, 1)))
g = json.load(open(T + "/guard.json"))
print("guard: %d sources tracked, %d verified, %d evicted; dropped %s; by reason %s; cut pages %d, probes %d, log lines suppressed %d, send errors %s"
      % (g["tracked_sources"], g["verified_sources"], g["evicted_sources"], g["dropped"], g["dropped_by"],
         g["unverified_cut"], g["probes_sent"], g["log_suppressed"], g["send_errors_by"]))
PY
