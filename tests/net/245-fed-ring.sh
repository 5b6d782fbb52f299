#!/usr/bin/env bash
# 245-fed-ring.sh: three servers configured in a one-way ring (A names B, B names C, C names A): nothing shared, no loop, no storm (packets counted at the router); then a host that moves site without saying goodbye (kill -9): the old site does not keep it as its own.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/fed-lib.sh"
fed_lab_up
ctd_start srvA srv "user_name = srvA" "peer = $B" "$FED"
ctd_start srvB b3 "user_name = srvB" "peer = $C" "$FED"
ctd_start srvC c2 "user_name = srvC" "peer = $A" "$FED"
ctd_start alice a1 "user_name = alice"
ctd_start dave b2 "user_name = dave"
ctd_start carol c1 "user_name = carol"
ok 'wait_for -t 20 ctd_has srvA alice online && wait_for -t 20 ctd_has srvB dave online && wait_for -t 20 ctd_has srvC carol online' \
	"each server sees its own site's user"
ok 'wait_for -t 10 st_ge srvB "r[\"federation\"][\"refused\"]" 2' "B refuses A's digests (A is not B's peer)"

n=$(fed_router_count 10)
# three one-way links, one digest each every 2 s and nothing answered: about 15 in 10 s
ok '[ -n "$n" ] && [ "$n" -ge 6 ] && [ "$n" -le 24 ]' "one-way ring: $n UDP 2425 packets crossed the router in 10 s (digests only, no loop)"
is "$(fed_user srvA dave 'h["state"]')" "absent" "A lists no host of B (B never answers A)"
is "$(fed_user srvB carol 'h["state"]')" "absent" "B lists no host of C"
is "$(fed_user srvC alice 'h["state"]')" "absent" "C lists no host of A"
is "$(fed_peer srvA "$B" 'p["state"]')" "down" "A's status: B never answered (down after the lease)"
is "$(fed_peer srvA "$B" 'p["pages_tx"]')" "0" "A sent B no page"
for x in srvA srvB srvC; do ctd_stop "$x"; done

# A and B peers again; dave (B's own) moves to site A without a goodbye
ctd_start srvA srv "user_name = srvA" "peer = $B" "$FED"
ctd_start srvB b3 "user_name = srvB" "peer = $A" "$FED"
ok 'wait_for -t 20 fed_is srvA dave "h[\"state\"]" online' "A lists dave (owned by B)"
ctd_stop dave KILL
ctd_start dave a2 "user_name = dave"
dave_at_a() { [ "$(fed_user srvA dave '[s["from"] for s in h["sources"]], h["addr"]')" = "(['own'], '$(addr a2)')" ]; }
ok 'wait_for -t 20 dave_at_a' "dave at site A: A owns it at its new address"
dave_at_b() { [ "$(fed_user srvB dave '[(s["from"], s["server"]) for s in h["sources"]], h["addr"], h["state"]')" = \
	"([('peer', '$A:2425')], '$(addr a2)', 'online')" ]; }
ok 'wait_for -t 20 dave_at_b' "B does not keep dave as its own: listed by peer A only, at the new address"
is "$(ctd_q srvB users '{"filter":"all"}' | jq_py 'len([h for h in r["hosts"] if h["user"] == "dave"])')" "1" \
	"B has one record of dave"
is "$(fed_peer srvA "$B" 'p["hosts"]')" "0" "A holds no host from B (B no longer shares dave)"

for x in alice dave carol srvA srvB; do ctd_stop "$x"; done
ctd_done
