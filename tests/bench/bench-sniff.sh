#!/usr/bin/env bash
# bench-sniff.sh: decode rate of `camtrace sniff -r` on a generated capture of a million IP Messenger
# datagrams, against `tcpdump -nn -r` and `tshark -n -r` on the same file in the same run.
# Goal: at least tcpdump's speed while decoding IP Messenger fully, and 20x tshark's.
# Run from a build configured WITHOUT --enable-sanitizers (the figures are meaningless otherwise):
#   tests/bench/bench-sniff.sh [PACKETS]      (default 1000000; needs tests/gen-pcaps: make check builds it)
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}" "${top_builddir:=$top_srcdir}"
N=${1:-1000000}
CT="$top_builddir/src/camtrace/camtrace"
GEN="$top_builddir/tests/gen-pcaps"
[ -x "$GEN" ] || make -C "$top_builddir" tests/gen-pcaps >/dev/null || exit 1
if "$CT" version | grep -qw asan; then
	echo "warning: this camtrace is built with sanitizers: reconfigure without --enable-sanitizers" >&2
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
F=$tmp/bench.pcap
"$GEN" --bench "$F" "$N" || exit 1
pk=$(tcpdump -nn -r "$F" 2>/dev/null | wc -l)
echo "capture: $pk packets, $(($(stat -c %s "$F") / 1048576)) MiB"
cat "$F" >/dev/null # warm the page cache

# run CMD...: "wall cpu" seconds of one run (cpu = user + system), output to /dev/null. The machine may be
# shared: CPU time is the fairer comparison, wall time is printed too.
run() {
	local TIMEFORMAT='%R %U %S' r
	r=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
	echo "$r" | awk '{ printf "%.3f %.3f", $1, $2 + $3 }'
}
best() { # the best of 3 runs, by CPU time
	local b="" t
	for i in 1 2 3; do
		t=$(run "$@")
		b=$(printf '%s\n%s\n' "$b" "$t" | awk 'NF == 2 && (m == "" || $2 < m) { m = $2; l = $0 } END { print l }')
	done
	echo "$b"
}
show() { printf '%-28s: wall %6.2f s  cpu %6.2f s  (%s packets/s by cpu)\n' "$1" $2 $3 \
	"$(echo "$pk $3" | awk '{ printf "%.0f", $1 / $2 }')"; }
ct=$(best "$CT" sniff -r "$F")
ctj=$(best "$CT" --json sniff -r "$F")
td=$(best tcpdump -nn -r "$F")
show "camtrace sniff -r" $ct
show "camtrace --json sniff -r" $ctj
show "tcpdump -nn -r" $td
if command -v tshark >/dev/null 2>&1; then
	ts=$(run tshark -n -r "$F")
	show "tshark -n -r (one run)" $ts
fi
cpu() { echo "$1" | awk '{ print $2 }'; }
echo "ratio tcpdump/camtrace (cpu): $(echo "$(cpu "$td") $(cpu "$ct")" | awk '{ printf "%.2f", $1 / $2 }')  (goal >= 1)"
[ -n "${ts:-}" ] && echo "ratio tshark/camtrace (cpu) : $(echo "$(cpu "$ts") $(cpu "$ct")" | awk '{ printf "%.1f", $1 / $2 }')  (goal >= 20)"
exit 0
