#!/usr/bin/env bash
# 204-camtraced-iptux.sh: a real iptux in site A appears in camtraced's list with correct names, and at a site-B client.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
need_iptux
lab_up

ctd_start srv srv "user_name = srv" "nick = CAMServer" "allow = 198.18.0.0/15"
run_ok "iptux starts on a1 as 太郎 / 営業部" lab iptux start a1 --nick 太郎 --group 営業部 --hostname a1-pc
ok 'wait_for -t 10 has_host srv a1-pc' "the server lists the iptux peer"
line=$(ctd_users srv | grep ' a1-pc ')
like "$line" "^[^ ]+ a1-pc 太郎 absent local 0$" "with nick 太郎 (UTF-8), absent (iptux always sets ABSENCEOPT), local"
is "$(ctd_q srv users | jq_py '[h["group"] for h in r["hosts"] if h["host"] == "a1-pc"][0]')" "営業部" "and group 営業部"
iptux_heard_srv() { lab iptux log a1 | grep -q "198\.18\.1\.10"; }
ok 'wait_for -t 5 iptux_heard_srv' "iptux handled camtraced's packets (its log names 198.18.1.10)"

ctd_start cli b1 "server = $(addr srv)" "user_name = cli"
ok 'wait_for -t 15 has_host cli a1-pc' "the site-B client gets the iptux user from the list"
like "$(ctd_users cli | grep ' a1-pc ')" "^[^ ]+ a1-pc 太郎 absent list 0$" "with the same names, absent, learned from the list"

run_ok "iptux quits gracefully" lab iptux stop a1
ok 'wait_for -t 12 has_host srv a1-pc offline' \
	"its BR_EXIT makes it offline at the server"
ref=$(ctd_q cli refresh)
is "$(echo "$ref" | jq_py 'r["removed"]')" "1" "and gone from the client's list after a refresh"
ctd_done
