#!/usr/bin/env bash
# 113-probe-tcp-states.sh: TCP 2425 states against every neighbour: a router's reject (each ICMP code, TCP reset) and drop, the host's own firewall, nothing listening, open; who answered (target or path, address, hop).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"

lab_up
lab_no_icmp_ratelimit
listen_bg tb1 b1 tcp 2425 --count 1000 --timeout 120

tcp() { r "[\"hosts\"][0][\"tcp\"]$1"; }

# ---- open, and nothing listening (the host's own RST) ---------------------------
ct a1 probe --no-udp 198.18.2.11
is "$(tcp '["state"]')" open "b1 listens: open"
is "$(tcp '["responder"]["role"]')" target "SYN-ACK from the target"
is "$(tcp '["responder"]["hop"]')" 2 "the target is hop 2 (one router)"
ct a1 probe --no-udp 198.18.2.12
is "$(tcp '["state"]')" closed "b2, nothing listening: closed"
is "$(tcp '["responder"]["role"]')" target "the RST comes from the target's distance (checked with an echo)"
is "$(tcp '["responder"]["address"]')" 198.18.2.12 "RST from b2's address"
is "$(tcp '["responder"]["target_hop"]')" 2 "target's own distance known from its echo reply"
ct a1 probe --no-udp 198.18.1.12
is "$(tcp '["state"]')" closed "same segment: a2, nothing listening: closed"
is "$(tcp '["responder"]["hop"]')" 1 "a2 is hop 1 (no router)"

# ---- the router rejects TCP 2425 with each ICMP code: filtered, the router named --
for c in port-unreachable:3:port_unreachable admin-prohibited:13:admin_prohibited host-unreachable:1:host_unreachable \
	net-unreachable:0:net_unreachable host-prohibited:10:host_prohibited net-prohibited:9:net_prohibited; do
	code=${c%%:*} rest=${c#*:} num=${rest%%:*} key=${rest#*:}
	lab fault add router reject="$code" tcp 2425 >/dev/null
	ct a1 probe --no-udp 198.18.2.12
	is "$(tcp '["state"]')" filtered "router reject $code: filtered"
	is "$(tcp '["icmp"]["code"]'),$(tcp '["icmp"]["key"]')" "$num,$key" "router reject $code: ICMP 3/$num shown"
	is "$(tcp '["responder"]["role"]'),$(tcp '["responder"]["address"]'),$(tcp '["responder"]["hop"]')" \
		"path,198.18.1.1,1" "router reject $code: answered by the router 198.18.1.1 at hop 1"
	lab fault clear >/dev/null
done
lab fault add router reject=port-unreachable tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.12
is "$(tcp '["reason"]')" "rejected by 198.18.1.1 (ICMP port unreachable, 3/3)" "reason names the rejecting router"
lab fault clear >/dev/null

# ---- the router resets in the target's name: filtered, not closed ---------------
lab fault add router reject=tcp-reset tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.11
is "$(tcp '["state"]')" filtered "router tcp-reset (b1 listens behind it): filtered"
is "$(tcp '["responder"]["role"]')" path "the RST came from the path"
is "$(tcp '["responder"]["address"]')" null "its sender's own address is not known (it used b1's)"
is "$(tcp '["responder"]["hop"]'),$(tcp '["responder"]["target_hop"]')" "1,2" "RST from hop 1, the target is hop 2"
is "$(tcp '["reason"]')" "reset by a device on the path at hop 1 (TTL 64), not by the target (hop 2)" "reason says so"
ct a1 probe 198.18.2.12
is "$(tcp '["state"]')" filtered "router tcp-reset, distance from the UDP answer: filtered"
lab fault clear >/dev/null

# ---- the router drops: silence ------------------------------------------------
lab fault add router drop tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.11
is "$(tcp '["state"]')" filtered "router drop: filtered"
is "$(tcp '["responder"]')" null "nobody answered"
lab fault clear >/dev/null

# ---- the host's own firewall refuses: closed, by the host itself ----------------
lab fault add b2 reject=tcp-reset tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.12
is "$(tcp '["state"]')" closed "b2's firewall resets: closed (the host itself)"
is "$(tcp '["responder"]["role"]')" target "RST at the target's own distance"
lab fault clear >/dev/null
lab fault add b2 reject=port-unreachable tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.12
is "$(tcp '["state"]')" closed "b2's firewall port-unreachable: closed (refused by the host itself)"
is "$(tcp '["responder"]["role"]'),$(tcp '["responder"]["address"]')" target,198.18.2.12 "answered by b2 itself"
lab fault clear >/dev/null

# ---- nothing else to compare with: could not tell who reset ---------------------
in_host b2 nft -f - <<'NFT'
table inet t113 {
	chain in {
		type filter hook input priority -10;
		icmp type echo-request drop
	}
}
NFT
ct a1 probe --no-udp 198.18.2.12
is "$(tcp '["state"]')" closed "no echo reply, no other answer: stays closed"
is "$(tcp '["responder"]["role"]')" unverified "but marked unverified"
like "$(tcp '["reason"]')" "could not tell who sent the reset" "reason says it could not tell"
ct a1 probe 198.18.2.12
is "$(tcp '["responder"]["role"]')" target "with UDP's port unreachable from b2 to compare: verified"
in_host b2 nft delete table inet t113

listen_stop tb1 >/dev/null
done_testing
