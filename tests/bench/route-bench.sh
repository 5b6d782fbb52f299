#!/usr/bin/env bash
# route-bench.sh: camtrace route vs traceroute -U/-T (IPv4 and IPv6), tcptraceroute and mtr --report in the lab: time to a verdict, right hop or not.
# Run by hand as root: [BENCH_CAMTRACE=/path/to/camtrace] bash tests/bench/route-bench.sh
# (not part of make check; prints ratios from one run; BENCH_CAMTRACE: a build without sanitizers)
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
need_cmd traceroute traceroute
need_cmd tcptraceroute tcptraceroute
need_cmd mtr mtr-tiny

[ -n "${BENCH_CAMTRACE:-}" ] && CAMTRACE=$BENCH_CAMTRACE  # e.g. a build without sanitizers
lab_up
lab_no_icmp_ratelimit
T=198.18.2.12
ROUTER=198.18.1.1

now() { date +%s.%N; }
# run NAME CHECK-ERE CMD...: time CMD in a1, then whether its output matches CHECK-ERE
declare -A secs right
run() {
	local name=$1 re=$2 t0 t1 out
	shift 2
	t0=$(now)
	out=$(in_host a1 "$@" 2>&1)
	t1=$(now)
	secs[$name]=$(echo "$t1 - $t0" | bc -l)
	if printf '%s\n' "$out" | grep -Eq "$re"; then right[$name]=yes; else right[$name]=no; fi
	printf '%s\n' "$out" | sed "s/^/#   $name: /" | head -40
}
report() { # SCENARIO BASE NAMES...
	local sc=$1 base=$2 n
	shift 2
	printf '\n%-34s %9s %8s %s\n' "$sc" seconds ratio "right hop"
	for n in "$base" "$@"; do
		printf '%-34s %9.2f %8.1f %s\n' "$n" "${secs[$n]}" "$(echo "${secs[$n]} / ${secs[$base]}" | bc -l)" "${right[$n]}"
	done
}

# ---- scenario 1: the router drops UDP 2425 (right answer: silent after hop 1, 198.18.1.1; camtrace
# also gives a late-answering program 4.2 s with a BR_ENTRY at full TTL, and checks the host is up)
lab fault add router drop udp 2425 >/dev/null
run "camtrace route" 'verdict: silent after hop 1 \(198\.18\.1\.1\)' "$CAMTRACE" route "$T"
run "traceroute -U -p 2425" "^ 1  $ROUTER" traceroute -n -U -p 2425 "$T"
run "mtr --report -u -P 2425" "1\.\|-- $ROUTER" mtr -n --report -c 3 -u -P 2425 "$T"
report "router drops UDP 2425" "camtrace route" "traceroute -U -p 2425" "mtr --report -u -P 2425"
lab fault clear >/dev/null

# ---- scenario 2: the router rejects TCP 2425 with admin-prohibited (right answer: 198.18.1.1, 3/13)
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
run "camtrace route --tcp" 'rejected by 198\.18\.1\.1 at hop 1 .*3/13' "$CAMTRACE" route --tcp "$T"
run "traceroute -T -p 2425" "$ROUTER .*!X" traceroute -n -T -p 2425 "$T"
run "tcptraceroute" "$ROUTER .*!X|!A" tcptraceroute -n "$T" 2425
run "mtr --report -T -P 2425" "admin|!X|prohibited" mtr -n --report -c 3 -T -P 2425 "$T"
report "router rejects TCP 2425 (3/13)" "camtrace route --tcp" "traceroute -T -p 2425" "tcptraceroute" "mtr --report -T -P 2425"
lab fault clear >/dev/null

# ---- scenario 3: no fault (right answer: reached at hop 2)
run "camtrace route (open path)" 'reached 198\.18\.2\.12 at hop 2' "$CAMTRACE" route "$T"
run "traceroute -U -p 2425 (open path)" "^ 2  $T" traceroute -n -U -p 2425 "$T"
report "no fault, UDP 2425" "camtrace route (open path)" "traceroute -U -p 2425 (open path)"

# ---- IPv6 (the lab's 2001:2::/48; the inet fault table filters IPv6 too)
T6=$(addr b2 6)
ROUTER6=$(addr rtr 6)
# scenario 4: the router drops UDP 2425 over IPv6 (right answer: silent after hop 1, 2001:2:0:1::1)
lab fault add router drop udp 2425 >/dev/null
run "camtrace route (v6)" "verdict: silent after hop 1 \\($ROUTER6\\)" "$CAMTRACE" route "$T6"
run "traceroute -6 -U -p 2425" "^ 1  $ROUTER6 " traceroute -6 -n -U -p 2425 "$T6"
report "IPv6: router drops UDP 2425" "camtrace route (v6)" "traceroute -6 -U -p 2425"
lab fault clear >/dev/null
# scenario 5: the router rejects TCP 2425 with ICMPv6 admin-prohibited (1/1 from 2001:2:0:1::1)
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
run "camtrace route --tcp (v6)" "rejected by $ROUTER6 at hop 1 .*1/1" "$CAMTRACE" route --tcp "$T6"
run "traceroute -6 -T -p 2425" "^ 2  $ROUTER6 .*!X" traceroute -6 -n -T -p 2425 "$T6"
report "IPv6: router rejects TCP 2425 (1/1)" "camtrace route --tcp (v6)" "traceroute -6 -T -p 2425"
lab fault clear >/dev/null
# scenario 6: no fault over IPv6 (right answer: reached at hop 2)
run "camtrace route (v6 open path)" "reached $T6 at hop 2" "$CAMTRACE" route "$T6"
run "traceroute -6 -U -p 2425 (open path)" "^ 2  $T6 " traceroute -6 -n -U -p 2425 "$T6"
report "IPv6: no fault, UDP 2425" "camtrace route (v6 open path)" "traceroute -6 -U -p 2425 (open path)"
done_testing >/dev/null
