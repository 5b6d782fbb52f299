#!/usr/bin/env bash
# 242-fed-ipmsg.sh: a plain IP Messenger list server (the Windows-style peer's list-server role) as a federation peer: its hosts reach camtraced's clients with a source of their own, one it stops listing goes after the staleness rule (no ghost), and nothing it listed is relayed to a camtraced peer.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/fed-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
lab_up
A=$(addr srv) W=$(addr b2) B=$(addr b3)
nets="allow = 198.18.1.0/24, 198.18.2.0/24"
# the Windows list server on b2 lists itself and two hosts of its site
printf '%s\n' "dave PC-D Dave Sales 198.18.2.50" "erin PC-E Erin Sales 198.18.2.51" >"$LAB_TMP/list"
ip netns exec "$LAB_PREFIX-b2" "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --delay-max 0.2 \
	--list-file "$LAB_TMP/list" --page 2 >"$LAB_TMP/winpeer.log" 2>&1 &
wpid=$!
ok 'wait_for -t 10 grep -q ready "$LAB_TMP/winpeer.log"' "the Windows-style list server runs on b2"
ctd_start srvA srv "user_name = srvA" "peer = ipmsg:$W" "peer = $B" "peer_refresh = 2s" "peer_lease = 6s" "$nets"
ctd_start srvB b3 "user_name = srvB" "peer = $A" "peer_refresh = 2s" "peer_lease = 6s" "$nets"
ctd_start alice a1 "user_name = alice" "server = $A" "fetch_interval = 3s"

ok 'wait_for -t 20 ctd_has srvA dave online' "server A lists dave from the IP Messenger list server"
ok 'wait_for -t 20 ctd_has srvA erin online' "and erin (its list comes in two pages)"
ok 'wait_for -t 20 ctd_has alice erin online' "A's client alice sees erin"
is "$(fed_user srvA dave '[(s["from"], s["server"]) for s in h["sources"]]')" "[('ipmsg', '$W:2425')]" \
	"A: dave's source is the ipmsg peer"
is "$(fed_user srvA dave 'h["origin"]')" "peer" "A: dave's origin is peer"
is "$(fed_user srvA hanako 'h["nick"]')" "営業 花子" "A: the list server's own entry, its Japanese nick intact (a UTF-8 page)"
is "$(fed_peer srvA "$W" 'p["type"]')" "ipmsg" "A's status: the peer's type is ipmsg"
is "$(fed_peer srvA "$W" 'p["state"]')" "up" "A's status: the ipmsg peer is up"
is "$(fed_peer srvA "$W" 'p["hosts"]')" "3" "A's status: 3 hosts held from it (itself, dave, erin)"
is "$(fed_peer srvA "$W" 'p["errors"]')" "0" "A's status: no errors with it"
is "$(fed_peer srvA "$B" 'p["type"]')" "camtraced" "A's status: B's type is camtraced"
ok 'wait_for -t 20 ctd_has srvB alice online' "B and A exchange (B lists alice, owned by A)"
sleep 3
is "$(fed_user srvB dave 'h["state"]')" "absent" "B does not get dave: A does not relay what a peer listed (one hop)"

# erin leaves the Windows server's list: two complete fetches without her, and she is gone
sed -i '/^erin /d' "$LAB_TMP/list"
ok 'wait_for -t 15 ctd_has srvA erin offline' "erin no longer listed: offline at A after the staleness rule"
is "$(fed_user srvA erin 'h["sources"]')" "[]" "A: erin has no source left"
ok 'wait_for -t 15 ctd_has alice erin offline' "and offline at the client alice (no ghost)"
ok 'ctd_has srvA dave online' "dave stays online at A"
ok 'grep -q "erin@PC-E (198.18.2.51:2425) left: no longer listed by IP Messenger list server $W" "$LAB_TMP/srvA/log"' \
	"A's log says why erin left"

# the list server goes away: its hosts expire with the lease
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null
ok 'wait_for -t 20 ctd_has srvA dave offline' "the list server gone: dave expires at A within the lease"
is "$(fed_peer srvA "$W" 'p["state"]')" "down" "A's status: the ipmsg peer is down"

for n in alice srvB srvA; do ctd_stop "$n"; done
ctd_done
