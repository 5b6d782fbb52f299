#!/usr/bin/env bash
# waits-bench.sh: how long probe (1 and 4 hosts), reach and doctor (1 and 3 users) take in the lab when every path answers, against the lab's RTT floor measured in the same run (issue 13: a check ends when its answers are in).
# Run by hand as root: [BENCH_CAMTRACE=/path/to/camtrace] [BENCH_BEFORE=/path/to/older/camtrace] [BENCH_RUNS=5]
#   bash tests/bench/waits-bench.sh   (or: make bench-waits; BENCH_BEFORE times an older build in the same run)
# (not part of make check; use an optimised build: configure CFLAGS="-O2 -g"). Each figure is the median of
# BENCH_RUNS runs; the floor is the median ICMP echo round trip a1 -> b1 (ping, same run) and the start-up
# floor is `camtrace --version`. Goals: probe of one host < 50 ms, doctor 3 users <= 1.3x 1 user.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/net/doctor-lib.sh"
[ -n "${BENCH_CAMTRACE:-}" ] && CAMTRACE=$BENCH_CAMTRACE
RUNS=${BENCH_RUNS:-5}
doc_setup
doc_coop_sites

# in_us HOST OUT CMD...: runs CMD in HOST with stdout to OUT and prints its wall time in us, taken
# inside the namespace (ip netns exec's own start-up is not the command's)
in_us() {
	local h=$1 out=$2
	shift 2
	in_host "$h" bash -c 't0=${EPOCHREALTIME/./}; "$@" >"$0" 2>/dev/null; t1=${EPOCHREALTIME/./}; echo $((t1 - t0))' "$out" "$@"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
declare -A ms what
# timed KEY BIN CHECK ARGS...: the median wall time (ms) of RUNS runs of BIN ARGS in a1 into
# ms[KEY]; CHECK is a jget expression printed with the figure (the last run's), so a fast wrong
# answer shows
timed() {
	local key=$1 bin=$2 check=$3 i
	shift 3
	for ((i = 0; i < RUNS; i++)); do
		# a doctor run asks each user's camtraced for one cooperative check, and camtraced answers
		# one address 1 a second (coop_rate, burst 3) and drops the rest: runs 1.1 s apart, so
		# no run waits out a dropped request (0.7 s more than the check's wait, then a retry)
		case " $* " in *" doctor "*) sleep 1.1 ;; esac
		in_us a1 "$LAB_TMP/bench.json" "$bin" --json "$@"
	done | median >"$LAB_TMP/median"
	ms[$key]=$(echo "$(cat "$LAB_TMP/median") / 1000" | bc -l)
	what[$key]=$(jget "$LAB_TMP/bench.json" "$check" 2>/dev/null || echo "(no JSON)")
}
# bench NAME CHECK ARGS...: times this build (and BENCH_BEFORE's, same run, when given)
NAMES=()
bench() {
	local name=$1
	NAMES+=("$name")
	shift
	timed "$name" "$CAMTRACE" "$@"
	[ -z "${BENCH_BEFORE:-}" ] || timed "before $name" "$BENCH_BEFORE" "$@"
}
# startup KEY BIN: camtrace --version, the start-up floor
startup() {
	local i
	for ((i = 0; i < RUNS; i++)); do
		in_us a1 /dev/null "$2" --version
	done | median >"$LAB_TMP/median"
	ms[$1]=$(echo "$(cat "$LAB_TMP/median") / 1000" | bc -l)
}

# the floors, same run: echo RTT a1 -> b1 (through the router) and the start-up of camtrace
rtt=$(in_host a1 ping -n -q -c 20 -i 0.01 198.18.2.11 | awk -F/ '/^rtt|^round-trip/ { print $5 }')
startup start "$CAMTRACE"
[ -z "${BENCH_BEFORE:-}" ] || startup "before start" "$BENCH_BEFORE"

H4="198.18.2.11 198.18.2.12 198.18.2.13 198.18.1.10"
CTL="--ctl $LAB_TMP/srv/ctl.sock"
bench "probe, 1 host" '["hosts"][0]["udp"]["state"]' probe 198.18.2.11
bench "probe, 4 hosts" '=[h["udp"]["state"] for h in d["hosts"]]' probe $H4
bench "reach, 1 host" '["hosts"][0]["ipmsg"]["program"]' reach 198.18.2.11
bench "reach, 4 hosts" '=[h["ipmsg"]["program"] for h in d["hosts"]]' reach $H4
bench "doctor, 1 user" '["verdict"]["class"]' $CTL doctor --user 198.18.2.11
bench "doctor, 3 users" '["verdict"]["class"]' $CTL doctor --user 198.18.2.11 --user 198.18.2.12 --user 198.18.2.13
# silence on a host that answers UDP: timed from its round trip (the same verdicts)
lab fault add router drop tcp 2425 >/dev/null
bench "probe, TCP drop" '["hosts"][0]["tcp"]["state"]' probe 198.18.2.11
bench "doctor, TCP drop" '["verdict"]["class"]' $CTL doctor --user 198.18.2.11
lab fault clear >/dev/null

printf '\nlab RTT floor (ping a1 -> b1, median of 20): %.3f ms; camtrace --version: %.1f ms; median of %s runs\n' \
	"$rtt" "${ms[start]}" "$RUNS"
printf '(beyond start-up: the time less camtrace --version; x RTT: that over the RTT floor)\n'
printf '%-16s %9s %12s %9s' command ms "beyond start" "x RTT"
[ -z "${BENCH_BEFORE:-}" ] || printf ' %10s %12s %8s' "before ms" "beyond start" speedup
printf '  %s\n' answer
for n in "${NAMES[@]}"; do
	net=$(echo "${ms[$n]} - ${ms[start]}" | bc -l)
	printf '%-16s %9.1f %12.1f %9.0f' "$n" "${ms[$n]}" "$net" "$(echo "$net / $rtt" | bc -l)"
	[ -z "${BENCH_BEFORE:-}" ] || printf ' %10.1f %12.1f %7.1fx' "${ms["before $n"]}" \
		"$(echo "${ms["before $n"]} - ${ms["before start"]}" | bc -l)" "$(echo "${ms["before $n"]} / ${ms[$n]}" | bc -l)"
	printf '  %s\n' "${what[$n]}"
	[ -z "${BENCH_BEFORE:-}" ] || [ "${what[$n]}" = "${what["before $n"]}" ] ||
		diag "$n: the answer differs from the before build's: ${what["before $n"]}"
done
r31=$(echo "${ms["doctor, 3 users"]} / ${ms["doctor, 1 user"]}" | bc -l)
printf 'doctor 3 users / 1 user: %.2f (goal <= 1.3)\n\n' "$r31"
ok "[ \"\$(echo \"${ms["probe, 1 host"]} < 50\" | bc -l)\" = 1 ]" "probe of one answering host under 50 ms"
ok "[ \"\$(echo \"${ms["doctor, 1 user"]} < 1000\" | bc -l)\" = 1 ]" "doctor with 1 user under 1 s"
ok "[ \"\$(echo \"$r31 <= 1.3\" | bc -l)\" = 1 ]" "doctor: 3 users take $(printf '%.2f' "$r31")x the time of 1 (goal <= 1.3x)"
ctd_done
