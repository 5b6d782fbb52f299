#!/usr/bin/env bash
# 114-probe-host-down.sh: probe and reach to an unused address (198.18.2.99) from the other site and from the same segment: the host is down per the router / our own ARP, not "a firewall drops them"; answered cases stay fast.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"

lab_up
lab_no_icmp_ratelimit

# ---- other site: the router's host unreachable, ~3 s after the first packet ------
ct a1 probe 198.18.2.99
is "$(r '["hosts"][0]["host_down"]')" true "a1 -> .99: host down"
is "$(r '["hosts"][0]["udp"]["icmp"]["key"]'),$(r '["hosts"][0]["udp"]["icmp"]["from"]')" host_unreachable,198.18.1.1 \
	"the router's host unreachable is caught"
like "$(r '["hosts"][0]["udp"]["reason"]')" '^the host is down or the address 198\.18\.2\.99 is unused, per the router 198\.18\.1\.1 ' \
	"reason: down or unused, per the router"
unlike "$(r '["hosts"][0]["udp"]["reason"]')" 'firewall' "no firewall blamed"
is "$(r '["hosts"][0]["udp"]["br_exit_sent"]')" false "nothing to withdraw from a host that is not there"
is "$(r '["hosts"][0]["tcp"]["state"]')" filtered "TCP: filtered"
ct a1 reach 198.18.2.99
is "$(r '["hosts"][0]["host_down"]')" true "reach a1 -> .99: host down"
is "$(r '["hosts"][0]["icmp"]["icmp_error"]["key"]')" host_unreachable "reach: the echo's host unreachable"
like "$(r '["hosts"][0]["icmp"]["reason"]')" 'per the router 198\.18\.1\.1' "reach: per the router"
in_host a1 "$CAMTRACE" reach 198.18.2.99 >"$LAB_TMP/reach.txt" 2>&1
unlike "$(cat "$LAB_TMP/reach.txt")" 'reached' "reach text never says reached without an answer"
like "$(sed -n 2p "$LAB_TMP/reach.txt")" 'no echo reply to 4 requests: the host is down' "second line: no echo reply, host down"

ct a1 rtp --ports 22224-22225 --count 5 198.18.2.99
is "$(r '=[str(p["host_down"]).lower() for p in d["hosts"][0]["ports"]]')" "true,true" "rtp a1 -> .99: host down on each port"
like "$(r '["hosts"][0]["ports"][0]["reason"]')" 'per the router 198\.18\.1\.1' "rtp: per the router"

# ---- same segment: our own ARP fails -------------------------------------------
ct b1 probe 198.18.2.99
is "$(r '["hosts"][0]["host_down"]')" true "b1 -> .99 (same segment): host down"
is "$(r '["hosts"][0]["udp"]["icmp"]["from"]')" 198.18.2.11 "host unreachable from our own address"
like "$(r '["hosts"][0]["udp"]["reason"]')" "^the host is down or the address 198\.18\.2\.99 is unused: no answer to this host's ARP on eth0" \
	"reason: our own ARP got no answer"
ct b1 reach 198.18.2.99
is "$(r '["hosts"][0]["host_down"]')" true "reach b1 -> .99: host down"
like "$(r '["hosts"][0]["icmp"]["reason"]')" "this host's ARP" "reach: our own ARP"

ct b1 rtp --ports 22224 --count 5 198.18.2.99
is "$(r '["hosts"][0]["ports"][0]["host_down"]')" true "rtp b1 -> .99: host down"
like "$(r '["hosts"][0]["ports"][0]["reason"]')" "this host's ARP on eth0" "rtp: our own ARP"

# ---- neighbours: a router rejecting with host-unreachable at once is not "down" ----
lab fault add router reject=host-unreachable udp 2425 >/dev/null
ct a1 probe --no-tcp 198.18.2.12
is "$(r '["hosts"][0]["udp"]["state"]')" filtered "router reject host-unreachable: filtered"
is "$(r '["hosts"][0]["host_down"]')" false "an immediate host unreachable is a firewall, not a down host"
lab fault clear >/dev/null
lab fault add b2 drop udp 2425 >/dev/null
lab fault add b2 drop tcp 2425 >/dev/null
ct a1 probe 198.18.2.12
is "$(r '["hosts"][0]["udp"]["state"]')" filtered "b2 drops: filtered"
is "$(r '["hosts"][0]["host_down"]')" false "a host that drops is not down"
lab fault clear >/dev/null
t0=$(_now_ms)
ct a1 probe 198.18.2.12
t1=$(_now_ms)
is "$(r '["hosts"][0]["udp"]["state"]'),$(r '["hosts"][0]["tcp"]["state"]')" closed,closed "b2 answers: closed, closed"
ok "[ $((t1 - t0)) -lt 1500 ]" "answered cases stay fast ($((t1 - t0)) ms)"

done_testing
