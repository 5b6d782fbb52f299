#!/usr/bin/env bash
# scan-bench.sh: camtrace scan vs nmap -sU -p 2425 in the lab (a /24 and a /20): wall time and IP Messenger hosts found.
# Run by hand as root: [BENCH_CAMTRACE=/path/to/camtrace] [RATE=N] [SIZES=24,20] bash tests/bench/scan-bench.sh
# (not part of make check; prints ratios from one run)
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
need_cmd nmap nmap
need_cmd iptux iptux
[ -n "${BENCH_CAMTRACE:-}" ] && CAMTRACE=$BENCH_CAMTRACE
RATE=${RATE:-2000}

lab_up
lab iptux start b1 >/dev/null
lab iptux start a2 >/dev/null
# camtraced nodes answer GETINFO at once and BR_ENTRY after a random delay of up to 1 s (spec §10),
# as IP Messenger for Windows does (up to 4 s there)
ctd_start nb3 b3 "nick = b3" >/dev/null || exit 1
ctd_start nsrv srv "nick = srv" >/dev/null || exit 1
# (lib.sh's exit trap stops them and takes the lab down)
# the IP Messenger hosts: a2 (iptux), srv (camtraced) in site A; b1 (iptux), b3 (camtraced) in site B
now() { date +%s.%N; }

bench() { # RANGE EXPECTED
	local range=$1 want=$2 t0 t1 ct nm ctn nmn nmo last nick
	t0=$(now)
	in_host a1 "$CAMTRACE" --json scan --rate "$RATE" "$range" >"$LAB_TMP/scan.json" 2>/dev/null
	t1=$(now); ct=$(echo "$t1 - $t0" | bc -l)
	ctn=$(jget "$LAB_TMP/scan.json" '["found"]')
	last=$(jget "$LAB_TMP/scan.json" '=max([h["found_ms"] for h in d["hosts"]] or [0]) / 1000')
	nick=$(jget "$LAB_TMP/scan.json" '=sum(1 for h in d["hosts"] if h["nick"])')
	t0=$(now)
	in_host a1 nmap -n -sU -p 2425 "$range" -oG - >"$LAB_TMP/nmap.txt" 2>/dev/null
	t1=$(now); nm=$(echo "$t1 - $t0" | bc -l)
	nmo=$(grep -c '2425/open/udp' "$LAB_TMP/nmap.txt")
	nmn=$(grep -c '2425/open|filtered/udp' "$LAB_TMP/nmap.txt")
	printf '%-18s camtrace scan (rate %s): %7.2f s, %s IP Messenger hosts of %s (%s with nick), all found after %.2f s\n' \
		"$range" "$RATE" "$ct" "$ctn" "$want" "$nick" "$last"
	printf '%-18s nmap -sU -p 2425:        %7.2f s, %s open + %s open|filtered (cannot tell IP Messenger)\n' "$range" "$nm" "$nmo" "$nmn"
	printf '%-18s ratio nmap/camtrace: %.1fx to the end of the scan, %.1fx to the last host found\n' "$range" \
		"$(echo "$nm / $ct" | bc -l)" "$(echo "$nm / ($last + 0.001)" | bc -l)"
}
case ${SIZES:-24,20} in *24*) bench 198.18.2.0/24 2 ;; esac
case ${SIZES:-24,20} in *20*) bench 198.18.0.0/20 4 ;; esac
