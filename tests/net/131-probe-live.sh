#!/usr/bin/env bash
# 131-probe-live.sh: the live probe engine (probes on an event loop, issue 15) from a1 to b1 (camtraced), b2 (iptux), b3 (no messenger): UDP/TCP/ICMP figures per target, then router faults (drop, port unreachable, TCP reset) and a host that is down.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
LIVE=$top_builddir/tests/net/live-run
[ -x "$LIVE" ] || skip_all "tests/net/live-run not built"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"

lab_up
lab_no_icmp_ratelimit
ctd_start b1 b1 "user_name = b1" "nick = LiveB1"
have_iptux=0
if command -v iptux >/dev/null && command -v Xvfb >/dev/null && command -v dbus-run-session >/dev/null &&
	lab iptux start b2 --nick IptuxB2 --hostname b2-pc >/dev/null 2>&1; then
	have_iptux=1
fi

# live SECS ADDR...: the engine in a1 for SECS seconds at 500 ms (a probe's wait is 3.5 s)
live() {
	local s=$1
	shift
	in_host a1 "$LIVE" --interval 500 --seconds "$s" "$@" >"$LAB_TMP/out.json" 2>"$LAB_TMP/err.txt"
	valid_json || diag "live-run output: $(cat "$LAB_TMP/out.json" "$LAB_TMP/err.txt")"
}
# h N PATH: a field of the N-th target
h() { r "[\"hosts\"][$1]$2"; }

# ---- no fault ------------------------------------------------------------------
live 5 198.18.2.11 198.18.2.12 198.18.2.13
is "$(h 0 '["udp"]["avail"]'),$(h 0 '["tcp"]["avail"]'),$(h 0 '["icmp"]["avail"]')" raw,raw,raw "raw sockets for every kind"
is "$(h 0 '["udp_state"]'),$(h 0 '["udp_entry"]')" open,false "b1 (camtraced): GETINFO answered"
ok "[ $(h 0 '["udp"]["answered"]') -ge 5 ]" "b1: UDP answered every round ($(h 0 '["udp"]["answered"]'))"
is "$(h 0 '["udp"]["loss_pct"]'),$(h 0 '["icmp"]["loss_pct"]')" 0.0,0.0 "b1: no UDP nor ICMP loss"
is "$(h 0 '["tcp_state"]'),$(h 0 '["tcp_origin"]')" open,target "b1: TCP 2425 open, SYN-ACK from the target"
is "$(h 0 '["target_ttl"]')" 63 "b1 answers with TTL 63 (one router)"
if [ $have_iptux = 1 ]; then
	is "$(h 1 '["udp_state"]'),$(h 1 '["udp_entry"]')" open,true "b2 (iptux): ignores GETINFO, answers BR_ENTRY|DIALUPOPT"
	is "$(h 1 '["program"]')" "iptux 0.8.3" "b2: the program named from its ANSENTRY"
	is "$(h 1 '["udp"]["loss_pct"]')" 0.0 "b2: the fallback in the same round: no loss counted"
	is "$(h 1 '["tcp_state"]')" open "b2: iptux listens on TCP 2425"
	wait_for -t 3 sh -c "lab iptux log b2 | grep -q 'BR_EXIT'" 2>/dev/null
	like "$(iptux_cmds_from 198.18.1.11 b2)" 'BR_ENTRY,BR_EXIT$' "b2: a BR_EXIT withdrew our BR_ENTRY when the engine ended"
else
	for i in 1 2 3 4 5; do skip_test "iptux check $i" "iptux not available"; done
fi
is "$(h 2 '["udp_state"]')" closed "b3 (no messenger): UDP closed"
is "$(h 2 '["icmp_error"]["key"]'),$(h 2 '["icmp_error"]["from"]'),$(h 2 '["icmp_error"]["from_target"]'),$(h 2 '["icmp_error"]["probe"]')" \
	port_unreachable,198.18.2.13,true,udp "b3: the port unreachable from b3 itself"
