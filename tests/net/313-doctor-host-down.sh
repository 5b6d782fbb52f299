#!/usr/bin/env bash
# 313-doctor-host-down.sh: a user's PC that is off (its link down): host_down (the router's host unreachable), not host_firewall; its neighbours answer.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
ok 'ip -n "$LAB_PREFIX-b2" link set eth0 down' "b2 goes off the network (its link down)"
# off for a while: the router no longer has its MAC address (its neighbour entry expired)
ok 'ip -n "$LAB_PREFIX-rtr" neigh flush to 198.18.2.12' "the router's neighbour entry for b2 is gone"
doc_run down --user 198.18.2.12
is "$(doc_rc down)" "1" "exit 1"
is "$(doc_get down '["verdict"]["class"]')" "host_down" "verdict: host_down, not host_firewall" || doc_show down
is "$(doc_get down '["verdict"]["evidence"]["icmp"]["type"]')/$(doc_get down '["verdict"]["evidence"]["icmp"]["code"]')" "3/1" \
	"evidence: ICMP host unreachable (3/1)"
is "$(doc_get down '["verdict"]["evidence"]["hop_address"]')" "198.18.1.1" "from the router"
like "$(doc_get down '["verdict"]["device"]')" "^198\.18\.2\.12 \(the PC itself\)$" "the PC named"
like "$(doc_get down '["verdict"]["finding"]')" "is not there" "the finding says it is not there"
is "$(doc_get down '["users"][0]["peers_answering"]')" "2" "its neighbours answer"
is "$(doc_get down '["verdict"]["commands"]')" "camtrace reach 198.18.2.12" "the command to check it"
is "$(doc_get down '["steps"][2]["result"]')" "1 PC(s) are not there: host unreachable (off, asleep or disconnected)" \
	"isolate says so"
ip -n "$LAB_PREFIX-b2" link set eth0 up
ctd_done
