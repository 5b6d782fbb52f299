#!/usr/bin/env bash
# 106-ipv6.sh: route, probe, reach and rtp over IPv6 in the lab: reached, router drop, admin-prohibited, closed port, unprivileged.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
have_camtrace_cmd route || skip_all "camtrace route not built"

lab_up
lab_no_icmp_ratelimit   # IPv4 and IPv6: every probe of a trace gets its ICMPv6 error
B2=$(addr b2 6)
A_RTR=$(addr rtr 6)                   # the router's site-A address
B_RTR=2001:2:0:2::1                   # its site-B address
is "$B2" 2001:2:0:2::12 "the lab gives b2 an IPv6 address"

# ---- no fault: route reaches a site-B host, the router hop named ----------
ct a1 route "$B2"
ok valid_json "route --json over IPv6 is one valid JSON document"
is "$(r '["family"]')" ipv6 "family ipv6"
is "$(r '["verdict"]["result"]')" reached "UDP 2425 over IPv6: reached"
is "$(r '["verdict"]["hop"]')" 2 "reached at hop 2"
is "$(r '["verdict"]["address"]')" "$B2" "the verdict names the target"
is "$(r '["hops"][0]["addresses"][0]')" "$A_RTR" "hop 1 is the router ($A_RTR)"
is "$(r '["hops"][0]["replies"][0]["icmp"]["key"]')" ttl_exceeded "hop 1: ICMPv6 time exceeded"
is "$(r '["hops"][0]["replies"][0]["icmp"]["type"]')" 3 "as ICMPv6 type 3"
is "$(r '["hops"][0]["answered"]')" 3 "three answers at hop 1 (probes told apart without an IP ID)"
is "$(r '["hops"][1]["is_target"]')" true "hop 2 is the target"
is "$(r '["verdict"]["icmp"]["key"]')" port_unreachable "nothing listens: ICMPv6 port unreachable (1/4)"
is "$(r '["verdict"]["icmp"]["code"]')" 4 "code 4"
is "$(r '["flow_stable"]')" true "flow-stable as root"
is "$(r '["source_port"]')" 2425 "sent from port 2425"
is "$(r '["probes_sent"]')" 6 "probes stop at the target's hop limit (6 sent)"
is "$ct_status" 1 "exit 1: reached, but the host refused the port (exit 0 only when the application answers)"
ct a1 route -6 --tcp "$B2"
is "$(r '["verdict"]["result"]')" reached "TCP SYN over IPv6 reaches b2"
is "$(r '["hops"][1]["replies"][0]["kind"]')" tcp "b2 answers the SYN itself (RST)"
is "$(r '["hops"][0]["answered"]')" 3 "three answers at hop 1 (told apart by TCP sequence)"

# ---- a peer answers on UDP 2425 (labnet, dual-stack) ----------------------
peer_up peer b2
ct a1 route "$B2"
is "$(r '["verdict"]["result"]')" reached "route with a peer on b2: reached"
is "$(r '["hops"][1]["replies"][0]["kind"]')" udp "the peer itself answers the probe"
ct a1 probe --no-tcp "$B2"
is "$(r '["hosts"][0]["udp"]["state"]')" open "probe: UDP 2425 open over IPv6"
is "$(r '["hosts"][0]["udp"]["answered"]')" getinfo "the peer answered GETINFO"
is "$(r '["hosts"][0]["family"]')" ipv6 "family ipv6"
ct a1 reach -c 4 "$B2"
is "$(r '["hosts"][0]["icmp"]["sent"]')" 4 "reach: 4 ICMPv6 echo requests"
is "$(r '["hosts"][0]["icmp"]["received"]')" 4 "4 echo replies"
is "$(r '["hosts"][0]["icmp"]["loss_pct"]')" 0 "no loss"
is "$(r '["hosts"][0]["icmp"]["hops"]')" 1 "one router in between (from the hop limit)"
is "$(r '["hosts"][0]["icmp"]["reply_ttl"]')" 63 "reply hop limit 63"
is "$(r '["hosts"][0]["local_address"]')" "$(addr a1 6)" "the local IPv6 address for the target"
is "$(r '["hosts"][0]["interface"]')" eth0 "and its interface"
is "$(r '["hosts"][0]["ipmsg"]["state"]')" open "the IP Messenger check answers over IPv6"
listen_stop peer >/dev/null

