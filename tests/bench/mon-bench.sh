#!/usr/bin/env bash
# mon-bench.sh: camtrace monitor's screen under load: 10,000 hosts in camtraced and 10,000 packets/s on the captured interface; the monitor's CPU (goal < 5% of one core), a redraw's time (goal < 5 ms) and camtraced's CPU with and without the subscribed monitor (goal: < 10% more); plus the screen alone over the model (mon-ui-drive).
# Run by hand as root on an optimised build (configure CFLAGS="-O2 -g"): make bench-mon, or
#   top_builddir=BUILD bash tests/bench/mon-bench.sh
# It runs in a private network namespace with only loopback (unshare -n). HOSTS=10000 PPS=10000
# SECONDS_RUN=10 change the load and the measuring window.
if [ "$(id -u)" != 0 ]; then
	echo "mon-bench: run as root (a private network namespace, the capture)"
	exit 77
fi
if [ -z "${CT_BENCH_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_BENCH_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
set -u
ip link set lo up
ip addr add 127.0.0.2/8 dev lo 2>/dev/null
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
CAMTRACE=${CAMTRACE:-$top_builddir/src/camtrace/camtrace}
DRIVE=$top_builddir/tests/bench/mon-ui-drive
HOSTS=${HOSTS:-10000}
PPS=${PPS:-10000}
WIN=${SECONDS_RUN:-10}
PY=python3
T=$(mktemp -d /tmp/ctmonbench.XXXXXX)
TM="tmux -L ctmonbench-$$"
pid= pacer=
trap '$TM kill-server 2>/dev/null; [ -n "$pacer" ] && kill "$pacer" 2>/dev/null; [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
command -v tmux >/dev/null || { echo "mon-bench: needs tmux"; exit 77; }
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
CTLQ="$PY $top_srcdir/tests/net/ctlq.py"
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "warning: $top_builddir looks like a sanitizer build: the figures are not the programs'"
fi
q() { $CTLQ "$T/ctl.sock" status | $PY -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
# cpu PID: utime + stime of PID in clock ticks
cpu() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)
pct() { awk -v a="$1" -v b="$2" -v s="$3" -v hz="$hz" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 < g + 0) ? "ok" : "OVER" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

# camtraced with HOSTS users (ct-loadgen floods BR_ENTRY from as many loopback addresses)
printf '%s\n' "listen = 127.0.0.1" "port = 2425" "user = root" "pidfile =" "state_file = $T/state.json" \
	"ctl_socket = $T/ctl.sock" "log_level = notice" "max_hosts = $((HOSTS * 2 + 1000))" >"$T/conf"
"$CAMTRACED" -T -c /dev/null 2>/dev/null | grep -q '^confirm_claims' && echo "confirm_claims = no" >>"$T/conf"
"$CAMTRACED" -f -c "$T/conf" >>"$T/log" 2>&1 &
pid=$!
for _ in $(seq 600); do $CTLQ "$T/ctl.sock" status >/dev/null 2>&1 && break; sleep 0.05; done
"$T/loadgen" flood 127.0.0.1 2425 "$HOSTS" >/dev/null
for _ in $(seq 120); do [ "$(q 'r["hosts"]["total"]')" -ge "$HOSTS" ] && break; sleep 0.5; done
echo "camtraced: $(q 'r["hosts"]["total"]') hosts"

# PPS IP Messenger datagrams a second to a sink on 127.0.0.2:2425 (on lo, so the capture sees them)
cat >"$T/pacer.py" <<'PY'
import socket, sys, time
pps = int(sys.argv[1])
sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sink.bind(("127.0.0.2", 2425)); sink.setblocking(False)
tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); tx.bind(("127.0.0.3", 2425))
n = 0; t0 = time.monotonic()
while True:
    due = int((time.monotonic() - t0) * pps)
    while n < due:
        tx.sendto(b"1:%d:bench:pc%d:32:hello" % (n, n % 500), ("127.0.0.2", 2425)); n += 1
    try:
        while True: sink.recv(2048)
    except BlockingIOError:
        pass
    time.sleep(0.005)
PY
ip addr add 127.0.0.3/8 dev lo 2>/dev/null

