#!/usr/bin/env bash
# scan-bench.sh: camtrace scan vs nmap -sU -p 2425 in the lab (a /24 and a /20): wall time and IP Messenger hosts found.
# Run by hand as root: [BENCH_CAMTRACE=/path/to/camtrace] [RATE=N] bash tests/bench/scan-bench.sh
# (not part of make check; prints ratios from one run)
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
need_cmd nmap nmap
need_cmd iptux iptux
[ -n "${BENCH_CAMTRACE:-}" ] && CAMTRACE=$BENCH_CAMTRACE
RATE=${RATE:-2000}

lab_up
lab iptux start b1 >/dev/null
lab iptux start a2 >/dev/null
peer_up pb3 b3
peer_up psrv srv
# the IP Messenger hosts: a2 (iptux), srv (peer) in site A; b1 (iptux), b3 (peer) in site B
now() { date +%s.%N; }

bench() { # RANGE EXPECTED
	local range=$1 want=$2 t0 t1 ct nm ctn nmn nmo
	t0=$(now)
	in_host a1 "$CAMTRACE" --json scan --rate "$RATE" --grace-ms 1500 "$range" >"$LAB_TMP/scan.json" 2>/dev/null
	t1=$(now); ct=$(echo "$t1 - $t0" | bc -l)
	ctn=$(jget "$LAB_TMP/scan.json" '["found"]')
	t0=$(now)
	in_host a1 nmap -n -sU -p 2425 "$range" -oG - >"$LAB_TMP/nmap.txt" 2>/dev/null
	t1=$(now); nm=$(echo "$t1 - $t0" | bc -l)
	nmo=$(grep -c '2425/open/udp' "$LAB_TMP/nmap.txt")
	nmn=$(grep -c '2425/open|filtered/udp' "$LAB_TMP/nmap.txt")
	printf '%-18s camtrace scan (rate %s): %7.2f s, %s IP Messenger hosts of %s\n' "$range" "$RATE" "$ct" "$ctn" "$want"
	printf '%-18s nmap -sU -p 2425:        %7.2f s, %s open + %s open|filtered (cannot tell IP Messenger)\n' "$range" "$nm" "$nmo" "$nmn"
	printf '%-18s ratio nmap/camtrace: %.1fx\n' "$range" "$(echo "$nm / $ct" | bc -l)"
}
bench 198.18.2.0/24 2
bench 198.18.0.0/20 4
