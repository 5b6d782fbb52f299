#!/usr/bin/env bash
# 240-fed-mesh.sh: three sites, three camtraced servers in a full mesh of peers: everyone seen everywhere, provenance, a server killed and back, a WAN link cut and healed, a stranger refused, kill -9 keeps what was saved, no storm.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/fed-lib.sh"
fed_lab_up
nets="allow = 198.18.1.0/24, 198.18.2.0/24, 198.18.3.0/24"
ctd_start srvA srv "user_name = srvA" "peer = $B" "peer = $C" "$FED" "$nets"
ctd_start srvB b3 "user_name = srvB" "peer = $A" "peer = $C" "$FED" "$nets"
ctd_start srvC c2 "user_name = srvC" "peer = $A" "peer = $B" "$FED" "$nets"
# one user per site, each a client node of its own site's server
ctd_start alice a1 "user_name = alice" "server = $A" "fetch_interval = 3s"
ctd_start bob b1 "user_name = bob" "server = $B" "fetch_interval = 3s"
ctd_start carol c1 "user_name = carol" "server = $C" "fetch_interval = 3s"

ok 'wait_for -t 20 ctd_has srvA bob online' "server A lists bob (owned by B)"
ok 'wait_for -t 20 ctd_has srvA carol online' "server A lists carol (owned by C)"
ok 'wait_for -t 20 ctd_has srvB carol online' "server B lists carol"
ok 'wait_for -t 20 ctd_has srvC alice online' "server C lists alice"
ok 'wait_for -t 20 ctd_has alice bob online && wait_for -t 20 ctd_has alice carol online' \
	"the client in site A sees bob and carol"
ok 'wait_for -t 20 ctd_has bob alice online && wait_for -t 20 ctd_has bob carol online' "the client in site B sees alice and carol"
ok 'wait_for -t 20 ctd_has carol alice online && wait_for -t 20 ctd_has carol bob online' "the client in site C sees alice and bob"

# provenance at A
is "$(fed_user srvA alice 'h["sources"][0]["from"]')" "own" "A: alice's source is own"
is "$(fed_user srvA bob 'h["origin"]')" "peer" "A: bob's origin is peer"
is "$(fed_user srvA bob '[(s["from"], s["server"]) for s in h["sources"]]')" "[('peer', '$B:2425')]" \
	"A: bob is listed by peer B only (C does not relay B's hosts)"
is "$(fed_user srvA carol '[(s["from"], s["server"]) for s in h["sources"]]')" "[('peer', '$C:2425')]" \
	"A: carol is listed by peer C only"
is "$(fed_user srvB alice 'len(h["sources"])')" "1" "B: one source for alice (never sent back to A either)"
is "$(fed_user alice bob '[s["from"] for s in h["sources"]]')" "['list']" "client alice: bob came from its list fetch"
is "$(fed_peer srvA "$B" 'p["state"]')" "up" "A's status: peer B up"
is "$(fed_peer srvA "$B" 'p["hosts"]')" "1" "A's status: 1 host held from B"
is "$(fed_peer srvA "$B" 'p["lag_versions"]')" "0" "A's status: not behind B"
is "$(fed_peer srvA "$B" 'p["errors"]')" "0" "A's status: no errors with B"
like "$(fed_peer srvA "$B" 'p["last_exchange"]')" "^20[0-9-]+T[0-9:.]+Z$" "A's status: last exchange with B (ISO time)"

# no storm: nothing changes, so over 8 s A sends B digests only (about one per refresh), no page
s0=$(fed_peer srvA "$B" 'p["digests_tx"], p["pages_tx"]')
sleep 8
s1=$(fed_peer srvA "$B" 'p["digests_tx"], p["pages_tx"]')
d=$("$PYTHON" -c "a=$s0; b=$s1; print(b[0]-a[0], b[1]-a[1])")
ok '[ "${d% *}" -ge 2 ] && [ "${d% *}" -le 8 ]' "steady state: ${d% *} digests to B in 8 s (refresh 2 s)"
is "${d#* }" "0" "steady state: no page sent when nothing changed"

# a reload that changes no federation setting keeps the engine (same incarnation, B still up)
inc0=$(ctd_q srvA status | jq_py 'r["federation"]["incarnation"]')
kill -HUP "$(ctd_pid srvA)"
ok 'wait_for -t 5 grep -q "configuration reloaded" "$LAB_TMP/srvA/log"' "SIGHUP reloads A"
is "$(ctd_q srvA status | jq_py 'r["federation"]["incarnation"]')" "$inc0" \
	"a reload without federation changes keeps A's incarnation"
is "$(fed_peer srvA "$B" 'p["state"]')" "up" "and B stays up"

# a stranger (b2, not a configured peer) claims to be one, from UDP 2425
ref0=$(ctd_q srvA status | jq_py 'r["federation"]["refused"]')
msg=$'1:1:evil:evilpc:8388804:CTFED1 U 9 0 1 1\n1\t+\tL\tmallory\tpc-m\tm\tg\t198.18.2.12\t2425\t0\n'
in_host b2 "$PYTHON" "$LABNET" send udp "$A" 2425 --sport 2425 --data "$msg" >/dev/null
ok 'wait_for -t 5 st_ge srvA "r[\"federation\"][\"refused\"]" $((ref0 + 1))' "A refuses a federation datagram from a stranger"
is "$(fed_user srvA mallory 'h["state"]')" "absent" "and does not list its host"

# kill -9 of A mid-run: what it saved comes back at once
ok 'wait_for -t 10 state_ge srvA 3' "A saved its hosts (alice, bob, carol)"
ctd_stop srvA KILL
ctd_start srvA srv "user_name = srvA" "peer = $B" "peer = $C" "$FED" "$nets"
is "$(fed_user srvA bob '[(s["from"], s["server"]) for s in h["sources"]]')" "[('peer', '$B:2425')]" \
	"after kill -9 and restart, bob and its source are back from the state file"
ok 'wait_for -t 15 fed_peer_is srvA "$B" "p[\"state\"]" up' "A exchanges with B again"

# server B killed: its hosts age out at A and C within the lease, and come back with it
ctd_stop srvB KILL
ok 'wait_for -t 15 ctd_has srvA bob offline' "B gone: bob goes offline at A (lease 6 s)"
ok 'wait_for -t 15 ctd_has srvC bob offline' "and at C"
is "$(fed_peer srvA "$B" 'p["state"]')" "down" "A's status: peer B down"
ok '[ "$(fed_peer srvA "$B" "p[\"expired\"]")" -ge 1 ]' "A's status: B's hosts expired once"
ok 'ctd_has srvA carol online' "carol (C) stays online at A"
ctd_start srvB b3 "user_name = srvB" "peer = $A" "peer = $C" "$FED" "$nets"
ok 'wait_for -t 20 ctd_has srvA bob online' "B back: bob online at A again"
ok 'wait_for -t 20 ctd_has srvC bob online' "and at C"

# the WAN link of site C cut at the router, then healed
in_host rtr ip link set eth2 down
ok 'wait_for -t 15 ctd_has srvA carol offline' "site C cut off: carol goes offline at A"
ok 'wait_for -t 5 fed_peer_is srvA "$C" "p[\"state\"]" down' "A's status: peer C down"
ok 'ctd_has srvA bob online' "bob (B) stays online at A"
in_host rtr ip link set eth2 up
ok 'wait_for -t 20 ctd_has srvA carol online' "link healed: carol online at A again"
ok 'wait_for -t 20 ctd_has srvB carol online' "and at B"

for n in alice bob carol srvA srvB srvC; do ctd_stop "$n"; done
ctd_done
