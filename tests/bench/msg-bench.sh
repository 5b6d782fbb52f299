#!/usr/bin/env bash
# msg-bench.sh: encrypted messages per second between two camtraced against plain ones, and camtraced's CPU per packet with message traffic mixed into presence traffic against presence alone, each pair measured in one run.
# Run by hand as root (`make bench-msg`), with an optimised build (configure CFLAGS="-O2 -g"):
# a throwaway network namespace with its loopback only; camtraced A on 127.0.0.1, B on 127.0.0.2.
# 1. `camtrace send` from A to B, N messages plain then N with --encrypt require (RSA-2048 +
#    AES-256, signed), P commands at a time (an encrypted send waits 300 ms after the RECVMSG for
#    a possible AutoReply(DecryptErr), so one at a time measures that wait, not the rate),
#    alternately ROUNDS times: messages/s each way and encrypted/plain (the limit is the plain
#    rate: the same commands, the same daemons, the same acknowledgement), and both daemons' CPU
#    per message.
# 2. ct-loadgen's presence mix (BR_ENTRY/ANSENTRY/GETLIST 6:3:1, as camtraced-bench.sh) for SECS
#    seconds to a third camtraced, alone and then with SENDMSG|SENDCHECKOPT from 200 senders at
#    MSGRATE a second mixed in (each stored in the inbox and acknowledged), alternately ROUNDS
#    times: the daemon's CPU per packet (utime+stime / packets received) and mixed/alone.
# N=64 P=16 ROUNDS=3 SECS=4 MSGRATE=2000 CAMTRACED=... CAMTRACE=... tests/bench/msg-bench.sh
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
CAMTRACE=${CAMTRACE:-$top_builddir/src/camtrace/camtrace}
N=${N:-64}
P=${P:-16}
ROUNDS=${ROUNDS:-3}
SECS=${SECS:-4}
MSGRATE=${MSGRATE:-2000}
[ "$(id -u)" = 0 ] || { echo "msg-bench: needs root (network namespace)"; exit 1; }
[ -x "$CAMTRACED" ] && [ -x "$CAMTRACE" ] || { echo "msg-bench: camtraced or camtrace not built"; exit 1; }
. "$top_srcdir/tests/bench/bench-netns.sh"
bench_netns ctmsg
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
CTLQ="python3 $top_srcdir/tests/net/ctlq.py"
jget() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
hz=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }

daemon() { # NAME ADDR CONF-LINES...: starts camtraced, sets PID
	local d=$T/$1 a=$2
	shift 2
	mkdir -p "$d"
	printf '%s\n' "listen = $a" "port = 2425" "user = root" "state_file = $d/state.json" "pidfile = $d/pid" \
		"ctl_socket = $d/ctl.sock" "log_level = warning" "allow = 127.0.0.0/8" "$@" >"$d/conf"
	ip netns exec "$NS" "$CAMTRACED" -f -c "$d/conf" </dev/null >/dev/null 2>"$d/log" &
	PID=$! # ip netns exec execs the daemon: this is its pid
	dpids+=("$PID")
	for _ in $(seq 200); do $CTLQ "$d/ctl.sock" status >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "camtraced $1 did not start: $(cat "$d/log")" >&2
	exit 1
}

echo "== 1. messages per second between two camtraced (camtrace send, $N a round, $P at a time, $ROUNDS rounds)"
daemon A 127.0.0.1 "user_name = alice"
pa=$PID
daemon B 127.0.0.2 "user_name = bob"
pb=$PID
enc=$($CTLQ "$T/A/ctl.sock" status | jget 'r["messages"]["encryption"]["available"]')
[ "$enc" = True ] || { echo "msg-bench: camtraced has no encryption (built without libcrypto?)"; exit 1; }
send_round() { # plain|encrypted: prints seconds, A's cpu s, B's cpu s, failures
	local extra=() t0 t1 a0 b0 fail=0
	[ "$1" = encrypted ] && extra=(--encrypt require)
	a0=$(cpu "$pa") b0=$(cpu "$pb") t0=$(date +%s.%N)
	for p in $(seq "$P"); do
		for i in $(seq $((N / P))); do
			ins "$CAMTRACE" --json --ctl "$T/A/ctl.sock" send "${extra[@]}" 127.0.0.2 "message $p.$i" \
				>"$T/send$p.json" 2>&1 || echo x >>"$T/fail"
		done &
	done
	wait
	t1=$(date +%s.%N)
	[ -f "$T/fail" ] && fail=$(wc -l <"$T/fail") && rm -f "$T/fail"
	echo "$(python3 -c "print($t1 - $t0)") $(python3 -c "print(($(cpu "$pa") - $a0) / $hz)") \
$(python3 -c "print(($(cpu "$pb") - $b0) / $hz)") $fail"
}
# a first encrypted send fetches B's key (GETPUBKEY/ANSPUBKEY): not part of the figures
ins "$CAMTRACE" --json --ctl "$T/A/ctl.sock" send --encrypt require 127.0.0.2 warm-up >"$T/warm.json" 2>&1
warm=$(jget 'r["recipients"][0].get("encryption")' <"$T/warm.json" 2>/dev/null)
[ "$warm" = rsa2048+aes256/sha256 ] || echo "warning: the warm-up send says encryption $warm: $(head -c 300 "$T/warm.json")"
for r in $(seq "$ROUNDS"); do
	echo "plain $(send_round plain)" >>"$T/sends"
	echo "encrypted $(send_round encrypted)" >>"$T/sends"
