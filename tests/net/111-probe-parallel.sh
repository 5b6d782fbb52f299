#!/usr/bin/env bash
# 111-probe-parallel.sh: probe of several hosts at once (ct_probe_run_many, ct_app_probe_many): each answer stays with its host, three silent hosts take about as long as one.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"

lab_up
lab_no_icmp_ratelimit
peer_up pb1 b1
listen_bg pb3 b3 udp 2425 --count 1000 --timeout 120 --reply "1:1:peer:b3:65:other peer on b3"

# ---- answers stay with their host --------------------------------------------
ct a1 probe 198.18.2.11 198.18.2.12 198.18.2.13 198.18.1.12
is "$(r '["hosts"][0]["udp"]["program"]')" "labnet peer on b1" "b1's answer given to b1"
is "$(r '["hosts"][2]["udp"]["program"]')" "other peer on b3" "b3's answer given to b3"
is "$(r '["hosts"][1]["udp"]["state"]')" closed "b2 (no listener) closed"
is "$(r '["hosts"][1]["udp"]["icmp"]["from"]')" 198.18.2.12 "b2's port unreachable given to b2"
is "$(r '["hosts"][3]["udp"]["state"]')" closed "a2 (no listener, same segment) closed"
is "$(r '["hosts"][3]["udp"]["icmp"]["from"]')" 198.18.1.12 "a2's port unreachable given to a2"
is "$(r '=[h["tcp"]["state"] for h in d["hosts"]]')" "closed,closed,closed,closed" "TCP of each host: its own RST"
is "$(r '=[h["address"] for h in d["hosts"]]')" "198.18.2.11,198.18.2.12,198.18.2.13,198.18.1.12" \
	"hosts reported in the order given"

# ---- three silent hosts take about as long as one ----------------------------
lab fault add b1 drop udp 2425 >/dev/null
lab fault add b2 drop udp 2425 >/dev/null
lab fault add b3 drop udp 2425 >/dev/null
t0=$(_now_ms)
ct a1 probe --no-tcp --wait 0.5 198.18.2.11
t1=$(_now_ms)
is "$(r '["hosts"][0]["udp"]["state"]')" filtered "one dropping host: filtered"
ct a1 probe --no-tcp --wait 0.5 198.18.2.11 198.18.2.12 198.18.2.13
t2=$(_now_ms)
is "$(r '=[h["udp"]["state"] for h in d["hosts"]]')" "filtered,filtered,filtered" "three dropping hosts: each filtered"
is "$(r '=[h["udp"]["control"]["icmp"]["from"] for h in d["hosts"]]')" "198.18.2.11,198.18.2.12,198.18.2.13" \
	"each host's control answer given to that host"
one=$((t1 - t0)) three=$((t2 - t1))
diag "one host ${one} ms, three hosts ${three} ms"
ok "[ $three -lt $((one * 3 / 2 + 300)) ]" "three hosts take about as long as one (${three} ms vs ${one} ms)"
lab fault clear >/dev/null

done_testing