# ---- cold/warm over IPv6: a stateful firewall on the probing host -----------
peer_up peer3 b3
ct a1 probe --no-tcp --cold-warm "$(addr b3 6)"
is "$(r '["hosts"][0]["cold_warm"]["verdict"]')" ok "cold/warm over IPv6, no fault: answers arrive cold and warm"
lab fault add a1 stateful udp 2425 >/dev/null
ct a1 probe --no-tcp --cold-warm "$(addr b3 6)"
is "$(r '["hosts"][0]["cold_warm"]["verdict"]')" warm_only "a1 stateful (inet table): reachable only after we sent"
is "$(r '["hosts"][0]["cold_warm"]["cold_answered"]')" false "the cold answer (an IPv6 frame sent on the link) dropped"
is "$(r '["hosts"][0]["cold_warm"]["warm_answered"]')" true "the warm answer let in"
lab fault clear >/dev/null
listen_stop peer3 >/dev/null

# ---- a peer that always answers to port 2425 (iptux does, spec section 8) ---
# a dual-stack UDP socket on b2's 2425 answering every datagram to (sender, 2425)
in_host b2 "$PYTHON" -c '
import os, socket, sys
open(sys.argv[1], "w").write(str(os.getpid()))
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", 2425))
s.settimeout(60)
while True:
    d, a = s.recvfrom(4096)
    s.sendto(b"1_iptux 0.8.3:1:peer:b2:65:iptux-like", (a[0], 2425))
' "$LAB_TMP/to2425.pid" >/dev/null 2>&1 &
wait_for in_host b2 sh -c "ss -Hlun | grep -q ':2425 '"
ct a1 probe --no-tcp --source-port 40001 "$B2"
is "$(r '["hosts"][0]["udp"]["state"]')" open "an answer sent to port 2425, not to our source port 40001, is caught"
is "$(r '["hosts"][0]["udp"]["reply_to_port_2425"]')" true "and said so"
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json probe --no-tcp --source-port 40001 "$B2" >"$LAB_TMP/out.json" 2>/dev/null
is "$(r '["hosts"][0]["udp"]["state"]')" open "also without privileges (a socket on 2425 besides the probe's)"
kill "$(cat "$LAB_TMP/to2425.pid")"
wait_for sh -c "! ip netns exec $LAB_PREFIX-b2 ss -Hlun | grep -q ':2425 '"

# ---- a TCP listener on b2: SYN-ACK and a full connection over IPv6 ----------
listen_bg tcpl b2 tcp 2425 --count 1 --timeout 20
ct a1 probe --no-udp --connect "$B2"
is "$(r '["hosts"][0]["tcp"]["state"]')" open "SYN-ACK to the IPv6 SYN: TCP 2425 open"
is "$(r '["hosts"][0]["tcp"]["exchange"]["connected"]')" true "--connect: connected over IPv6"
is "$(r '["hosts"][0]["tcp"]["exchange"]["request_sent"]')" true "and the GETFILEDATA request went out"
like "$(listen_wait tcpl)" "from $(addr a1 6) " "the listener saw a connection from a1's IPv6 address"

# ---- a host with no listener: closed ---------------------------------------
ct a1 probe "$(addr b3 6)"
is "$(r '["hosts"][0]["udp"]["state"]')" closed "no listener on b3: UDP closed"
is "$(r '["hosts"][0]["udp"]["icmp"]["key"]')" port_unreachable "ICMPv6 port unreachable"
is "$(r '["hosts"][0]["udp"]["icmp"]["type"]')" 1 "type 1"
is "$(r '["hosts"][0]["udp"]["icmp"]["from"]')" "$(addr b3 6)" "sent by b3 itself"
is "$(r '["hosts"][0]["tcp"]["state"]')" closed "TCP 2425 closed (RST to the IPv6 SYN)"
is "$(r '["hosts"][0]["tcp"]["method"]')" syn "half-open SYN over IPv6"

# ---- the router drops UDP 2425 (the inet table filters IPv6 too) -----------
lab fault add router drop udp 2425 >/dev/null
ct a1 route "$B2"
is "$(r '["verdict"]["result"]')" dies "router drop over IPv6: the probes die"
is "$(r '["verdict"]["hop"]')" 1 "after hop 1"
is "$(r '["verdict"]["address"]')" "$A_RTR" "the router hop is named"
is "$(r '["hops"][1]["answered"]')" 0 "nothing answers at hop 2"
is "$ct_status" 1 "exit 1 when not reached"
ct a1 probe --no-tcp "$B2"
is "$(r '["hosts"][0]["udp"]["state"]')" filtered "probe says filtered"
is "$(r '["hosts"][0]["udp"]["control"]["icmp"]["key"]')" port_unreachable "because the control port answers port unreachable"
lab fault clear >/dev/null

