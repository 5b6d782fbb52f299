#!/usr/bin/env bash
# 103-reach.sh: camtrace reach in the lab against a real iptux peer: echo statistics, hop distance, the program, the local path, ping-socket fallback.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd reach || skip_all "camtrace reach not built"
need_cmd iptux iptux
need_cmd Xvfb xvfb
need_cmd dbus-run-session dbus-daemon

lab_up
lab_no_icmp_ratelimit
lab iptux start b1 >/dev/null || bail_out "iptux did not start on b1"
r() { jget "$LAB_TMP/out.json" "$1"; }

ct a1 reach --count 3 198.18.2.11
ok valid_json "reach --json is one valid JSON document"
is "$(r '["hosts"][0]["icmp"]["received"]')" 3 "3 echo replies"
is "$(r '["hosts"][0]["icmp"]["loss_pct"]')" 0 "no loss"
is "$(r '["hosts"][0]["icmp"]["reply_ttl"]')" 63 "reply TTL 63"
is "$(r '["hosts"][0]["icmp"]["hops"]')" 1 "one router in between"
ok '[ "$(r "[\"hosts\"][0][\"icmp\"][\"rtt_min_ms\"]")" != null ]' "RTT statistics present"
is "$(r '["hosts"][0]["ipmsg"]["program"]')" "iptux 0.8.3" "iptux named from its version field"
is "$(r '["hosts"][0]["ipmsg"]["answered"]')" br_entry "iptux ignores GETINFO, answers BR_ENTRY"
is "$(r '["hosts"][0]["ipmsg"]["version"]')" "1_iptux 0.8.3" "version field as sent"
is "$(r '["hosts"][0]["ipmsg"]["host"]')" b1-pc "its host name"
is "$(r '["hosts"][0]["local_address"]')" 198.18.1.11 "local address"
is "$(r '["hosts"][0]["interface"]')" eth0 "interface"
is "$ct_status" 0 "exit 0"

# iptux answers to port 2425 whatever our source port: caught anyway
ct a1 probe --no-tcp --source-port 40000 198.18.2.11
is "$(r '["hosts"][0]["udp"]["state"]')" open "probe from port 40000: iptux's answer still caught"
is "$(r '["hosts"][0]["udp"]["reply_to_port_2425"]')" true "and reported as sent to port 2425"

ct a1 reach --count 2 198.18.1.12
is "$(r '["hosts"][0]["icmp"]["hops"]')" 0 "same-site host: no router in between"
is "$(r '["hosts"][0]["ipmsg"]["state"]')" closed "no program there: closed"
is "$ct_status" 1 "exit 1"

# unprivileged: no raw socket; a ping socket when the group range allows it
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json reach --count 2 198.18.2.11 >"$LAB_TMP/out.json" 2>/dev/null
is "$(r '["privileged"]')" false "unprivileged run"
is "$(r '["hosts"][0]["icmp"]["method"]')" null "no echo method available"
like "$(r '["hosts"][0]["icmp"]["error"]')" 'ping_group_range' "says ping sockets are off and names the sysctl"
is "$(r '["hosts"][0]["ipmsg"]["program"]')" "iptux 0.8.3" "the IP Messenger probe still works"
in_host a1 sysctl -qw net.ipv4.ping_group_range="0 2147483647"
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json reach --count 2 198.18.2.11 >"$LAB_TMP/out.json" 2>/dev/null
is "$(r '["hosts"][0]["icmp"]["method"]')" ping_socket "falls back to a ping socket"
is "$(r '["hosts"][0]["icmp"]["received"]')" 2 "which gets the replies"
is "$(r '["hosts"][0]["icmp"]["reply_ttl"]')" 63 "with the TTL"

done_testing
