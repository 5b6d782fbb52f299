#!/usr/bin/env bash
# 104-rtp.sh: camtrace rtp in the lab against the RTP echo engine: one blocked port fails, the others show loss 0.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd rtp || skip_all "camtrace rtp not built"
ECHO=$top_builddir/tests/net/rtpecho-run
[ -x "$ECHO" ] || skip_all "tests/net/rtpecho-run not built"

lab_up
r() { jget "$LAB_TMP/out.json" "$1"; }
in_host b1 "$ECHO" 22224 22227 60 >"$LAB_TMP/echo.out" 2>&1 &
wait_for -t 5 grep -q '^ready$' "$LAB_TMP/echo.out" || bail_out "RTP echo did not start"

ct a1 rtp --count 25 198.18.2.11
ok valid_json "rtp --json is one valid JSON document"
for i in 0 1 2 3; do
	is "$(r "[\"hosts\"][0][\"ports\"][$i][\"state\"]")" open "port $((22224 + i)) echoed"
	is "$(r "[\"hosts\"][0][\"ports\"][$i][\"loss_forward_pct\"]")" 0 "port $((22224 + i)) no loss to the echo"
	is "$(r "[\"hosts\"][0][\"ports\"][$i][\"loss_back_pct\"]")" 0 "port $((22224 + i)) no loss back"
done
ok '[ "$(r "[\"hosts\"][0][\"ports\"][0][\"jitter_forward_ms\"]")" != null ]' "jitter measured to the echo"
ok '[ "$(r "[\"hosts\"][0][\"ports\"][0][\"jitter_back_ms\"]")" != null ]' "jitter measured back"
is "$ct_status" 0 "exit 0 when every port echoes without loss"

lab fault add router drop udp 22226 >/dev/null
ct a1 rtp --count 25 198.18.2.11
is "$(r '["hosts"][0]["ports"][2]["state"]')" filtered "router drops 22226: that port is filtered"
is "$(r '["hosts"][0]["ports"][2]["echoed"]')" 0 "nothing echoed on 22226"
for i in 0 1 3; do
	is "$(r "[\"hosts\"][0][\"ports\"][$i][\"state\"]")" open "port $((22224 + i)) still open"
	is "$(r "[\"hosts\"][0][\"ports\"][$i][\"loss_forward_pct\"]")" 0 "port $((22224 + i)) loss 0"
done
is "$ct_status" 1 "exit 1"
lab fault clear >/dev/null

lab fault add router reject=admin-prohibited udp 22225 >/dev/null
ct a1 rtp --count 10 198.18.2.11
is "$(r '["hosts"][0]["ports"][1]["state"]')" filtered "reject on 22225: filtered"
is "$(r '["hosts"][0]["ports"][1]["icmp"]["key"]')" admin_prohibited "with admin_prohibited"
is "$(r '["hosts"][0]["ports"][1]["icmp"]["from"]')" 198.18.1.1 "from the router"
lab fault clear >/dev/null

ct a1 rtp --count 10 198.18.2.12
is "$(r '["hosts"][0]["ports"][0]["state"]')" closed "no echo on b2: closed (port unreachable)"

done_testing
