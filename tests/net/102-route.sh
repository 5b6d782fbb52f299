#!/usr/bin/env bash
# 102-route.sh: camtrace route in the lab: reached, silent after the router (drop), rejected with admin-prohibited, unprivileged.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd route || skip_all "camtrace route not built"

lab_up
lab_no_icmp_ratelimit
r() { jget "$LAB_TMP/out.json" "$1"; }

# ---- no fault --------------------------------------------------------------
peer_up p2 b2
ct a1 route 198.18.2.12
ok valid_json "route --json is one valid JSON document"
is "$(r '["verdict"]["result"]')" reached "UDP 2425: reached"
is "$(r '["verdict"]["outcome"]')" app_answered "the peer answered"
is "$(r '["verdict"]["probe_packet"]')" "BR_ENTRY|DIALUPOPT" "with BR_ENTRY|DIALUPOPT"
is "$(r '["verdict"]["withdrawn"]')" true "withdrawn with BR_EXIT"
is "$(r '["verdict"]["hop"]')" 2 "reached at hop 2"
is "$(r '["hops"][0]["addresses"][0]')" 198.18.1.1 "hop 1 is the router"
is "$(r '["hops"][0]["answered"]')" 3 "three answers at hop 1"
is "$(r '["hops"][1]["is_target"]')" true "hop 2 is the target"
is "$(r '["flow_stable"]')" true "flow-stable as root"
is "$(r '["source_port"]')" 2425 "sent from port 2425"
is "$(r '["port"]')" 2425 "to port 2425"
# (a slow answer lets a few TTL 3-4 probes leave before the first comes back)
ok '[ "$(r '"'"'["probes_sent"]'"'"')" -le 12 ]' "probes stop near the target's TTL (at most 12 sent, not 90)"
is "$ct_status" 0 "exit 0 when reached"

listen_stop p2 >/dev/null

# ---- the router drops UDP 2425 ----------------------------------------------
lab fault add router drop udp 2425 >/dev/null
ct a1 route 198.18.2.12
is "$(r '["verdict"]["result"]')" dies "router drop: the probes die"
is "$(r '["verdict"]["outcome"]')" silent_after_hop "silent after the router (the host may as well drop it: not told apart from here)"
is "$(r '["verdict"]["target_up"]')" true "the host is up (ICMP echo)"
is "$(r '["verdict"]["last_hop"]')" 1 "silent after hop 1"
is "$(r '["verdict"]["device"]')" 198.18.1.1 "the router hop is named"
is "$(r '["verdict"]["hop"]')" 1 "result: dies after hop 1"
is "$(r '["verdict"]["address"]')" 198.18.1.1 "the router hop is the verdict's address"
is "$(r '["verdict"]["target_hop"]')" 2 "the target is up at hop 2"
is "$(r '["hops"][1]["answered"]')" 0 "nothing answers at hop 2"
is "$ct_status" 1 "exit 1 when not reached"
ct a1 route --tcp 198.18.2.12
is "$(r '["verdict"]["result"]')" reached "TCP SYN still gets through the same router"
is "$(r '["verdict"]["outcome"]')" host_refused "the target itself answered RST"
is "$(r '["hops"][1]["replies"][0]["kind"]')" tcp "the target answered in TCP (RST)"
lab fault clear >/dev/null

# ---- the router rejects TCP 2425 with admin-prohibited ---------------------
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
ct a1 route --tcp 198.18.2.12
is "$(r '["method"]')" tcp "method tcp"
is "$(r '["verdict"]["result"]')" rejected "TCP SYN rejected"
is "$(r '["verdict"]["outcome"]')" path_rejected "by a device on the path"
is "$(r '["verdict"]["address"]')" 198.18.1.1 "by the router"
is "$(r '["verdict"]["device_hop"]')" 1 "the router that answered at hop 1"
is "$(r '["verdict"]["icmp"]["code"]')" 13 "with code 13"
is "$(r '["verdict"]["icmp"]["key"]')" admin_prohibited "named admin_prohibited"
is "$(r '["verdict"]["hop"]')" 1 "at hop 1 (the router that answers TTL exceeded at hop 1)"
is "$(r '["hops"][0]["replies"][0]["icmp"]["key"]')" ttl_exceeded "hop 1: TTL exceeded"
ct b1 route --tcp 198.18.1.10
is "$(r '["verdict"]["address"]')" 198.18.2.1 "from site B the router's site-B address rejects"
lab fault clear >/dev/null

# ---- the RTP method, and a host firewall that rejects --------------------
lab fault add b3 reject=host-prohibited udp 22226 >/dev/null
ct a1 route --rtp 22226 198.18.2.13
is "$(r '["method"]')" rtp "method rtp"
is "$(r '["verdict"]["result"]')" rejected "RTP 22226 rejected by b3's own firewall"
is "$(r '["verdict"]["outcome"]')" host_rejected "the host's own firewall"
is "$(r '["verdict"]["address"]')" 198.18.2.13 "b3 itself named"
is "$(r '["verdict"]["icmp"]["key"]')" host_prohibited "code host_prohibited (3/10)"
lab fault clear >/dev/null

# ---- without privileges --------------------------------------------------
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json route 198.18.2.12 >"$LAB_TMP/out.json" 2>/dev/null
ok valid_json "unprivileged route prints valid JSON"
is "$(r '["privileged"]')" false "says it ran unprivileged"
is "$(r '["flow_stable"]')" false "not flow-stable without raw sockets"
is "$(r '["verdict"]["result"]')" reached "still reaches the target (IP_RECVERR)"
is "$(r '["verdict"]["outcome"]')" host_refused "no messenger on b2: the host refused the port"
is "$(r '["hops"][0]["addresses"][0]')" 198.18.1.1 "and sees the router at hop 1"
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json route --tcp 198.18.2.12 >"$LAB_TMP/out.json" 2>/dev/null
st=$?
is "$st" 77 "TCP trace without privileges: exit 77"
like "$(r '["errors"][0]["message"]')" 'setcap cap_net_raw\+ep' "says how to allow it"

done_testing
