#!/usr/bin/env bash
# bench-sniff.sh: decode rate of `camtrace sniff -r` (text and NDJSON) on a generated capture of IP Messenger datagrams, against tcpdump, tshark and the floor (a bare libpcap read-and-count loop), in one run.
# Goals (issue 13): text >= 3x tcpdump, NDJSON >= 1.5x tcpdump, text within 3x of the floor.
# Fair by construction: every tool runs with TZ=UTC (without it tcpdump stats /etc/localtime for every
# packet), on the same file (page cache warmed), output to /dev/null, best of BENCH_RUNS rounds (default 5;
# the tools take turns within a round) by CPU time (user + system; the machine may be shared, wall time
# is printed too); the floor program
# tests/bench/pcap-floor is built by make with the build's own flags and timed in the same run.
# Run from a build configured WITHOUT --enable-sanitizers (configure CFLAGS="-O2 -g"):
#   make bench-sniff      or      tests/bench/bench-sniff.sh [PACKETS]   (default 1000000)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}" "${top_builddir:=$top_srcdir}"
N=${1:-1000000}
RUNS=${BENCH_RUNS:-5}
CT="$top_builddir/src/camtrace/camtrace"
GEN="$top_builddir/tests/gen-pcaps"
FLOOR="$top_builddir/tests/bench/pcap-floor"
export TZ=UTC
for p in "$GEN" "$FLOOR"; do
	[ -x "$p" ] || make -C "$top_builddir" "${p#"$top_builddir"/}" >/dev/null || exit 1
done
if "$CT" version | grep -qw asan; then
	echo "warning: this camtrace is built with sanitizers: reconfigure without --enable-sanitizers" >&2
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
F=$tmp/bench.pcap
"$GEN" --bench "$F" "$N" || exit 1
cat "$F" >/dev/null # warm the page cache
[ -x /usr/bin/time ] || { echo "bench-sniff: needs /usr/bin/time (GNU time)" >&2; exit 1; }
read -r pk _ < <("$FLOOR" "$F") || exit 1
ctl=$("$CT" sniff -r "$F" 2>/dev/null | grep -c '^[0-9]')
tdl=$(tcpdump -nn -r "$F" 2>/dev/null | wc -l)
echo "capture: $pk packets, $(($(stat -c %s "$F") / 1048576)) MiB; lines: camtrace $ctl, tcpdump $tdl; TZ=$TZ; best of $RUNS"
[ "$ctl" = "$pk" ] && [ "$tdl" = "$pk" ] || echo "warning: the tools did not all see $pk packets" >&2

# run CMD...: "wall cpu maxrss_kib" of one run, output to /dev/null. cpu = user + system from wait4()
# (microseconds, where GNU time prints hundredths); the peak RSS from GNU time, which runs the command
# (a fork of python would count python's pages), its own cost is a millisecond.
run() {
	python3 -c '
import os, sys, time
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(os.devnull, os.O_WRONLY)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    try:
        os.execvp(sys.argv[1], sys.argv[1:])
    finally:
        os._exit(127)
_, st, ru = os.wait4(pid, 0)
rss = open(sys.argv[5]).read().split()[-1]
print("%.4f %.4f %s" % (time.monotonic() - t0, ru.ru_utime + ru.ru_stime, rss))
' /usr/bin/time -f '%M' -o "$tmp/rss" "$@"
}
better() { # "wall cpu rss" lines: the one with the least CPU time
	printf '%s\n%s\n' "$1" "$2" | awk 'NF == 3 && (m == "" || $2 < m) { m = $2; l = $0 } END { print l }'
}
show() { # LABEL "wall cpu rss"
	echo "$2" | awk -v l="$1" -v pk="$pk" '{ printf "%-30s: %7.1f ns/packet (cpu %6.3f s, wall %6.3f s, peak RSS %6.1f MiB)\n",
		l, $2 * 1e9 / pk, $2, $1, $3 / 1024 }'
}
cpu() { echo "$1" | awk '{ print $2 }'; }
ratio() { # LABEL A B GOAL: A/B by CPU time
	echo "$(cpu "$2") $(cpu "$3")" | awk -v l="$1" -v g="$4" '{ printf "%-34s %6.2f  (%s)\n", l, ($2 > 0 ? $1 / $2 : 0), g }'
}

# the tools take turns, round after round, and each keeps its best: a load that comes and goes on
# a shared machine falls on all of them alike
fl="" ct="" ctj="" td="" ts="" ov=""
have_tshark=$(command -v tshark >/dev/null 2>&1 && echo 1)
for ((i = 0; i < RUNS; i++)); do
	ov=$(better "$ov" "$(run true)")
	fl=$(better "$fl" "$(run "$FLOOR" "$F")")
	ct=$(better "$ct" "$(run "$CT" sniff -r "$F")")
	ctj=$(better "$ctj" "$(run "$CT" --json sniff -r "$F")")
	td=$(better "$td" "$(run tcpdump -nn -r "$F")")
	[ -n "$have_tshark" ] && ts=$(better "$ts" "$(run tshark -n -r "$F")")
done
# the launcher's own CPU (python's fork, GNU time: some 20 ms) comes off every figure alike
net() { echo "$1 $ov" | awk '{ c = $2 - $5; printf "%s %.4f %s", $1, (c > 0 ? c : 0), $3 }'; }
echo "launcher overhead (run of true): $(echo "$ov" | awk '{ printf "%.1f ms cpu", $2 * 1000 }'), taken off each figure below"
fl=$(net "$fl") ct=$(net "$ct") ctj=$(net "$ctj") td=$(net "$td")
[ -n "$ts" ] && ts=$(net "$ts")
show "floor (libpcap read+count)" "$fl"
show "camtrace sniff -r" "$ct"
show "camtrace --json sniff -r" "$ctj"
show "tcpdump -nn -r" "$td"
[ -n "$ts" ] && show "tshark -n -r" "$ts"
echo
ratio "tcpdump/camtrace text:" "$td" "$ct" "goal >= 3"
ratio "tcpdump/camtrace NDJSON:" "$td" "$ctj" "goal >= 1.5"
if [ -n "${ts:-}" ]; then
	ratio "tshark/camtrace text:" "$ts" "$ct" "goal >= 20"
	ratio "tshark/camtrace NDJSON:" "$ts" "$ctj" "for the record"
fi
ratio "camtrace text/floor:" "$ct" "$fl" "goal <= 3"
ratio "camtrace NDJSON/floor:" "$ctj" "$fl" "for the record"
exit 0
