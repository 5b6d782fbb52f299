#!/usr/bin/env bash
# 115-source.sh: the global --source: probe, reach and rtp send from it (seen by tcpdump at b1) and get their answers; a non-local address and commands that send nothing are refused up front.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"
need_cmd tcpdump tcpdump
ECHO=$top_builddir/tests/net/rtpecho-run
[ -x "$ECHO" ] || skip_all "tests/net/rtpecho-run not built"

lab_up
lab_no_icmp_ratelimit
in_host a1 ip addr add 198.18.1.21/24 dev eth0
peer_up pb1 b1
listen_bg tb1 b1 tcp 2425 --count 1000 --timeout 120
in_host b1 "$ECHO" 22224 22225 60 >"$LAB_TMP/echo.out" 2>&1 &
wait_for -t 5 grep -q '^ready$' "$LAB_TMP/echo.out" || bail_out "RTP echo did not start"

# everything b1 receives from site A, one line per packet
in_host b1 tcpdump -n -l -i eth0 'ip and src net 198.18.1.0/24' >"$LAB_TMP/dump.txt" 2>/dev/null &
dump=$!
wait_for -t 5 test -e "$LAB_TMP/dump.txt"
sleep 1

ct a1 --source 198.18.1.21 probe 198.18.2.11
is "$(r '["hosts"][0]["local_address"]')" 198.18.1.21 "probe: local address is --source"
is "$(r '["hosts"][0]["udp"]["state"]')" open "probe --source: the peer's answer to .21 caught (UDP open)"
is "$(r '["hosts"][0]["tcp"]["state"]')" open "probe --source: SYN-ACK to .21 caught (TCP open)"
ct a1 reach --source 198.18.1.21 --no-ipmsg -c 2 198.18.2.11
is "$(r '["hosts"][0]["icmp"]["received"]')" 2 "reach --source: echo replies to .21 caught"
ct a1 rtp --source 198.18.1.21 --ports 22224-22225 --count 5 198.18.2.11
is "$(r '=[p["state"] for p in d["hosts"][0]["ports"]]')" "open,open" "rtp --source: echoes to .21 caught"
sleep 0.5
kill "$dump" 2>/dev/null
wait "$dump" 2>/dev/null
like "$(grep -c '198.18.1.21.2425 > 198.18.2.11.2425: UDP' "$LAB_TMP/dump.txt")" '^[1-9]' "probe UDP sent from 198.18.1.21"
like "$(grep -c '198.18.1.21.[0-9]* > 198.18.2.11.2425: Flags \[S\]' "$LAB_TMP/dump.txt")" '^[1-9]' "probe SYN sent from 198.18.1.21"
like "$(grep -c '198.18.1.21 > 198.18.2.11: ICMP echo request' "$LAB_TMP/dump.txt")" '^[1-9]' "reach echo sent from 198.18.1.21"
like "$(grep -c '198.18.1.21.22224 > 198.18.2.11.22224: UDP' "$LAB_TMP/dump.txt")" '^[1-9]' "rtp sent from 198.18.1.21"
is "$(grep -c '198.18.1.11' "$LAB_TMP/dump.txt")" 0 "nothing sent from a1's other address 198.18.1.11"

# ---- refused up front ------------------------------------------------------------
msg='--source 10.9.9.9: not an address of this host (bind: Cannot assign requested address); give one of this host'"'"'s addresses, see `ip -brief address`'
for c in probe reach rtp; do
	ct a1 --source 10.9.9.9 "$c" 198.18.2.11
	is "$ct_status" 2 "$c --source 10.9.9.9: usage error"
	is "$(r '["errors"][0]["message"]')" "$msg" "$c: the message names the problem and the fix"
done
for c in users status version; do
	ct a1 --source 198.18.1.21 "$c"
	is "$ct_status" 2 "$c --source: refused (it sends nothing of its own)"
	like "$(r '["errors"][0]["message"]')" "^--source 198\.18\.1\.21: camtrace $c sends no probe of its own" "$c: says why"
done
ct a1 decode --source 198.18.1.21 -
is "$ct_status" 2 "decode --source (after the command): refused"

listen_stop tb1 >/dev/null
done_testing
