#!/usr/bin/env bash
# 201-camtraced-list.sh: camtraced list server in site A, client node in site B: start-up fetch, refresh, leaving users, interval.
LAB_SMOKE=1 # a smoke scenario: make distcheck runs it too (configure --disable-lab-tests)
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
lab_up

# site A: the server and two users (plain camtraced nodes announcing themselves by broadcast)
ctd_start srv srv "nick = CAMServer" "user_name = srv" "rtp_echo = yes"
ctd_start alice a1 "nick = Alice" "user_name = alice" "group = Sales"
ctd_start bob a2 "nick = Bob" "user_name = bob"
ok 'wait_for -t 10 ctd_has srv alice online' "the server sees alice (site A broadcast)"
ok 'wait_for -t 10 ctd_has srv bob online' "the server sees bob"
like "$(ctd_users srv | grep '^alice ')" "^alice a1-?[a-z0-9-]* Alice online local 0$|^alice [^ ]+ Alice online local 0$" \
	"alice's record: nick, state online, origin local"

# the RTP echo for camtrace rtp runs inside the daemon when configured
like "$(in_host srv ss -uanp)" "0\.0\.0\.0:22224 .*camtraced" "rtp_echo = yes: camtraced listens on UDP 22224"
in_host a1 "$PYTHON" "$LABNET" send udp "$(addr srv)" 22227 --data 'not an RTP probe' >/dev/null
ok 'wait_for -t 3 st_ge srv "r[\"rtp_echo\"][\"ignored\"]" 1' "a datagram that is not a camtrace probe is counted and not answered"

# site B: a client node pointed at the server's address, fetching every 4 s
ctd_start cli b1 "server = $(addr srv)" "fetch_interval = 4s" "user_name = carol" "nick = Carol"
# the server answers only its own networks and configured sites: site B is neither yet
fetch_names_allow() { ctd_q cli status | jq_py 'r["fetch"]["last_result"]' | grep -q "in the server.s \`allow\`"; }
ok 'wait_for -t 12 fetch_names_allow' \
	"site B is refused by default; the client's status names \`allow\` as the likely cause"
ok '[ "$(ctd_q srv status | jq_py "r[\"list_server\"][\"refused\"]")" -ge 2 ]' "the server counted the refusals"
echo "allow = 198.18.1.0/24, 198.18.2.0/24" >>"$LAB_TMP/srv/conf"
kill -HUP "$(ctd_pid srv)"
ok 'wait_for -t 5 grep -q "configuration reloaded" "$LAB_TMP/srv/log"' "SIGHUP reloads the server's configuration"
ok 'wait_for -t 15 ctd_has cli alice online' "the site-B client has alice from the server (next fetch)"
ok 'wait_for -t 10 ctd_has cli bob online' "and bob"
like "$(ctd_users cli | grep '^alice ')" " list 0$" "alice is marked as learned from the list (external)"
ok 'ctd_has cli srv online' "the server lists itself"
ok '! ctd_users cli | grep -q "^carol "' "the client does not list itself"
st=$(ctd_q cli status)
is "$(echo "$st" | jq_py 'r["roles"]["client"]')" "True" "status: client role"
is "$(echo "$st" | jq_py 'r["fetch"]["last_result"]')" "ok" "status: the last fetch is ok"

# a user that leaves disappears: bob exits (BR_EXIT twice), the client refreshes; the 4 s
# periodic fetch may come between the server's change and the refresh (the server applies an
# exit once bob stays silent, ~7 s): exactly one fetch reports him gone either way
gone0=$(grep -c ', 1 gone,' "$LAB_TMP/cli/log")
ctd_stop bob
ok 'wait_for -t 12 ctd_has srv bob offline' "the server marks bob offline after his BR_EXIT"
ref=$(ctd_q cli refresh)
gone1=$(grep -c ', 1 gone,' "$LAB_TMP/cli/log")
is "$((gone1 - gone0))" "1" "exactly one fetch since bob left found one user gone"
removed=$(echo "$ref" | jq_py 'r["removed"]')
ok '[ "$removed" = 1 ] || [ "$removed" = 0 ]' "refresh through the control socket: $removed gone (0 when the periodic fetch came first)"
ok 'ctd_has cli bob offline' "bob is offline at the client after the refresh"
ok 'ctd_has cli alice online' "alice is still online"

# the fetch interval is honoured: a new user appears at the client without a refresh
n0=$(ctd_q cli status | jq_py 'r["fetch"]["ok"]')
ctd_start dave a2 "nick = Dave" "user_name = dave"
ok 'wait_for -t 10 ctd_has srv dave online' "the server sees dave"
ok 'wait_for -t 15 ctd_has cli dave online' "the client gets dave from a periodic fetch (4 s interval)"
n1=$(ctd_q cli status | jq_py 'r["fetch"]["ok"]')
ok '[ "$n1" -gt "$n0" ]' "more fetches were made ($n0 -> $n1) without any refresh request"

# SIGUSR1 refreshes too
n2=$(ctd_q cli status | jq_py 'r["fetch"]["fetches"]')
kill -USR1 "$(ctd_pid cli)"
ok 'wait_for -t 5 st_ge cli "r[\"fetch\"][\"fetches\"]" $((n2 + 1))' "SIGUSR1 starts a fetch"

# clean exit: status 0, BR_EXIT, pid file removed
ctd_stop cli
is "$?" "0" "SIGTERM: the client exits with status 0"
ok 'wait_for -t 12 ctd_has srv carol offline' "the server saw the client's BR_EXIT"
ok '[ ! -e "$LAB_TMP/cli/pid" ]' "the pid file is removed"
ok 'grep -q "camtraced-state" "$LAB_TMP/cli/state.json"' "state saved at exit"
ctd_done
