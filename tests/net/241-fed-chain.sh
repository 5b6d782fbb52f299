#!/usr/bin/env bash
# 241-fed-chain.sh: three servers in a chain (A-B-C, the A-C peer line missing): no relay, no loop, no storm (router packet counter); a host moving from site B to site A changes owner without a duplicate.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/fed-lib.sh"
fed_lab_up
ctd_start srvA srv "user_name = srvA" "peer = $B" "$FED"
ctd_start srvB b3 "user_name = srvB" "peer = $A" "peer = $C" "$FED"
ctd_start srvC c2 "user_name = srvC" "peer = $B" "$FED"
ctd_start alice a1 "user_name = alice"
ctd_start dave b2 "user_name = dave"
ctd_start carol c1 "user_name = carol"

ok 'wait_for -t 20 ctd_has srvB alice online && wait_for -t 20 ctd_has srvB carol online' "B (peer of both) lists alice and carol"
ok 'wait_for -t 20 ctd_has srvA dave online' "A lists dave (B's)"
ok 'wait_for -t 20 ctd_has srvC dave online' "C lists dave (B's)"
is "$(fed_user srvA carol 'h["state"]')" "absent" "A does not list carol: B never relays C's hosts"
is "$(fed_user srvC alice 'h["state"]')" "absent" "C does not list alice"

# no loop, no storm: UDP 2425 packets forwarded by the router in 10 s of steady state
n=$(fed_router_count 10)
# two peer links, a digest each way every 2 s: about 20 in 10 s
ok '[ -n "$n" ] && [ "$n" -ge 8 ] && [ "$n" -le 40 ]' "steady state: $n UDP 2425 packets crossed the router in 10 s (digests only, no storm)"
is "$(fed_peer srvA "$B" 'p["gaps"]')" "0" "A lost no page from B"

# dave moves from site B (b2) to site A (a2): the owner changes from B to A, one record each
ctd_stop dave
ok 'wait_for -t 20 ctd_has srvB dave offline' "dave left site B: offline at B"
ok 'wait_for -t 10 ctd_has srvA dave offline' "and at A (B's tombstone)"
ctd_start dave a2 "user_name = dave"
ok 'wait_for -t 20 ctd_has srvA dave online' "dave back in site A: online at A"
ok 'wait_for -t 20 fed_is srvB dave "h[\"state\"]" online' "and at B"
is "$(fed_user srvA dave '[s["from"] for s in h["sources"]], h["addr"]')" "(['own'], '$(addr a2)')" \
	"A owns dave now, at its new address, no peer source"
# B yields dave at its next exchange with A (it heard dave's exit and A's new record first)
dave_at_b() { [ "$(fed_user srvB dave '[(s["from"], s["server"]) for s in h["sources"]], h["addr"]')" = \
	"([('peer', '$A:2425')], '$(addr a2)')" ]; }
wait_for -t 15 dave_at_b
is "$(fed_user srvB dave '[(s["from"], s["server"]) for s in h["sources"]], h["addr"]')" \
	"([('peer', '$A:2425')], '$(addr a2)')" "B has dave from A only (yielded: no longer B's own)"
is "$(ctd_q srvB users '{"filter":"all"}' | jq_py 'len([h for h in r["hosts"] if h["user"] == "dave"])')" "1" \
	"B has one record of dave (no duplicate)"
is "$(ctd_q srvB status | jq_py 'r["federation"]["yielded"]')" "1" "B's status: one host yielded to a peer"

for x in alice dave carol srvA srvB srvC; do ctd_stop "$x"; done
ctd_done
