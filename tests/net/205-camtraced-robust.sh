#!/usr/bin/env bash
# 205-camtraced-robust.sh: hostile packets leave camtraced unaffected; list rate limit; kill -9 at any moment loses nothing saved.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
CHECK="$PYTHON $top_srcdir/tests/net/anslist-check.py"
lab_up

ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "list_rate = 20"
ctd_start alice a2 "user_name = alice" "nick = Alice"
ok 'wait_for -t 10 ctd_has srv alice online' "the server sees alice"

# hostile input: fixed nasty packets, then 3,000 mutations of valid ones
run_ok "3,000+ malformed and hostile datagrams sent from a1" in_host a1 "$PYTHON" "$top_srcdir/tests/net/hostile.py" "$(addr srv)" 3000
sleep 2
ok 'pid_alive "$(ctd_pid srv)"' "the server is still running"
bad=$(ctd_q srv status | jq_py 'r["packets"]["malformed"]')
ok '[ "$bad" -gt 100 ]' "it counted the malformed packets ($bad)"
out=$(in_host b2 "$PYTHON" "$LABNET" send udp "$(addr srv)" 2425 --sport 2425 --wait 3 --data '1:5:probe:b2:64:')
like "$out" "^reply from 198\.18\.1\.10 2425 data 1:[0-9]+:srv:[^:]+:65:camtraced " "it still answers GETINFO with SENDINFO"
ok 'ctd_has srv alice online' "alice is still listed online"
out=$(in_host b2 $CHECK ask "$(addr srv)")
is "$?" "0" "its ANSLIST is still valid (separators inside hostile names were neutralised)"
is "$(ctd_q srv users | jq_py 'sum(1 for h in r["hosts"] if "\x07" in h["user"] + h["nick"] or "\x08" in h["host"])')" "0" \
	"no separator byte made it into a name shown by users"

# rate limit: a burst of GETLISTs from one source is cut off; other sources still get answers
before=$(ctd_q srv status | jq_py 'r["list_server"]["rate_limited"]')
in_host a1 "$PYTHON" - "$(addr srv)" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 2426))
for i in range(300):
    s.sendto(b"1:%d:flood:a1:18:\x00" % (5000 + i), (sys.argv[1], 2425))
PY
sleep 1
after=$(ctd_q srv status | jq_py 'r["list_server"]["rate_limited"]')
ok '[ $((after - before)) -ge 200 ]' "300 GETLISTs in a burst: $((after - before)) refused by the per-source limit (20/s)"
out=$(in_host b2 $CHECK ask "$(addr srv)")
is "$?" "0" "another source still gets its page"

# kill -9 at any moment: nothing saved is lost, the state file is never corrupt
# (the hosts are synthetic, one socket each that never answers: confirm_claims = no)
ctd_stop srv
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "list_rate = 20" "confirm_claims = no"
for round in 1 2 3; do
	in_host a1 $CHECK flood "$(addr srv)" 300 $((31000 + round * 1000)) >/dev/null
	ok 'wait_for -t 15 st_ge srv "r[\"hosts\"][\"total\"]" $((round * 300))' "round $round: 300 more hosts known"
	n=$(ctd_q srv status | jq_py 'r["hosts"]["total"]')
	ok 'wait_for -t 10 state_ge srv "$n"' "round $round: the state file holds the $n hosts"
	# more writes going on while it dies
	in_host a1 $CHECK flood "$(addr srv)" 400 $((41000 + round * 1000)) >/dev/null &
	flood=$!
	sleep 0.$((RANDOM % 9 + 1))
	kill -9 "$(ctd_pid srv)"
	wait "$flood"
	ctd_stop srv 2>/dev/null
	ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "list_rate = 20" "confirm_claims = no"
	m=$(ctd_q srv status | jq_py 'r["hosts"]["total"]')
	ok '[ "$m" -ge "$n" ]' "round $round: after kill -9 and restart, $m hosts known (>= $n saved)"
	ok '! ls "$LAB_TMP/srv/" | grep -q "state.json.bad"' "round $round: the state file was never corrupt"
done
ctd_done
