#!/usr/bin/env bash
# 107-route-ratelimit.sh: camtrace route with the ICMP rate limits left on: traces in a row keep the target at its real hop (never at hop 1) and a refusing host refused.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd route || skip_all "camtrace route not built"
need_cmd iptux iptux

lab_up
# no lab_no_icmp_ratelimit: the kernel's default limit (1 s per destination, burst 6) stays on
run_ok "iptux start b3" lab iptux start b3
# iptux_up: iptux holds UDP 2425 on b3; iptux_tail: its log without the hex dumps
iptux_up() { ip netns exec "$LAB_PREFIX-b3" ss -uanp | grep -q iptux; }
iptux_tail() { lab iptux log b3 2>/dev/null | grep -a -v "^ *[0-9a-f]\{4,8\}[: ]" | tail -30; }
wait_for -t 10 iptux_up || diag "iptux did not bind on b3"

# hop_ok: hop 1 is the router or silent (*), never the target
hop1() { r '=",".join(d["hops"][0]["addresses"])'; }
# drain: TTL-1 pings use up the router's ICMP budget toward a1 (burst 6, then 1 a second), so
# that hop 1 stays silent in the trace that follows and only the target answers
drain() { in_host a1 ping -n -q -c 8 -i 0.002 -t 1 -W 0.2 198.18.2.13 >/dev/null 2>&1; }
limited=0
for i in 1 2 3 4 5; do
	[ "$i" -ge 3 ] && drain
	ct a1 route 198.18.2.13
	if iptux_up; then
		is "$(r '["verdict"]["outcome"]')" app_answered "run $i: iptux answered" ||
			diag "the trace: $(cat "$LAB_TMP/out.json")" "iptux: $(iptux_tail)"
	else
		# iptux 0.8.3 itself went away (a crash of its own; CI's distcheck saw runs 3-5 end so):
		# then its port is closed, and the verdict must say the host refused it
		diag "iptux is gone from b3 after run $i; its log:" "$(iptux_tail)"
		is "$(r '["verdict"]["outcome"]')" host_refused "run $i: iptux gone: the host refused the port"
		lab iptux stop b3 >/dev/null 2>&1
		run_ok "iptux started again on b3" lab iptux start b3
		wait_for -t 10 iptux_up || diag "iptux did not bind on b3"
	fi
	is "$(r '["verdict"]["hop"]')" 2 "run $i: the target at hop 2"
	is "$(r '["hops"][1]["is_target"]')" true "run $i: hop 2 is the target"
	is "$(r '["hops"][0]["is_target"]')" false "run $i: hop 1 is not the target"
	like "$(hop1)" '^(198\.18\.1\.1)?$' "run $i: hop 1 is the router or silent"
	if [ "$(r '["hops"][0]["answered"]')" != 3 ]; then
		limited=1
		is "$(r '=1 in d["verdict"]["incomplete_hops"]')" true "run $i: hop 1 listed as not answering every probe"
		like "$(r '["verdict"]["text"]')" 'hop 1 did not answer every probe \(ICMP rate limit\?\)' "run $i: the text says so"
	fi
done
ok '[ "$limited" = 1 ]' "the rate limit did silence hop 1 in some run (the case under test happened)"

# the same with --tcp (SYN-ACK / RST matched by sequence number) and a host that refuses (ICMP from the target)
for i in 1 2 3; do
	drain
	ct a1 route --tcp 198.18.2.13
	is "$(r '["verdict"]["hop"]')" 2 "--tcp run $i: the target at hop 2"
	is "$(r '["hops"][0]["is_target"]')" false "--tcp run $i: hop 1 is not the target"
done
lab iptux stop b3 >/dev/null

# a host that refuses the port (nothing on b2's UDP 2425): its own ICMP port unreachable is
# rate-limited too; five runs in a row still say "the host refused" at hop 2
# drain2: datagrams to a closed port use up b2's ICMP budget toward a1 before the trace
drain2() { in_host a1 bash -c 'for i in 1 2 3 4 5 6 7 8 9 10; do echo x >/dev/udp/198.18.2.12/33434; done' 2>/dev/null; }
for i in 1 2 3 4 5; do
	[ "$i" -ge 2 ] && drain2
	ct a1 route 198.18.2.12
	is "$(r '["verdict"]["outcome"]')" host_refused "b2 run $i: the host refused the port"
	is "$(r '["verdict"]["hop"]')" 2 "b2 run $i: at hop 2"
done
done_testing