is "$(h 2 '["udp"]["answered"]'),$(h 2 '["udp"]["loss_pct"]')" 0,100.0 "b3: no UDP answer: 100% loss"
is "$(h 2 '["tcp_state"]'),$(h 2 '["tcp_origin"]'),$(h 2 '["tcp_from"]')" refused,target,198.18.2.13 "b3: TCP refused by b3's own RST"
is "$(h 2 '["icmp"]["loss_pct"]')" 0.0 "b3: echo answered"

# ---- the router drops UDP 2425: UDP loss 100%, TCP still open ---------------------
lab fault add router drop udp 2425 >/dev/null
live 5 198.18.2.11
is "$(h 0 '["udp"]["answered"]'),$(h 0 '["udp"]["loss_pct"]')" 0,100.0 "router drops UDP 2425: b1 UDP loss 100%"
ok "[ $(h 0 '["udp"]["done"]') -ge 2 ]" "... over finished probes ($(h 0 '["udp"]["done"]'))"
is "$(h 0 '["udp_state"]'),$(h 0 '["icmp_error"]')" open_filtered,null "... silence: open|filtered, no ICMP error"
is "$(h 0 '["tcp_state"]'),$(h 0 '["tcp"]["loss_pct"]')" open,0.0 "... while TCP 2425 stays open"
lab fault clear >/dev/null

# ---- the router rejects UDP 2425 with port unreachable: named, with the router ----
lab fault add router reject=port-unreachable udp 2425 >/dev/null
live 3 198.18.2.11
is "$(h 0 '["icmp_error"]["key"]'),$(h 0 '["icmp_error"]["from"]'),$(h 0 '["icmp_error"]["from_target"]')" \
	port_unreachable,198.18.1.1,false "router reject: port unreachable from the router 198.18.1.1"
is "$(h 0 '["icmp_error"]["probe"]'),$(h 0 '["icmp_error"]["type"]'),$(h 0 '["icmp_error"]["code"]')" udp,3,3 "... for the UDP probe, 3/3"
is "$(h 0 '["udp_state"]'),$(h 0 '["udp"]["loss_pct"]')" filtered,100.0 "... filtered (not from the target), 100% loss"
ok "[ $(h 0 '["udp"]["errors"]') -ge 3 ]" "... each probe refused ($(h 0 '["udp"]["errors"]'))"
is "$(h 0 '["tcp_state"]')" open "... TCP open"
lab fault clear >/dev/null

# ---- the router resets TCP 2425 in b1's name: "reset", by the path ------------------
lab fault add router reject=tcp-reset tcp 2425 >/dev/null
live 3 198.18.2.11
is "$(h 0 '["tcp_state"]'),$(h 0 '["tcp_origin"]')" reset,path "router tcp-reset: TCP reset by the path (TTL 64 vs b1's 63)"
is "$(h 0 '["tcp"]["answered"]'),$(h 0 '["tcp"]["loss_pct"]')" 0,100.0 "... no answer from b1 itself"
ok "[ $(h 0 '["tcp"]["errors"]') -ge 3 ]" "... each SYN reset ($(h 0 '["tcp"]["errors"]'))"
is "$(h 0 '["udp_state"]'),$(h 0 '["udp"]["loss_pct"]')" open,0.0 "... UDP unaffected"
lab fault clear >/dev/null
live 2 198.18.2.13
is "$(h 0 '["tcp_state"]'),$(h 0 '["tcp_origin"]')" refused,target "b3's own RST is refused, not reset"

# ---- a host that is down: the router's host unreachable ---------------------------
live 6 198.18.2.99
is "$(h 0 '["icmp"]["answered"]'),$(h 0 '["icmp"]["loss_pct"]')" 0,100.0 "down host: ICMP loss 100%"
is "$(h 0 '["icmp_error"]["key"]'),$(h 0 '["icmp_error"]["from"]'),$(h 0 '["icmp_error"]["from_target"]')" \
	host_unreachable,198.18.1.1,false "... the router's host unreachable"
is "$(h 0 '["tcp_state"]'),$(h 0 '["udp"]["answered"]')" filtered,0 "... TCP filtered, no UDP answer"

ctd_done
