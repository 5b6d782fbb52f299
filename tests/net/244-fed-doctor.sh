#!/usr/bin/env bash
# 244-fed-doctor.sh: doctor's steps 1-2 with federation: a client node on the segment is not a second list server (it leaves BR_ISGETLIST2 unanswered), a Windows list server beside camtraced is, a configured peer the server cannot reach is named, and a user's entry says from which server it came.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
. "$top_srcdir/tests/net/fed-lib.sh"
doc_setup
A=$(addr srv) B=$(addr b3) GONE=198.18.2.99
nets="allow = 198.18.1.0/24, 198.18.2.0/24"
FED=$'peer_refresh = 2s\npeer_lease = 6s'
ctd_start srv srv "user_name = srv" "nick = CAMServer" "peer = $B" "peer = $GONE" "$FED" "$nets"
ctd_start srvB b3 "user_name = srvB" "peer = $A" "$FED" "$nets"
ctd_start bob b1 "user_name = bob" "server = $B" "fetch_interval = 3s"
# a client node of srv on srv's own segment
ctd_start carl a2 "user_name = carl" "server = $A" "fetch_interval = 3s"
ok 'wait_for -t 20 ctd_has srv bob online' "srv lists bob (owned by its peer B)"
ok 'wait_for -t 20 fed_peer_is srv "$GONE" "p[\"state\"]" down' "srv's status: the peer $GONE is down (never answered, lease passed)"

doc_run one --user bob
is "$(doc_get one '["server"]["address"]')" "$A" "doctor finds srv by broadcast"
is "$(doc_get one '["server"]["segment_servers"]')" "$A" \
	"one list server on the segment: the client node carl does not answer BR_ISGETLIST2"
ok '[ "$(ctd_q carl status | jq_py "r[\"list_server\"][\"isgetlist_ignored\"]")" -ge 1 ]' \
	"carl's status counts the BR_ISGETLIST2 it left unanswered (list_server.isgetlist_ignored)"
is "$(doc_get one '["server"]["unreachable_peers"]')" "$GONE" "doctor names the peer the server cannot reach"
ok 'grep -q "federation peer $GONE cannot be reached by this server: down, last exchange never" "$LAB_TMP/one.json"' \
	"step 1's evidence says so"
is "$(doc_get one '["users"][0]["learned_from"]')" "peer $B:2425" "doctor: bob's entry at the server came from peer B"
ok 'grep -q "bob: the server.s entry came from peer $B:2425" "$LAB_TMP/one.json"' "step 2's evidence says so"
is "$(doc_get one '["verdict"]["class"]')" "healthy" "the verdict is unchanged by the federation notes (healthy)"

# a Windows list server on the same segment as camtraced: two list servers
ctd_stop carl
: >"$LAB_TMP/list"
ip netns exec "$LAB_PREFIX-a2" "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --delay-max 0.2 \
	--list-file "$LAB_TMP/list" >"$LAB_TMP/winpeer.log" 2>&1 &
wpid=$!
ok 'wait_for -t 10 grep -q ready "$LAB_TMP/winpeer.log"' "a Windows-style list server runs on a2"
doc_run two --user bob
is "$(doc_get two '["server"]["segment_servers"]' | tr , '\n' | sort | paste -sd,)" \
	"$A,$(addr a2)" "doctor sees two list servers on the segment: camtraced and the Windows one"
ok 'grep -q "SEVERAL LIST SERVERS on this segment" "$LAB_TMP/two.json"' "step 1's evidence flags it"
kill "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null

for n in bob srvB srv; do ctd_stop "$n"; done
ctd_done
