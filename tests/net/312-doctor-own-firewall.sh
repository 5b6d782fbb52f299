#!/usr/bin/env bash
# 312-doctor-own-firewall.sh: a PC behind its own firewall that the server never listed, on a network the server notifies and whose other users it lists: host_firewall (isolate runs), not not_discovered.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

DOC_USERS="b1 b3" doc_sites
lab fault add b2 drop udp 2425 >/dev/null
ctd_start ub2 b2 "user_name = userb2" "nick = User-b2"
sleep 2
ok '! ctd_has srv userb2 online' "the server does not list b2 (its firewall drops the server's packets)"
doc_run fw --user 198.18.2.12
is "$(doc_rc fw)" "1" "exit 1"
is "$(doc_get fw '["verdict"]["class"]')" "host_firewall" "verdict: host_firewall, not not_discovered" || doc_show fw
is "$(doc_get fw '["verdict"]["config_line"]')" "null" "no notify line to add (the server has it)"
is "$(doc_get fw '["users"][0]["listed"]')/$(doc_get fw '["users"][0]["network_reached"]')" "false/true" \
	"not listed, its network reached"
is "$(doc_get fw '["users"][0]["peers_answering"]')" "2" "isolate ran: b1 and b3 answer"
is "$(doc_get fw '=[s["status"] for s in d["steps"]][:4]')" "ok,problem,problem,problem" "steps 2-4 ran, none skipped"
like "$(doc_get fw '=d["steps"][1]["evidence"]')" "notify targets cover 198\.18\.2\.12" "step 2 says the notify line is there"
like "$(doc_get fw '["verdict"]["device"]')" "^198\.18\.2\.12 \(the PC itself\)" "the PC named"
ctd_stop ub2
lab fault clear >/dev/null

# neighbour: the server without the notify line (its control socket says so): not_discovered stays
ctd_stop srv
ctd_start srv srv "user_name = srv" "nick = CAMServer" "allow = 198.18.1.0/24, 198.18.2.0/24"
doc_run nn --user 198.18.2.12
is "$(doc_get nn '["verdict"]["class"]')/$(doc_get nn '["verdict"]["config_line"]')" "not_discovered/notify = 198.18.2.*" \
	"no notify line: not_discovered with the line" || doc_show nn
like "$(doc_get nn '=d["steps"][1]["evidence"]')" "no .notify. line covering 198\.18\.2\.12" "step 2 says the line is missing"
ctd_done
