#!/usr/bin/env bash
# 302-doctor-router-udp.sh: the router drops UDP 2425 between the sites: doctor says "the whole network", names the hop and the fix.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
lab fault add router drop udp 2425 >/dev/null
doc_run net --user 198.18.2.12
is "$(doc_rc net)" "1" "exit 1: a problem was found"
is "$(doc_get net '["verdict"]["class"]')" "network_udp" "verdict: the network path drops UDP 2425" || doc_show net
is "$(doc_get net '["users"][0]["peers_answering"]')" "0" "isolate: no other site-B user answers either"
is "$(doc_get net '["verdict"]["evidence"]["hop_address"]')" "198.18.1.1" "evidence: the route dies after the router (198.18.1.1)"
is "$(doc_get net '["verdict"]["evidence"]["hop"]')" "1" "at hop 1"
is "$(doc_get net '["verdict"]["evidence"]["icmp"]')" "null" "dropped silently: no ICMP"
like "$(doc_get net '["verdict"]["fix"]')" "^On 198\.18\.1\.1 \(hop 1\): allow UDP 2425 in both directions" "the fix names the device, port and direction"
like "$(doc_get net '=d["steps"][5]["evidence"]')" "dies after hop 1 \(198\.18\.1\.1\)" "the route step shows the trace"
# from site B the server itself is cut off: its list cannot be fetched, the route names the router
in_host b1 "$CAMTRACE" --json --ctl "$LAB_TMP/none.sock" doctor --server 198.18.1.10 --user 198.18.2.12 \
	>"$LAB_TMP/su.json" 2>"$LAB_TMP/su.err"
is "$?" "1" "from b1: exit 1"
is "$(doc_get su '["verdict"]["class"]')" "server_unreachable" "verdict: the server does not answer from site B" || doc_show su
is "$(doc_get su '["server"]["found_by"]')" "--server" "the server was given with --server"
is "$(doc_get su '["verdict"]["evidence"]["hop_address"]')" "198.18.2.1" "the route from b1 dies after its router (198.18.2.1)"
ctd_done