# ---- the router rejects TCP 2425 with ICMPv6 admin-prohibited ---------------
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
ct a1 route --tcp "$B2"
is "$(r '["verdict"]["result"]')" rejected "TCP SYN over IPv6 rejected"
is "$(r '["verdict"]["address"]')" "$A_RTR" "by the router"
is "$(r '["verdict"]["icmp"]["type"]')" 1 "ICMPv6 destination unreachable"
is "$(r '["verdict"]["icmp"]["code"]')" 1 "code 1"
is "$(r '["verdict"]["icmp"]["key"]')" admin_prohibited "named admin_prohibited"
ct a1 probe --no-udp "$B2"
is "$(r '["hosts"][0]["tcp"]["state"]')" filtered "probe: TCP filtered"
is "$(r '["hosts"][0]["tcp"]["icmp"]["from"]')" "$A_RTR" "the rejecting router shown"
ct b1 route --tcp "$(addr srv 6)"
is "$(r '["verdict"]["address"]')" "$B_RTR" "from site B the router's site-B address rejects"
lab fault clear >/dev/null

# ---- RTP over IPv6: ICMPv6-based port states -------------------------------
lab fault add b3 reject=admin-prohibited udp 22226 >/dev/null
ct a1 rtp --ports 22225-22226 -c 3 "$(addr b3 6)"
is "$(r '["hosts"][0]["ports"][0]["state"]')" closed "rtp: 22225 closed (port unreachable)"
is "$(r '["hosts"][0]["ports"][1]["state"]')" filtered "rtp: 22226 filtered by b3's firewall"
like "$(r '["hosts"][0]["ports"][1]["reason"]')" 'administratively prohibited' "with the ICMPv6 reason"
lab fault clear >/dev/null

# ---- RTP over IPv6 through camtraced's echo (it listens on IPv4 and IPv6) ----
if [ -x "$CAMTRACED" ]; then
	ctd_start echo6 b1 "rtp_echo = yes" "rtp_ports = 22224-22227" || bail_out "camtraced did not start on b1"
	lab fault add b1 drop udp 22226 >/dev/null
	ct a1 rtp --count 20 "$(addr b1 6)"
	for i in 0 1 3; do
		is "$(r "[\"hosts\"][0][\"ports\"][$i][\"state\"]")/$(r "[\"hosts\"][0][\"ports\"][$i][\"loss_forward_pct\"]")/$(r "[\"hosts\"][0][\"ports\"][$i][\"loss_back_pct\"]")" \
			open/0/0 "rtp over IPv6: port $((22224 + i)) echoed by camtraced, no loss either way"
	done
	is "$(r '["hosts"][0]["ports"][2]["state"]')" filtered "rtp over IPv6: 22226 dropped on b1 is filtered (the others echo)"
	ok '[ "$(ctd_q echo6 status | jq_py "r[\"rtp_echo\"][\"answered\"]")" -ge 60 ]' "camtraced counted the IPv6 echoes"
	lab fault clear >/dev/null
	ct a1 rtp --count 5 --ports 22224 198.18.2.11
	is "$(r '["hosts"][0]["ports"][0]["state"]')" open "the same echo still answers over IPv4"
	ctd_stop echo6
else
	skip_test "rtp over IPv6 through camtraced's echo" "camtraced not built"
fi

# ---- without privileges ------------------------------------------------------
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json route "$B2" >"$LAB_TMP/out.json" 2>/dev/null
ok valid_json "unprivileged IPv6 route prints valid JSON"
is "$(r '["privileged"]')" false "says it ran unprivileged"
is "$(r '["flow_stable"]')" false "not flow-stable without raw sockets"
is "$(r '["verdict"]["result"]')" reached "still reaches the target (IPV6_RECVERR)"
is "$(r '["hops"][0]["addresses"][0]')" "$A_RTR" "and sees the router at hop 1"
like "$(r '["notes"]')" 'no raw IPv6 sockets' "the note says what was not possible"
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json probe "$(addr b3 6)" >"$LAB_TMP/out.json" 2>/dev/null
is "$(r '["hosts"][0]["udp"]["state"]')" closed "unprivileged probe: closed from the error queue"
is "$(r '["hosts"][0]["tcp"]["method"]')" connect "TCP falls back to connect()"
is "$(r '["hosts"][0]["tcp"]["state"]')" closed "connect() refused: closed"
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json route --tcp "$B2" >"$LAB_TMP/out.json" 2>/dev/null
st=$?
is "$st" 77 "IPv6 TCP trace without privileges: exit 77"

done_testing
