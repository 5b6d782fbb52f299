#!/usr/bin/env bash
# 304-doctor-not-notified.sh: the server does not notify site B: doctor names the missing config line and stops; no server at all: exit 68.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites no-notify
doc_run nn --user 198.18.2.12
is "$(doc_rc nn)" "1" "exit 1: a problem was found"
is "$(doc_get nn '["verdict"]["class"]')" "not_discovered" "verdict: the server does not see the user" || doc_show nn
is "$(doc_get nn '["verdict"]["config_line"]')" "notify = 198.18.2.*" "the missing config line"
like "$(doc_get nn '=d["steps"][1]["evidence"]')" "server = 198\.18\.1\.10" "the client-setting alternative names the server"
like "$(doc_get nn '=d["steps"][1]["evidence"]')" "camtrace search 198\.18\.2\.\*" "and the search alternative"
is "$(doc_get nn '=[s["status"] for s in d["steps"]]')" "ok,problem,skipped,skipped,skipped,skipped,problem" \
	"the flow stops after step 2, as the seed does"
# the fix works: with the line added the server sees the user and doctor finds nothing wrong
ctd_stop srv
ctd_start srv srv "user_name = srv" "nick = CAMServer" "notify = 198.18.2.*" "notify_rate = 1000" \
	"allow = 198.18.1.0/24, 198.18.2.0/24"
ok 'wait_for -t 15 ctd_has srv userb2 online' "after a restart with the line the server lists userb2"
doc_run nn2 --user 198.18.2.12
is "$(doc_get nn2 '["verdict"]["class"]')" "healthy" "doctor now says healthy" || doc_show nn2
# no server anywhere: b3's segment has none and no configuration is readable
in_host b3 "$CAMTRACE" doctor --config "$LAB_TMP/none.conf" >"$LAB_TMP/ns.out" 2>&1
is "$?" "68" "no server found: exit 68 (could not check)"
ok 'grep -q "no list server found" "$LAB_TMP/ns.out"' "and says so"
ctd_done
