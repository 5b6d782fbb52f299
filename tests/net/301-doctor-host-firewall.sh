#!/usr/bin/env bash
# 301-doctor-host-firewall.sh: a host firewall on one site-B PC (b2 drops UDP 2425): doctor says "only this PC", names it and the fix.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
lab fault add b2 drop udp 2425 >/dev/null
doc_run fw --user 198.18.2.12
is "$(doc_rc fw)" "1" "exit 1: a problem was found"
is "$(doc_get fw '["verdict"]["class"]')" "host_firewall" "verdict: host firewall on the PC" || doc_show fw
is "$(doc_get fw '=[h for h in d["verdict"]["evidence"]["hosts"]]')" "198.18.2.12" "evidence: the failing host is b2"
is "$(doc_get fw '["verdict"]["evidence"]["protocol"]')/$(doc_get fw '["verdict"]["evidence"]["ports"]')" "udp/2425" \
	"evidence: UDP 2425"
like "$(doc_get fw '["verdict"]["device"]')" "^198\.18\.2\.12 \(the PC itself\)" "the device to fix is the PC"
is "$(doc_get fw '["users"][0]["peers_answering"]')" "2" "isolate: the other two site-B users answer"
is "$(doc_get fw '["users"][0]["probe"]["udp_2425"]')" "filtered" "b2's UDP 2425 is filtered (control port answered)"
is "$(doc_get fw '["users"][0]["flaps"]')" "0" "instability records came through the server's control socket"
is "$(doc_get fw '=[s["status"] for s in d["steps"]]')" "ok,ok,problem,problem,skipped,ok,problem" \
	"steps: server found, list ok, isolate and pairwise fail, no --av, routes traced, verdict"
like "$(doc_get fw '["verdict"]["fix"]')" "allow UDP 2425 and TCP 2425 inbound" "the fix names ports and direction"
# the same with all three site-B users given: the other two are b2's neighbours (host_firewall, not network_udp)
doc_run fw3 --user 198.18.2.11 --user 198.18.2.12 --user 198.18.2.13
is "$(doc_get fw3 '["verdict"]["class"]')" "host_firewall" "3 users given, only b2 silent: host_firewall" || doc_show fw3
is "$(doc_get fw3 '["verdict"]["evidence"]["hosts"]')" "198.18.2.12" "only b2 named"
is "$(doc_get fw3 '["users"][1]["peers_answering"]')" "2" "b1 and b3 (given with --user) count as its answering neighbours"
ctd_done
