#!/usr/bin/env bash
# 306-doctor-healthy.sh: a healthy network: exit 0, every check passes, the bundle hint; --step shows each command; text output.
LAB_SMOKE=1 # a smoke scenario: make distcheck runs it too (configure --disable-lab-tests)
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
doc_run ok --user 198.18.2.11 --user userb3
is "$(doc_rc ok)" "0" "exit 0: healthy"
is "$(doc_get ok '["verdict"]["class"]')" "healthy" "verdict: healthy" || doc_show ok
like "$(doc_get ok '["verdict"]["hint"]')" "camtrace bundle" "the hint to run camtrace bundle"
is "$(doc_get ok '=[u["probe"]["tcp_2425"] for u in d["users"]]')" "open,open" "TCP 2425 open on both users"
is "$(doc_get ok '["server"]["found_by"]')" "broadcast" "the server was found by broadcast"
is "$(doc_get ok '["server"]["address"]')" "198.18.1.10" "at 198.18.1.10"
is "$(doc_get ok '=[s["status"] for s in d["steps"]]')" "ok,ok,ok,ok,skipped,skipped,ok" "steps"
in_host a1 "$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock" doctor --step --server 198.18.1.10 --user 198.18.2.13 </dev/null >"$LAB_TMP/step.out" 2>&1
is "$?" "0" "text mode, --step without a TTY: exit 0"
is "$(grep -c '^  about to run: ' "$LAB_TMP/step.out")" "6" "--step shows the command of the 6 steps that have one (not the verdict)"
ok 'grep -q "about to run: camtrace probe 198.18.1.10 198.18.2.13" "$LAB_TMP/step.out"' "with the exact camtrace command"
ok 'grep -q "^Verdict: healthy" "$LAB_TMP/step.out"' "the text verdict"
# without the server's control socket: its list by GETLIST, and doctor is still not in it
st=0
in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/none.sock" doctor --user 198.18.2.11 >"$LAB_TMP/noctl.json" 2>"$LAB_TMP/noctl.err" || st=$?
is "$st/$(doc_get noctl '["verdict"]["class"]')" "0/healthy" "no control socket: healthy" || doc_show noctl
is "$(doc_get noctl '["server"]["list_fetched"]')/$(doc_get noctl '["server"]["control_socket"]')" "true/false" \
	"the list came by GETLIST"
is "$(doc_get noctl '["users"][0]["listed"]')" "true" "the user found in it"
is "$(ctd_q srv users | jq_py '",".join(h["addr"] for h in r["hosts"] if h["addr"] == "198.18.1.11")')" "" \
	"the server has no record of this host (no BR_ENTRY was sent)"
ok '! ctd_users srv | grep -q camtrace-doctor' "no camtrace-doctor entry"
ctd_done
