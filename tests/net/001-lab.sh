#!/usr/bin/env bash
# 001-lab.sh: proves the two-site lab: topology, broadcast scope, routing, each fault, clean teardown.
. "${top_srcdir:-.}/tests/net/lib.sh"

root_links() { ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
root_before=$(root_links)

# ---- up, idempotence, topology --------------------------------------------
lab_up
run_ok "camlab status says the lab is up" lab status
like "$(lab status --json)" '"state":"up","namespaces":9' "status --json reports 9 namespaces up"
json_ok() { "$PYTHON" -c 'import json, sys; d = json.load(sys.stdin); assert len(d["hosts"]) == 7' <<<"$1"; }
run_ok "status --json is valid JSON with 7 hosts" json_ok "$(lab status --json)"
run_ok "a second 'up' is harmless" lab up
run_ok "still up after the second 'up'" lab status
is "$(root_links)" "$root_before" "nothing was created in the root namespace"
is "$(in_host a1 ip -br -4 addr show dev eth0 | awk '{print $3}')" "198.18.1.11/24" "a1 eth0 has 198.18.1.11/24"
is "$(in_host b3 ip -br -6 addr show dev eth0 scope global | awk '{print $3}')" "2001:2:0:2::13/64" "b3 eth0 has 2001:2:0:2::13/64"
is "$(in_host b2 ip route show default)" "default via 198.18.2.1 dev eth0 " "b2 default route via the site B router"
is "$(in_host srv ip -6 -o addr show tentative | wc -l)" 0 "no tentative (DAD) IPv6 address on srv"
is "$(lab addr b1 6)" "2001:2:0:2::11" "camlab addr b1 6"

# ---- broadcast stays in its site ------------------------------------------
listen_bg bc_a2 a2 udp 2425
listen_bg bc_srv srv udp 2425
listen_bg bc_b1 b1 udp 2425
listen_bg bc_rtrb rtr udp 2425
in_host a1 "$PYTHON" "$LABNET" send udp 198.18.1.255 2425 --broadcast --data bcast-a >/dev/null
like "$(listen_wait bc_a2)" '^from 198\.18\.1\.11 [0-9]+ ttl 64 len 7 data bcast-a$' "a1's subnet broadcast reaches a2"
like "$(listen_wait bc_srv)" 'data bcast-a' "a1's subnet broadcast reaches srv"
is "$(listen_wait bc_b1)" "" "a1's subnet broadcast does not reach b1"
like "$(listen_wait bc_rtrb)" 'data bcast-a' "the router itself hears site A's broadcast (and keeps it)"

listen_bg lb_a2 a2 udp 2425
listen_bg lb_b2 b2 udp 2425
in_host a1 "$PYTHON" "$LABNET" send udp 255.255.255.255 2425 --broadcast --data limited >/dev/null
like "$(listen_wait lb_a2)" 'data limited' "limited broadcast 255.255.255.255 from a1 reaches a2"
is "$(listen_wait lb_b2)" "" "limited broadcast from a1 does not reach b2"

listen_bg db_a1 a1 udp 2425
listen_bg db_a2 a2 udp 2425
in_host b1 "$PYTHON" "$LABNET" send udp 198.18.1.255 2425 --broadcast --data directed >/dev/null
out=$(listen_wait db_a1)$(listen_wait db_a2)
is "$out" "" "directed broadcast from b1 to 198.18.1.255 is not forwarded into site A"

listen_bg mc_a2 a2 udp 2425
listen_bg mc_b1 b1 udp 2425
in_host a1 "$PYTHON" "$LABNET" send udp 'ff02::1%eth0' 2425 --data mcast6 >/dev/null
like "$(listen_wait mc_a2)" 'data mcast6' "IPv6 all-nodes multicast from a1 reaches a2"
is "$(listen_wait mc_b1)" "" "IPv6 all-nodes multicast from a1 does not reach b1"

# ---- unicast crosses the router -------------------------------------------
like "$(reach a1 udp 198.18.2.11 2425 --data v4)" 'ttl 63 .*data v4$' "UDP a1 -> b1 over IPv4 arrives, TTL 64-1 (one hop)"
like "$(reach a1 udp 2001:2:0:2::11 2425 --data v6)" 'ttl 63 .*data v6$' "UDP a1 -> b1 over IPv6 arrives, hop limit 64-1"
like "$(reach a1 udp 198.18.1.12 2425 --data same)" 'ttl 64 .*data same$' "UDP a1 -> a2 (same site) arrives with TTL 64 (no hop)"
like "$(reach b1 tcp 198.18.1.10 2425 --data tcp4)" 'data tcp4$' "TCP b1 -> srv over IPv4 connects and delivers"
like "$(cat "$LAB_TMP/send-out")" 'reply echo tcp4' "TCP b1 -> srv: the answer comes back"
like "$(reach a2 tcp 2001:2:0:2::13 2425 --data tcp6)" 'data tcp6$' "TCP a2 -> b3 over IPv6 connects and delivers"
like "$(in_host a1 ping -n -c1 -W2 198.18.2.11)" 'ttl=63' "ping a1 -> b1 (IPv4) answered with TTL 63"
like "$(in_host a1 ping -n -c1 -W2 2001:2:0:2::11)" 'ttl=63' "ping a1 -> b1 (IPv6) answered with hop limit 63"
run_fails "a1 cannot reach an address outside the lab (no route leaks)" \
	in_host a1 ping -n -c1 -W1 198.18.3.1

# ---- router faults ---------------------------------------------------------
is "$(lab fault add router drop udp 2425)" 1 "fault add prints the new fault's ID"
run_fails "router drop udp 2425: UDP 2425 a1 -> b1 is lost" reach a1 udp 198.18.2.11 2425
run_fails "router drop udp 2425: UDP 2425 b1 -> a1 (IPv6) is lost" reach b1 udp 2001:2:0:1::11 2425
run_ok "router drop udp 2425: TCP 2425 a1 -> b1 still works" reach a1 tcp 198.18.2.11 2425
run_ok "router drop udp 2425: UDP 2426 a1 -> b1 still works" reach a1 udp 198.18.2.11 2426
run_ok "router drop udp 2425: UDP 2425 inside site A still works" reach a1 udp 198.18.1.12 2425
like "$(lab fault list)" '1 +router +drop +udp +2425 +both +[1-9]' "fault list shows the rule and its packet counter"
run_ok "status --json with a fault is valid JSON" json_ok "$(lab status --json)"
run_ok "fault clear" lab fault clear
is "$(lab fault list)" "no faults" "fault list is empty after clear"
run_ok "after clear: UDP 2425 a1 -> b1 works again" reach a1 udp 198.18.2.11 2425

lab fault add router drop udp 2425 a2b >/dev/null
run_fails "router drop a2b: UDP 2425 a1 -> b1 is lost" reach a1 udp 198.18.2.11 2425
run_ok "router drop a2b: UDP 2425 b1 -> a1 still works" reach b1 udp 198.18.1.11 2425
lab fault clear router

lab fault add router reject=admin-prohibited udp 2425 >/dev/null
like "$(in_host a1 "$PYTHON" "$LABNET" send udp 198.18.2.11 2425 --wait 2)" \
	'^icmp type 3 code 13 from 198\.18\.1\.1$' "reject=admin-prohibited: sender gets ICMP 3/13 from the router"
like "$(in_host a1 "$PYTHON" "$LABNET" send udp 2001:2:0:2::11 2425 --wait 2)" \
	'^icmp6 type 1 code 1 from 2001:2:0:1::1$' "reject=admin-prohibited: IPv6 sender gets ICMPv6 1/1"
run_ok "reject udp: UDP 2426 still works" reach a1 udp 198.18.2.11 2426
lab fault clear

lab fault add router reject=net-unreachable udp 2425 >/dev/null
like "$(in_host b2 "$PYTHON" "$LABNET" send udp 198.18.1.10 2425 --wait 2)" \
	'^icmp type 3 code 0 from 198\.18\.2\.1$' "reject=net-unreachable: ICMP 3/0"
lab fault clear

lab fault add router reject=tcp-reset tcp 2425 b2a >/dev/null
is "$(in_host b1 "$PYTHON" "$LABNET" send tcp 198.18.1.10 2425 --wait 2)" "reset" "reject=tcp-reset b2a: TCP b1 -> srv gets a reset"
run_ok "reject=tcp-reset b2a: TCP a1 -> b1 still connects" reach a1 tcp 198.18.2.11 2425
lab fault clear

# ---- host faults -----------------------------------------------------------
lab fault add b2 drop udp 2425 >/dev/null
run_fails "b2 drop udp 2425 in: UDP a1 -> b2 is lost" reach a1 udp 198.18.2.12 2425
run_ok "b2 drop: UDP a1 -> b1 unaffected" reach a1 udp 198.18.2.11 2425
run_ok "b2 drop: UDP b3 -> b1 unaffected" reach b3 udp 198.18.2.11 2425
run_ok "b2 drop in: b2's own outbound UDP still leaves" reach b2 udp 198.18.1.11 2425
lab fault clear b2

lab fault add b2 drop udp 2425 out >/dev/null
run_fails "b2 drop out: b2's outbound UDP 2425 is lost" reach b2 udp 198.18.1.11 2425
run_ok "b2 drop out: inbound UDP to b2 still arrives" reach a1 udp 198.18.2.12 2425
lab fault clear

lab fault add b1 reject=host-prohibited udp 2425 >/dev/null
like "$(in_host a1 "$PYTHON" "$LABNET" send udp 198.18.2.11 2425 --wait 2)" \
	'^icmp type 3 code 10 from 198\.18\.2\.11$' "b1 reject=host-prohibited: the host itself answers ICMP 3/10"
lab fault add b1 reject=admin-prohibited tcp 2425 >/dev/null
like "$(in_host a1 "$PYTHON" "$LABNET" send tcp 2001:2:0:2::11 2425 --wait 2)" \
	'^icmp6 type 1 code 1 from 2001:2:0:2::11$' "b1 reject tcp over IPv6: the connect fails with ICMPv6 1/1"
lab fault clear b1

lab fault add b2 stateful udp 2425 >/dev/null
run_fails "b2 stateful: cold inbound UDP a1:2425 -> b2 is dropped" reach a1 udp 198.18.2.12 2425 --sport 2425
run_ok "b2 stateful: b2 sends to a1 (2425 -> 2425)" reach b2 udp 198.18.1.11 2425 --sport 2425
run_ok "b2 stateful: now a1:2425 -> b2:2425 is let in (established)" reach a1 udp 198.18.2.12 2425 --sport 2425
run_fails "b2 stateful: a2 -> b2 is still a new flow and dropped" reach a2 udp 198.18.2.12 2425 --sport 2425
lab fault clear

# ---- usage errors ------------------------------------------------------------
lab fault add router stateful udp 2425 2>/dev/null; is $? 2 "stateful on the router is a usage error (exit 2)"
lab fault add router reject=tcp-reset udp 2425 2>/dev/null; is $? 2 "tcp-reset for UDP is a usage error"
lab fault add b1 drop udp 70000 2>/dev/null; is $? 2 "port 70000 is a usage error"
lab fault add router drop udp 2425 in 2>/dev/null; is $? 2 "DIR 'in' for the router is a usage error"
lab exec b1 sh -c 'exit 7'; is $? 7 "camlab exec passes the exit status through"

# ---- down ---------------------------------------------------------------------
lab exec b3 sleep 600 &
lab exec srv sh -c 'sleep 600 & sleep 600' &
wait_for -t 5 sh -c "[ \$(ip netns pids $LAB_PREFIX-srv | wc -l) -ge 2 ] && [ -n \"\$(ip netns pids $LAB_PREFIX-b3)\" ]"
lab_pids=$(ip netns pids "$LAB_PREFIX-srv"; ip netns pids "$LAB_PREFIX-b3")
ok '[ "$(echo "$lab_pids" | wc -w)" -ge 3 ]' "processes run inside the lab before 'down'"
run_ok "camlab down" lab down
is "$(ip netns list | grep -c "^$LAB_PREFIX-")" 0 "no namespace with the prefix is left"
alive=
for p in $lab_pids; do pid_alive "$p" && alive="$alive $p"; done
is "$alive" "" "no process started in the lab survives 'down'"
wait 2>/dev/null
run_ok "a second 'down' is harmless" lab down
run_fails "status exits non-zero when the lab is down" lab status
like "$(lab status --json)" '"state":"down"' "status --json says down"
is "$(root_links)" "$root_before" "the root namespace is unchanged"

# ---- prune: labs of test runs that died ---------------------------------------------
(exit 0) &
dead=$!
wait $dead
CAMLAB_QUIET=1 "$CAMLAB" -p "t$dead" up >/dev/null 2>&1
ip netns exec "t$dead-a1" sleep 600 &
is "$("$CAMLAB" prune -n "t$dead")" "t$dead" "prune -n lists the lab of a dead test run"
is "$("$CAMLAB" prune -n "$LAB_PREFIX")" "" "prune never lists a lab whose test still runs"
is "$(ip netns list | grep -c "^t$dead-")" 9 "prune -n removes nothing"
run_ok "prune t<dead pid>" "$CAMLAB" prune "t$dead"
is "$(ip netns list | grep -c "^t$dead-")" 0 "prune removed the dead run's namespaces and processes"
wait 2>/dev/null

done_testing
