#!/usr/bin/env bash
# 217-camtraced-anslist-forged.sh: a list client merges only the configured server's pages (address AND port 2425, the page asked for); forged pages are counted, not merged.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
FORGE="$PYTHON $top_srcdir/tests/net/anslist-forge.py"
lab_up

flags=$LAB_TMP/flags
mkdir -p "$flags"
in_host srv $FORGE serve "$flags" >"$LAB_TMP/forge.log" 2>&1 &
fpid=$!
sleep 0.3
ctd_start cli b1 "server = $(addr srv)" "user_name = cli"
ok 'wait_for -t 10 test -e "$flags/asked"' "the client asked the (scripted) server for page 0"
run_ok "a2 sends a page listing eve from port 2425" in_host a2 $FORGE send "$(addr b1)"
touch "$flags/go"
wait "$fpid"
like "$(cat "$LAB_TMP/forge.log")" "served" "the server sent the real page, and it again after the fetch"
ok 'wait_for -t 10 st_ge cli "r[\"fetch\"][\"refused_unasked\"]" 1' "the client counted the page after its fetch"
st=$(ctd_q cli status)
fget() { echo "$st" | jq_py "r[\"fetch\"][\"$1\"]"; }
is "$(fget ok)" "1" "the fetch completed"
is "$(fget last_result)" "ok" "its result is ok"
is "$(fget hosts)" "1" "one entry merged (alice)"
is "$(fget refused_source)" "2" "2 pages refused by source (a2:2425, srv:40000)"
is "$(fget refused_page)" "1" "1 page refused as not the page asked for (start 10)"
is "$(fget refused_unasked)" "1" "1 page refused as unasked (after the fetch)"
is "$(fget refused_pages)" "4" "refused_pages is the sum"
ok 'ctd_has cli alice online' "alice (the server's page) is listed"
ok '! ctd_has cli eve online' "eve (forged pages) is not"
ok '! ctd_has cli mal online' "mal (the page not asked for) is not"
is "$(grep -c 'ANSLIST page from .* refused' "$LAB_TMP/cli/log")" "1" "4 refusals cost one log line"
ctd_stop cli
ctd_done
