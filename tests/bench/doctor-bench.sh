#!/usr/bin/env bash
# doctor-bench.sh: camtrace doctor with 1 unstable user and with 3 in the lab (healthy, and the router dropping UDP 2425): the times and their ratio, from one run (goal: 3 users <= 1.3x the time of 1: users and hosts are checked in parallel).
# Run by hand as root: [BENCH_CAMTRACE=/path/to/camtrace] bash tests/bench/doctor-bench.sh   (or: make bench-doctor)
# (not part of make check; BENCH_CAMTRACE: a build without sanitizers gives the real times)
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/net/doctor-lib.sh"
[ -n "${BENCH_CAMTRACE:-}" ] && CAMTRACE=$BENCH_CAMTRACE
doc_setup
doc_coop_sites

now() { date +%s.%N; }
declare -A secs verdict
run() { # NAME ARGS...: time one doctor run from a1 (with the server's control socket)
	local name=$1 t0 t1
	shift
	t0=$(now)
	in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" doctor "$@" >"$LAB_TMP/bench.json" 2>/dev/null
	t1=$(now)
	secs[$name]=$(echo "$t1 - $t0" | bc -l)
	verdict[$name]=$(jget "$LAB_TMP/bench.json" '["verdict"]["class"]')
}
report() { # SCENARIO ONE THREE
	local r
	r=$(echo "${secs[$3]} / ${secs[$2]}" | bc -l)
	printf '\n%-44s %9s %8s %s\n' "$1" seconds ratio verdict
	printf '%-44s %9.2f %8.2f %s\n' "$2" "${secs[$2]}" 1 "${verdict[$2]}"
	printf '%-44s %9.2f %8.2f %s\n' "$3" "${secs[$3]}" "$r" "${verdict[$3]}"
	ok "[ \"\$(echo \"$r <= 1.3\" | bc -l)\" = 1 ]" "$1: 3 users take $(printf '%.2f' "$r")x the time of 1 (goal <= 1.3x)"
}

U1="--user 198.18.2.11"
U3="--user 198.18.2.11 --user 198.18.2.12 --user 198.18.2.13"
run "healthy, 1 user" $U1
run "healthy, 3 users" $U3
report "no fault" "healthy, 1 user" "healthy, 3 users"

lab fault add router drop udp 2425 >/dev/null
run "router drops UDP 2425, 1 user" $U1
run "router drops UDP 2425, 3 users" $U3
report "the router drops UDP 2425" "router drops UDP 2425, 1 user" "router drops UDP 2425, 3 users"
lab fault clear >/dev/null

lab fault add b2 drop udp 2425 >/dev/null
run "b2's firewall, 1 user (b2)" --user 198.18.2.12
run "b2's firewall, 3 users" $U3
report "a firewall on b2" "b2's firewall, 1 user (b2)" "b2's firewall, 3 users"
lab fault clear >/dev/null
ctd_done
