#!/usr/bin/env bash
# 203-camtraced-anslist.sh: ANSLIST on the wire (tcpdump) checked against the spec, paging with 1,200 hosts, UTF8OPT rule.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
need_cmd tcpdump tcpdump
CHECK="$PYTHON $top_srcdir/tests/net/anslist-check.py"
lab_up

# confirm_claims = no: the 1,200 users below are synthetic (one socket, closed after its BR_ENTRY)
ctd_start srv srv "user_name = srv" "nick = 鯖" "allow = 198.18.0.0/15" "list_rate = 1000" "confirm_claims = no"
# 1,200 users in site A: BR_ENTRY from a1 out of 1,200 source ports (distinct addr:port = distinct hosts)
run_ok "1,200 users announce themselves to the server" in_host a1 $CHECK flood "$(addr srv)" 1200 30000
ok 'wait_for -t 20 st_ge srv "r[\"hosts\"][\"online\"]" 1200' "the server has 1,200 hosts online"
size=$(ctd_q srv status | jq_py 'r["list_server"]["list_size"]')
is "$size" "1201" "its list has 1,201 entries (the hosts and itself)"

# the site-B client fetches while srv's traffic is captured
in_host srv tcpdump -i eth0 -U -n -s 0 -w "$LAB_TMP/srv.pcap" 'udp port 2425 or (ip[6:2] & 0x1fff) != 0' >"$LAB_TMP/tcpdump.log" 2>&1 &
tdpid=$!
wait_for -t 5 grep -q "listening on" "$LAB_TMP/tcpdump.log" || diag "tcpdump: $(cat "$LAB_TMP/tcpdump.log")"
ctd_start cli b1 "server = $(addr srv)" "user_name = cli"
ok 'wait_for -t 30 st_ge cli "r[\"fetch\"][\"ok\"]" 1' "the client's fetch completes"
is "$(ctd_q cli status | jq_py 'r["fetch"]["hosts"]')" "1201" "the client merged 1,201 entries"
is "$(ctd_users cli | grep -c ' online list ')" "1201" "and lists them as external users"
ok 'ctd_users cli | grep -q "^user30010 pc30010 利用者10 "' "a CP932 nick from the wire arrives as 利用者10"
sleep 1
kill "$tdpid"; wait "$tdpid" 2>/dev/null
out=$($CHECK pcap "$LAB_TMP/srv.pcap" "$(addr srv)")
st=$?
is "$st" "0" "every ANSLIST on the wire follows spec §4.4 (header %5d, \\a separators, \\b for empty fields, status, byte-swapped port, NUL)"
[ "$st" = 0 ] || diag "$out"
like "$out" "entries=1202" "the pages carry 1,202 entries in all (the client announced itself first)"
like "$out" "complete=1" "the last page has next = 0"
pages=$(echo "$out" | sed -n 's/^pages=//p')
ok '[ "$pages" -ge 5 ]' "paged: $pages pages"
max=$(echo "$out" | sed -n 's/^max_datagram=//p')
ok '[ "$max" -le 8191 ] && [ "$max" -gt 7000 ]' "pages filled up to the 8191-byte budget (largest $max)"
like "$out" "utf8_pages=$pages" "every page has UTF8OPT: the client's GETLIST asked with CAPUTF8OPT"
like "$out" "getlists=$pages" "one GETLIST per page, each asking for the previous page's next index"

# a GETLIST without CAPUTF8OPT gets a CP932 page without UTF8OPT
out=$(in_host b2 $CHECK ask "$(addr srv)")
is "$?" "0" "a direct GETLIST from b2 gets a valid page"
like "$out" "utf8opt=0" "no UTF8OPT when the GETLIST did not ask"
like "$out" "entry=srv 198\.18\.1\.10 wire_port=30985 port=2425 status=[1-9][0-9]* nick=鯖" "the server lists itself first, port 2425 written as 30985, nick in CP932"
out=$(in_host b3 $CHECK ask "$(addr srv)" --utf8)
like "$out" "utf8opt=1" "UTF8OPT when it asked with CAPUTF8OPT"
# the server verified the askers by GETINFO (SENDINFO answers), not by BR_ENTRY: a list client
# that answers a BR_ENTRY (as the askers do) would be listed by its ANSENTRY, and a tool such as
# camtrace doctor, which never says goodbye to the server, left a ghost user behind
sleep 1.5
is "$(ctd_q srv users '{"filter":"all"}' | jq_py '[h["user"] for h in r["hosts"] if h["user"] == "asker"]')" "[]" \
	"the list requests did not put the asker in the server's list"
ctd_done
