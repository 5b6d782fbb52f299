#!/usr/bin/env bash
# scale-bench.sh: camtraced's control socket at 100 and 100,000 hosts: `camtrace users --json` against `ip -j neigh` (per record), `doctor --user X` first/last/absent, peak RSS of daemon and client after the calls and a save.
# Run by hand on an optimised build (configure CFLAGS="-O2 -g"): make bench-scale, or
#   top_builddir=BUILD bash tests/bench/scale-bench.sh
# As root it runs in a private network namespace with only loopback (unshare -n), where it also
# fills a dummy interface with as many neighbours for `ip -j neigh`; else on loopback without
# that comparison. SIZES="100 100000" REPS=3 change the runs. Goals (issue 13): users --json at
# 100,000 hosts < 0.3 s and within 2x of ip -j neigh per record; doctor --user X at 100,000 hosts
# within 1.2x of its time at 100 (the fetch aside); daemon VmHWM < 64 MB through users calls and
# saves; the client's VmHWM bounded (it streams: no whole tree).
if [ "$(id -u)" = 0 ] && [ -z "${CT_BENCH_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_BENCH_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
set -u
addr=127.0.0.1
if [ -n "${CT_BENCH_NETNS:-}" ]; then
	# a veth pair: camtraced listens on an address that is not loopback (doctor takes the control
	# socket for the server's only then), and ip -j neigh gets its neighbours on it
	ip link set lo up
	ip link add ctb0 type veth peer name ctb1 && ip link set ctb0 up && ip link set ctb1 up &&
		ip addr add 10.99.0.1/16 dev ctb0 && ip addr add 10.64.0.1/10 dev ctb0 && addr=10.99.0.1
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMTRACED=${CAMTRACED:-$top_builddir/src/camtraced/camtraced}
CAMTRACE=${CAMTRACE:-$top_builddir/src/camtrace/camtrace}
SIZES=${SIZES:-100 100000}
REPS=${REPS:-3}
PY=python3
T=$(mktemp -d /tmp/ctscalebench.XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/loadgen" "$top_srcdir/tests/bench/ct-loadgen.c" || exit 1
CTLQ="$PY $top_srcdir/tests/net/ctlq.py"
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "warning: $top_builddir looks like a sanitizer build: the figures are not the programs'"
fi
port=2425
[ -n "${CT_BENCH_NETNS:-}" ] || port=$((20000 + RANDOM % 20000))

start() { # [conf lines]
	printf '%s\n' "listen = $addr" "port = $port" "user = $(id -un)" "pidfile =" "state_file = $T/state.json" \
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
mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 <= g + 0) ? "ok" : "OVER" }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

# best of REPS: wall seconds and the child's peak RSS (kB) of a command, its output to $T/out
cat >"$T/run.py" <<'PY'
import resource, subprocess, sys, time
reps = int(sys.argv[1]); best = None; rss = 0
for _ in range(reps):
    with open(sys.argv[2], "wb") as out:
        t = time.monotonic(); p = subprocess.run(sys.argv[3:], stdout=out, stderr=subprocess.DEVNULL)
        dt = time.monotonic() - t
    best = dt if best is None or dt < best else best
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%.4f %d %d" % (best, rss, p.returncode))
PY
timed() { $PY "$T/run.py" "$REPS" "$T/out" "$@"; }
count_json() { $PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(len(d['hosts']) if isinstance(d, dict) else len(d))" "$1"; }

declare -A users_s users_n users_rss doc_s doc_v
for n in $SIZES; do
	echo "== $n hosts"
	rm -f "$T"/state.json*
	start "max_hosts = $((n + n / 8 + 1000))"
	"$T/loadgen" flood "$addr" "$port" "$n" >/dev/null
	last=-1 same=0
	while [ "$same" -lt 3 ]; do
		got=$(q 'r["hosts"]["total"]')
		[ "$got" -ge "$n" ] && break
		if [ "$got" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$got
		sleep 1
	done
	got=$(q 'r["hosts"]["total"]')
	for _ in $(seq 600); do [ "$(q 'r["state"]["saving"]')" = False ] && break; sleep 0.1; done
	idle=$(kb "$pid" VmRSS)
	read -r s rss rc < <(timed "$CAMTRACE" --ctl "$T/ctl.sock" --json users)
	users_s[$n]=$s users_rss[$n]=$rss users_n[$n]=$(count_json "$T/out")
	read -r u_first u_last < <($PY -c "import json,sys; h=json.load(open(sys.argv[1]))['hosts']; print(h[0]['user'], h[-1]['user'])" "$T/out")
	read -r ts trss _ < <(timed "$CAMTRACE" --ctl "$T/ctl.sock" users)
	echo "hosts in camtraced: $got; users --json: ${users_n[$n]} records in $s s (best of $REPS, exit $rc), client peak $(mb "$rss"); text table: $ts s, client peak $(mb "$trss")"
	# doctor: the user first in the table, last, and absent (the server's records over --ctl)
	for who in "first:$u_first" "last:$u_last" absent:nobody-here; do
		read -r s _ rc < <(timed "$CAMTRACE" --ctl "$T/ctl.sock" --json --timeout 5 doctor --server "$addr" \
			--user "${who#*:}")
		doc_s[$n.${who%%:*}]=$s
		doc_v[$n.${who%%:*}]=$($PY -c "import json,sys; d=json.load(open(sys.argv[1])); print(d.get('verdict', {}).get('class'))" "$T/out" 2>/dev/null)
		echo "doctor --user ${who#*:} (${who%%:*}): $s s (best of $REPS, exit $rc, verdict ${doc_v[$n.${who%%:*}]})"
	done
	# a save of the full table after the calls, then the daemon's peak
	s0=$(q 'r["state"]["saves"]')
	$PY -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.250.0.1', 2425))
s.sendto(b'1:7:savetrigger:pc:1:nick\\0group\\0', (sys.argv[1], int(sys.argv[2])))" "$addr" "$port" # one new host: a save
	for _ in $(seq 1200); do [ "$(q "r['state']['saves'] > $s0 and not r['state']['saving']")" = True ] && break; sleep 0.1; done
	"$CAMTRACE" --ctl "$T/ctl.sock" --json users >/dev/null
	echo "camtraced RSS idle $(mb "$idle"), after the calls and a save: VmRSS $(mb "$(kb "$pid" VmRSS)"), peak VmHWM $(mb "$(kb "$pid" VmHWM)")"
	[ "$n" = 100000 ] && echo "goal daemon VmHWM < 64 MB: $(verdict "$(kb "$pid" VmHWM)" 65536)"
	kill -TERM "$pid"; wait "$pid"
	pid=
done

big=${SIZES##* } small=${SIZES%% *}
echo "== ratios"
if [ "$addr" != 127.0.0.1 ]; then
	# ip -j neigh with as many neighbours as records, in this throwaway namespace
	$PY -c "
import sys
n = int(sys.argv[1])
for i in range(n):
    print('neigh add 10.%d.%d.%d lladdr 02:00:%02x:%02x:%02x:01 dev ctb0 nud permanent' % (64 + i // 62500, i // 250 % 250, i % 250 + 2, i >> 16 & 255, i >> 8 & 255, i & 255))
" "${users_n[$big]}" >"$T/neigh.batch"
	ip -batch "$T/neigh.batch" 2>/dev/null
	read -r ns _ _ < <(timed ip -j neigh show dev ctb0)
	nn=$(count_json "$T/out")
	per_ct=$(awk -v s="${users_s[$big]}" -v n="${users_n[$big]}" 'BEGIN { printf "%.2f", s / n * 1e6 }')
	per_ip=$(awk -v s="$ns" -v n="$nn" 'BEGIN { printf "%.2f", (n ? s / n : 0) * 1e6 }')
	echo "ip -j neigh: $nn neighbours in $ns s ($per_ip us each); camtrace users --json: $per_ct us a record: $(ratio "$per_ct" "$per_ip")x"
	echo "goal users --json within 2x of ip -j neigh per record: $(verdict "$(ratio "$per_ct" "$per_ip")" 2)"
else
	echo "ip -j neigh: not compared (run as root: it needs a throwaway namespace)"
fi
echo "goal users --json at $big hosts < 0.3 s: ${users_s[$big]} s $(verdict "${users_s[$big]}" 0.3); client peak $(mb "${users_rss[$big]}") (at $small: $(mb "${users_rss[$small]}"))"
# the fetch: the users list over the control socket, which doctor reads once (users --json above)
for w in first last absent; do
	allowed=$(awk -v a="${doc_s[$small.$w]}" -v f="${users_s[$big]}" 'BEGIN { printf "%.4f", 1.2 * a + f }')
	r=$(ratio "${doc_s[$big.$w]}" "$allowed")
	echo "doctor --user $w: ${doc_s[$small.$w]} s at $small hosts, ${doc_s[$big.$w]} s at $big" \
		"($(ratio "${doc_s[$big.$w]}" "${doc_s[$small.$w]}")x); 1.2 x ${doc_s[$small.$w]} + the fetch ${users_s[$big]} s = $allowed s:" \
		"${r} of it, $(verdict "$r" 1) (verdicts ${doc_v[$small.$w]} / ${doc_v[$big.$w]})"
done
