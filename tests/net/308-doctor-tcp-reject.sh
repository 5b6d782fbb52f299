#!/usr/bin/env bash
# 308-doctor-tcp-reject.sh: step 4 judges a TCP 2425 answer against the target: a router's port unreachable and a RST the router forges are tcp_blocked (hop 1); the target's own are "reached", and a problem at the PC itself when its messenger answers on UDP.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites

# (a) the router rejects TCP 2425 with ICMP port unreachable (what a closed port would say)
lab fault add router reject=port-unreachable tcp 2425 >/dev/null
doc_run pu --user 198.18.2.12
is "$(doc_rc pu)" "1" "router port unreachable: exit 1"
is "$(doc_get pu '["verdict"]["class"]')" "tcp_blocked" "verdict: tcp_blocked (not healthy)" || doc_show pu
is "$(doc_get pu '["verdict"]["evidence"]["hop_address"]')/$(doc_get pu '["verdict"]["evidence"]["hop"]')" \
	"198.18.1.1/1" "the router 198.18.1.1 at hop 1 named"
is "$(doc_get pu '["verdict"]["evidence"]["icmp"]["code"]')" "3" "ICMP code 3 (port unreachable)"
is "$(doc_get pu '["users"][0]["probe"]["tcp_answer"]')/$(doc_get pu '["users"][0]["probe"]["tcp_answer_from"]')" \
	"rejected/198.18.1.1" "the user's TCP probe: rejected by the router, not the target"
is "$(doc_get pu '["users"][0]["probe"]["tcp_2425"]')" "filtered" "tcp_2425 filtered"
is "$(doc_get pu '["steps"][3]["status"]')" "problem" "step 4 does not say every path carries TCP 2425"
like "$(doc_get pu '["verdict"]["device"]')" "^198\.18\.1\.1 \(hop 1\)$" "the device: the router, hop 1"
is "$(doc_get pu '["verdict"]["commands"]')" "camtrace route --tcp 198.18.2.12" "the command to trace it"
lab fault clear >/dev/null

# (b) the router answers the SYN with a RST in the target's name (nft reject with tcp reset): TTL 64, not 63
lab fault add router reject=tcp-reset tcp 2425 >/dev/null
doc_run rst --user 198.18.2.12
is "$(doc_rc rst)" "1" "router TCP reset: exit 1"
is "$(doc_get rst '["verdict"]["class"]')" "tcp_blocked" "verdict: tcp_blocked" || doc_show rst
is "$(doc_get rst '["users"][0]["probe"]["tcp_answer"]')/$(doc_get rst '["users"][0]["probe"]["tcp_hop"]')" \
	"forged_rst/1" "the RST came from hop 1, nearer than the target (hop 2)"
like "$(doc_get rst '["verdict"]["finding"]')" "reset by a device on the path" "the finding says who reset it"
is "$(doc_get rst '["verdict"]["evidence"]["hop"]')" "1" "evidence: hop 1"
lab fault clear >/dev/null

# (c) neighbour: the target itself rejects TCP 2425 with port unreachable while its messenger answers on
# UDP: it was reached, and the PC itself refuses file transfers (every IP Messenger client accepts them)
lab fault add b2 reject=port-unreachable tcp 2425 >/dev/null
doc_run self --user 198.18.2.12
is "$(doc_get self '["users"][0]["probe"]["tcp_answer"]')/$(doc_get self '["users"][0]["probe"]["tcp_answer_from"]')" \
	"closed/198.18.2.12" "the target's own port unreachable: closed (reached)" || doc_show self
is "$(doc_get self '["verdict"]["class"]')/$(doc_get self '["verdict"]["device"]')" "tcp_blocked/198.18.2.12 (the PC itself)" \
	"verdict: tcp_blocked at the PC itself, not at a router (the path carries TCP 2425)"
is "$(doc_get self '["verdict"]["evidence"]["icmp"]["code"]')" "3" "evidence: its own port unreachable (3/3)"
lab fault clear >/dev/null

# (d) neighbour: the target itself resets (its own firewall): TTL 63 like its UDP answer, so it is the PC
lab fault add b2 reject=tcp-reset tcp 2425 >/dev/null
doc_run hrst --user 198.18.2.12
is "$(doc_get hrst '["users"][0]["probe"]["tcp_answer"]')/$(doc_get hrst '["users"][0]["probe"]["tcp_hop"]')" "closed/null" \
	"the target's own RST: closed (reached)" || doc_show hrst
is "$(doc_get hrst '["verdict"]["class"]')/$(doc_get hrst '["verdict"]["device"]')/$(doc_rc hrst)" \
	"tcp_blocked/198.18.2.12 (the PC itself)/1" "tcp_blocked at the PC itself, exit 1"
lab fault clear >/dev/null

# (e) no fault: camtraced accepts TCP 2425
doc_run none --user 198.18.2.12
is "$(doc_get none '["users"][0]["probe"]["tcp_answer"]')/$(doc_get none '["verdict"]["class"]')" "open/healthy" \
	"no fault: SYN-ACK, healthy" || doc_show none
ctd_done
