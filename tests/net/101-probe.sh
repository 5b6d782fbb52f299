#!/usr/bin/env bash
# 101-probe.sh: camtrace probe in the lab: open, closed, filtered (drop and admin-prohibited), one PC's firewall, cold/warm.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"

lab_up
lab_no_icmp_ratelimit
peer_up pb1 b1
peer_up pb2 b2
peer_up pb3 b3

# ---- no fault: the peers answer, a host without a listener is closed ------------
ct a1 probe --no-tcp 198.18.2.11
ok valid_json "probe --json is one valid JSON document"
is "$(jget "$LAB_TMP/out.json" '["schema_version"]')" 1 "schema_version 1"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["state"]')" open "b1 UDP 2425 open (the peer answered)"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["answered"]')" getinfo "answered the GETINFO"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["program"]')" "labnet peer on b1" "program named from SENDINFO"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["local_address"]')" 198.18.1.11 "local address that reaches b1"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["interface"]')" eth0 "interface that reaches b1"
is "$ct_status" 0 "exit 0 when the port is open"

ct a1 probe --no-tcp 198.18.1.12
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["state"]')" closed "a2 (no listener) UDP 2425 closed"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["icmp"]["key"]')" port_unreachable "closed by ICMP port unreachable"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["icmp"]["from"]')" 198.18.1.12 "sent by a2 itself"
is "$ct_status" 1 "exit 1 when a check fails"

ct a1 probe --no-udp 198.18.2.12
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["method"]')" syn "TCP probe is a half-open SYN as root"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["state"]')" closed "b2 TCP 2425 closed (RST)"

# ---- the router drops UDP 2425 -------------------------------------------------
lab fault add router drop udp 2425 >/dev/null
ct a1 probe --no-tcp 198.18.2.11
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["state"]')" filtered "router drop: UDP 2425 filtered"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["control"]["icmp"]["key"]')" port_unreachable \
	"evidence: the control port on the same host answers port unreachable"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["icmp"]')" null "no ICMP about 2425 itself"
lab fault clear >/dev/null

# ---- the router rejects TCP 2425 with admin-prohibited -------------------------
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
ct a1 probe 198.18.2.11
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["state"]')" filtered "router reject: TCP 2425 filtered"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["icmp"]["code"]')" 13 "ICMP code 13 shown"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["icmp"]["key"]')" admin_prohibited "named admin_prohibited (not folded into unreachable)"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["icmp"]["from"]')" 198.18.1.1 "rejecting router named"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["state"]')" open "UDP still open through the same router"
lab fault clear >/dev/null

# ---- one site-B PC drops inbound 2425 -------------------------------------------
lab fault add b2 drop udp 2425 >/dev/null
ct a1 probe --no-tcp 198.18.2.11 198.18.2.12 198.18.2.13
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["state"]')" open "b1 open"
is "$(jget "$LAB_TMP/out.json" '["hosts"][1]["udp"]["state"]')" filtered "b2 (its own firewall drops 2425) filtered"
is "$(jget "$LAB_TMP/out.json" '["hosts"][2]["udp"]["state"]')" open "b3 open"
is "$(jget "$LAB_TMP/out.json" '["hosts_failed"]')" 1 "exactly one host fails"
lab fault clear >/dev/null

# ---- cold/warm: a stateful firewall on the probing host ------------------------
ct a1 probe --no-tcp --cold-warm 198.18.2.11
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["cold_warm"]["verdict"]')" ok "no fault: answers arrive cold and warm"
lab fault add a1 stateful udp 2425 >/dev/null
ct a1 probe --no-tcp --cold-warm 198.18.2.13
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["cold_warm"]["verdict"]')" warm_only "a1 stateful: reachable only after we sent"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["cold_warm"]["cold_answered"]')" false "cold answer dropped by a1's firewall"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["cold_warm"]["warm_answered"]')" true "warm answer let in"
lab fault clear >/dev/null

# ---- without privileges: fall back and say so --------------------------------

in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json probe 198.18.2.11 >"$LAB_TMP/out.json" 2>/dev/null
ok valid_json "unprivileged run still prints valid JSON"
is "$(jget "$LAB_TMP/out.json" '["privileged"]')" false "reports it ran unprivileged"
like "$(jget "$LAB_TMP/out.json" '["notes"][0]')" 'CAP_NET_RAW.*setcap cap_net_raw\+ep' "says what is missing and how to allow it"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["method"]')" connect "TCP falls back to connect()"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["tcp"]["state"]')" closed "connect() refused: closed"
is "$(jget "$LAB_TMP/out.json" '["hosts"][0]["udp"]["state"]')" open "UDP probe works without privileges"

done_testing
