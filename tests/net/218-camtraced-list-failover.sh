#!/usr/bin/env bash
# 218-camtraced-list-failover.sh: a list client with two list servers fetches from the first that answers, moves on when it is down, comes back to it, and says which one it used.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
lab_up

A=$(addr srv) B=$(addr b1)
ctd_start srva srv "user_name = srva" "allow = 198.18.0.0/15"
ctd_start srvb b1 "user_name = srvb" "allow = 198.18.0.0/15"
ctd_start cli a2 "user_name = cli" "server = $A, $B" "fetch_interval = 1h"
fetch() { ctd_q cli status | jq_py "r['fetch']['$1']"; }

ok 'wait_for -t 20 st_ge cli "r[\"fetch\"][\"ok\"]" 1' "the first fetch completes"
is "$(fetch server_used)" "$A" "both servers up: the fetch used the first one"
is "$(fetch server_index)" "0" "... server_index 0"
is "$(fetch failovers)" "0" "... no failover"
is "$(ctd_q cli status | jq_py '",".join(r["fetch"]["servers"])')" "$A,$B" "status lists both servers in order"
ok 'ctd_has cli srva online' "the client lists srva (from srva's list)"

# the first server stops: the next fetch moves on to the second (after BR_ISGETLIST2 and its retry)
ctd_stop srva
res=$(ctd_q cli refresh)
is "$(echo "$res" | jq_py 'r["server_used"]')" "$B" "srva down: refresh answered from the second server"
is "$(fetch server_index)" "1" "status: server_index 1"
is "$(fetch failovers)" "1" "status: one failover"
is "$(fetch last_result)" "ok" "the fetch counts as ok"
ok 'ctd_has cli srvb online' "the client lists srvb, from srvb's list"
ok 'wait_for -t 5 ctd_has srvb cli online' "srvb lists the client (its BR_ENTRY went to the server it used)"
ok 'grep -q "list server $A: the server did not answer BR_ISGETLIST2 .*; trying $B" "$LAB_TMP/cli/log"' \
	"the log says which server did not answer and which is tried next"
txt=$(in_host a2 "$CAMTRACE" --ctl "$LAB_TMP/cli/ctl.sock" status)
like "$txt" "list fetch: +from $B, " "camtrace status: from the second server"
like "$txt" "servers +$A, $B \(used\); 1 failover\(s\)" "camtrace status: both servers, the one used marked"

# the first server is back: every fetch starts with it
ctd_start srva srv "user_name = srva" "allow = 198.18.0.0/15"
res=$(ctd_q cli refresh)
is "$(echo "$res" | jq_py 'r["server_used"]')" "$A" "srva back: the next fetch uses it again"
is "$(fetch server_index)" "0" "status: server_index 0"
is "$(fetch failovers)" "1" "failovers still 1"

# both down: the fetch fails and its error names each server
ctd_stop srva
ctd_stop srvb
err=$(ctd_q cli refresh)
is "$?" "1" "both down: refresh fails"
why="the server did not answer BR_ISGETLIST2 (check that UDP 2425 passes and that this address is in the server's \`allow\`)"
is "$(fetch last_result)" "$A: $why; $B: $why" "last_result names both servers and why"
is "$(echo "$err" | jq_py 'r["code"]')" "failed" "the refresh error code"
is "$(fetch failovers)" "2" "failovers 2"

# the configuration: each name once, at most 8
printf 'server = %s, %s\n' "$A" "$A" >"$LAB_TMP/dup.conf"
out=$("$CAMTRACED" -n -c "$LAB_TMP/dup.conf" 2>&1)
like "$out" "dup.conf:1: '$A' is named twice" "-n refuses a server named twice"
printf 'server = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9\n' >"$LAB_TMP/nine.conf"
out=$("$CAMTRACED" -n -c "$LAB_TMP/nine.conf" 2>&1)
like "$out" "at most 8 list servers" "-n refuses nine servers"
printf 'server = 10.0.0.1,10.0.0.2 bad_name!\n' >"$LAB_TMP/bad.conf"
out=$("$CAMTRACED" -n -c "$LAB_TMP/bad.conf" 2>&1)
like "$out" "'bad_name!' is neither an IPv4 address nor a DNS name" "-n names the bad one of several"
done_testing