window() { # PID...: CPU % of each over WIN seconds
	local a=() b=() p
	for p in "$@"; do a+=("$(cpu "$p")"); done
	sleep "$WIN"
	for p in "$@"; do b+=("$(cpu "$p")"); done
	for i in "${!a[@]}"; do printf '%s ' "$(pct "${a[$i]}" "${b[$i]}" "$WIN")"; done
	echo
}

$PY "$T/pacer.py" "$PPS" &
pacer=$!
sleep 1
read -r d_alone < <(window "$pid")
echo "camtraced alone (packets running): CPU $d_alone%"

# run_mon LABEL ARGS...: the monitor in an 80x24 tmux pane; its CPU in the Hosts and the Packets
# view, camtraced's CPU meanwhile, the redraw figures it writes when it quits
run_mon() {
	local label=$1 mpid m_cpu d_with m_cpu_pk redraws r_avg r_worst t0 t1
	shift
	rm -f "$T/stats"
	t0=$(date +%s.%N)
	$TM new-session -d -s mon -x 80 -y 24 "exec env LANG=C.UTF-8 TZ=UTC TERM=tmux-256color \
CAMTRACE_MON_STATS=$T/stats $CAMTRACE --ctl $T/ctl.sock monitor -Z root $* 2>$T/mon.err"
	for _ in $(seq 100); do $TM capture-pane -p -t mon 2>/dev/null | grep -q "$HOSTS hosts" && break; sleep 0.2; done
	mpid=$($TM display -p -t mon '#{pane_pid}')
	sleep 2
	$TM capture-pane -p -t mon | sed -n '1,2p'
	read -r m_cpu d_with < <(window "$mpid" "$pid")
	$TM send-keys -t mon d d
	sleep 1
	read -r m_cpu_pk < <(window "$mpid")
	$TM capture-pane -p -t mon | sed -n '2p'
	$TM send-keys -t mon q
	for _ in $(seq 50); do [ -s "$T/stats" ] && break; sleep 0.1; done
	read -r _ redraws _ r_avg _ r_worst <"$T/stats" 2>/dev/null || { redraws=0 r_avg=0 r_worst=0; }
	t1=$(date +%s.%N)
	[ -s "$T/mon.err" ] && echo "monitor stderr: $(head -3 "$T/mon.err")"
	echo "== camtrace monitor $label: $HOSTS hosts, $PPS packets/s on lo, ${WIN}s windows"
	echo "monitor CPU, Hosts view: $m_cpu% of one core; Packets view: $m_cpu_pk% (goal < 5%: $(verdict "$m_cpu" 5) / $(verdict "$m_cpu_pk" 5); ratio to the goal $(ratio "$m_cpu" 5) / $(ratio "$m_cpu_pk" 5))"
	echo "redraws: $redraws, average $r_avg ms, worst $r_worst ms (goal < 5 ms: $(verdict "$r_worst" 5); ratio to the goal $(ratio "$r_worst" 5)); the screen's share of the monitor's time: $(awk -v n="$redraws" -v a="$r_avg" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.2f", n * a / 10 / (t1 - t0) }')% of one core"
	echo "camtraced CPU: alone $d_alone%, with the monitor $d_with% (goal < 10% more: $(verdict "$d_with" "$(awk -v a="$d_alone" 'BEGIN { print a * 1.1 + 0.2 }')"); ratio $(ratio "$d_with" "$d_alone"))"
}
run_mon "with the capture" --interface lo
run_mon "without the capture (the daemon's events and the screen)" --no-capture
kill "$pacer" 2>/dev/null; wait "$pacer" 2>/dev/null; pacer=

# the screen alone over the model: the same hosts, the same packet rate, no I/O but the terminal
if [ -x "$DRIVE" ]; then
	$TM new-session -d -s drive -x 80 -y 24 "exec env LANG=C.UTF-8 $DRIVE --hosts $HOSTS --pps $PPS --seconds $WIN --out $T/drive"
	for _ in $(seq $((WIN * 10 + 100))); do [ -s "$T/drive" ] && break; sleep 0.1; done
	echo "mon-ui-drive (model + screen, synthetic): $(cat "$T/drive" 2>/dev/null)"
fi