done
python3 - "$T/sends" "$N" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
n = int(sys.argv[2])
res = {}
for kind in ("plain", "encrypted"):
    r = [x for x in rows if x[0] == kind]
    secs = min(float(x[1]) for x in r)               # best round
    tot = sum(float(x[1]) for x in r)
    a = sum(float(x[2]) for x in r) / (n * len(r)) * 1e3
    b = sum(float(x[3]) for x in r) / (n * len(r)) * 1e3
    fail = sum(int(x[4]) for x in r)
    res[kind] = (n / secs, 1e3 / (a + b) if a + b > 0 else float("inf"))
    print("%-9s %7.1f messages/s (best round; mean %.1f)  sender CPU %.2f ms, receiver CPU %.2f ms a message "
          "(the two daemons' CPU allows %.0f/s); %d failed" % (kind, n / secs, n * len(r) / tot, a, b, res[kind][1], fail))
print("ratio encrypted / plain: %.2f messages/s end to end (the limit is the plain rate: the same sends without the "
      "crypto; an encrypted send also waits 300 ms for a possible DecryptErr), %.2f of the daemons' CPU-bound rate"
      % (res["encrypted"][0] / res["plain"][0], res["encrypted"][1] / res["plain"][1]))
PY

echo "== 2. camtraced's CPU per packet: presence traffic alone and with messages mixed in ($SECS s, $ROUNDS rounds)"
daemon C 127.0.0.3 "user_name = carol" "confirm_claims = no"
pc=$PID
msgs() { # SECONDS: SENDMSG|SENDCHECKOPT from 200 senders 127.0.2.x:2425 at MSGRATE a second
	ins python3 - "$1" "$MSGRATE" <<'PY'
import socket, sys, time
secs, rate = float(sys.argv[1]), float(sys.argv[2])
socks = []
for i in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.2.%d" % (i + 1), 2425))
    socks.append(s)
t0, k = time.monotonic(), 0
while time.monotonic() - t0 < secs:
    due = int((time.monotonic() - t0) * rate)
    while k < due:
        i = k % 200
        socks[i].sendto(b"1:%d:user%d:pc%d:288:hello from %d, message %d\0" % (3000000 + k, i, i, i, k), ("127.0.0.3", 2425))
        k += 1
    time.sleep(0.002)
print("sent=%d" % k)
PY
}
load_round() { # alone|mixed: packets received, cpu s, messages sent
	local r0 r1 c0 c1 m=0
	r0=$($CTLQ "$T/C/ctl.sock" status | jget 'r["packets"]["received"]')
	c0=$(cpu "$pc")
	if [ "$1" = mixed ]; then
		msgs "$SECS" >"$T/msgs.out" &
		local mp=$!
	fi
	ins "$T/loadgen" mix 127.0.0.3 2425 "$SECS" >"$T/mix.out"
	[ "$1" = mixed ] && { wait "$mp"; m=$(sed -n 's/^sent=//p' "$T/msgs.out"); }
	sleep 0.5 # the daemon drains its socket buffer
	c1=$(cpu "$pc")
	r1=$($CTLQ "$T/C/ctl.sock" status | jget 'r["packets"]["received"]')
	echo "$((r1 - r0)) $(python3 -c "print(($c1 - $c0) / $hz)") $m"
}
for r in $(seq "$ROUNDS"); do
	echo "alone $(load_round alone)" >>"$T/loads"
	echo "mixed $(load_round mixed)" >>"$T/loads"
done
python3 - "$T/loads" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
per = {}
for kind in ("alone", "mixed"):
    r = [x for x in rows if x[0] == kind]
    pk = sum(int(x[1]) for x in r)
    cpu = sum(float(x[2]) for x in r)
    m = sum(int(x[3]) for x in r)
    per[kind] = cpu / max(pk, 1) * 1e6
    print("%-6s %9d packets, %6.2f CPU s: %5.2f us a packet%s" % (kind, pk, cpu, per[kind],
          ", %d of them SENDMSG (%.1f%%)" % (m, 100.0 * m / max(pk, 1)) if m else ""))
r = [x for x in rows if x[0] == "mixed"]
m = sum(int(x[3]) for x in r)
extra = sum(float(x[2]) for x in r) - per["alone"] / 1e6 * (sum(int(x[1]) for x in r) - m)
print("ratio CPU per packet mixed / alone: %.2f (1.00 = a message costs what a presence packet costs)"
      % (per["mixed"] / per["alone"]))
if extra > 0:
    print("a message (RECVMSG answer, inbox) costs about %.1f us, %.1fx a presence packet"
          % (extra / m * 1e6, extra / m * 1e6 / per["alone"]))
else:
    print("a message costs no more than a presence packet within the noise of this run")
PY
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pc/status")
echo "camtraced C's peak RSS after the work: $(awk '/VmHWM/ {print $2}' "/proc/$pc/status") kB (now $rss kB)"
