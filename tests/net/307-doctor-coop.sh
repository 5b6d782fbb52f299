#!/usr/bin/env bash
# 307-doctor-coop.sh: user <-> server in doctor step 4: the user's camtraced checks the server (coop), the server's control `probe` checks the user; a fault between b1 and srv only.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

# b2 and b3: plain users (no RTP echo); b1: a client node of the server with the cooperative check
DOC_USERS="b2 b3" doc_sites
ctd_start ub1 b1 "user_name = userb1" "nick = User-b1" "server = 198.18.1.10" "rtp_echo = yes" "coop = yes"
wait_for -t 15 ctd_has srv userb1 online || diag "the server does not list userb1"

# (a) healthy: both directions checked and answered
doc_run ok --user 198.18.2.11
is "$(doc_rc ok)" "0" "healthy: exit 0"
is "$(doc_get ok '["verdict"]["class"]')" "healthy" "verdict: healthy" || doc_show ok
is "$(doc_get ok '["users"][0]["user_to_server"]["checked"]')/$(doc_get ok '["users"][0]["user_to_server"]["udp_2425"]')" \
	"true/answered" "user -> server: b1's camtraced got SENDINFO from the server"
is "$(doc_get ok '["users"][0]["user_to_server"]["tcp_2425"]')" "open" "user -> server: TCP 2425 open"
is "$(doc_get ok '["users"][0]["server_to_user"]["udp_2425"]')" "answered" "server -> user: the server's probe answered"
is "$(doc_get ok '["users"][0]["server_to_user"]["by"]')" "control_socket" "through the server's control socket"
like "$(doc_get ok '=d["steps"][3]["evidence"]')" "user 198\.18\.2\.11 -> server 198\.18\.1\.10 \(started by the user's camtraced from UDP 2425\): UDP 2425: GETINFO answered by SENDINFO" \
	"step 4 shows user -> server answered"
ok '[ "$(ctd_q ub1 status | jq_py "r[\"coop\"][\"answered\"]")" -ge 1 ]' "b1's status counts the answered request"
like "$("$CAMTRACE" --ctl "$LAB_TMP/ub1/ctl.sock" status)" "coop checks: +served on the rtp echo; [1-9][0-9]* requests, [1-9]" \
	"camtrace status shows b1's coop counters"

# the control method by itself
ctd_q srv probe '{"addr":"198.18.2.11","tcp":false}' >"$LAB_TMP/probe.json"
is "$(jget "$LAB_TMP/probe.json" '["udp"]')/$(jget "$LAB_TMP/probe.json" '["source_port"]')/$(jget "$LAB_TMP/probe.json" '["tcp"]')" \
	"answered/2425/not_run" "probe method: b1 answers the server's GETINFO from 2425; TCP not asked"
ctd_q srv probe '{"addr":"no-such"}' >"$LAB_TMP/probe-bad.json"
is "$?/$(jget "$LAB_TMP/probe-bad.json" '["code"]')" "1/bad_params" "probe method: a bad address is bad_params"

# (b) the router drops UDP 2425 between srv and b1 only: this host still reaches both
cat >"$LAB_TMP/pair.nft" <<'EOF'
table inet doc307 {
	chain pair {
		type filter hook forward priority -10; policy accept;
		ip saddr 198.18.2.11 ip daddr 198.18.1.10 udp dport 2425 counter drop
		ip saddr 198.18.1.10 ip daddr 198.18.2.11 udp dport 2425 counter drop
	}
}
EOF
ok 'ip netns exec "$LAB_PREFIX-rtr" nft -f "$LAB_TMP/pair.nft"' "fault planted in the router: UDP 2425 between b1 and srv dropped"
doc_run pair --user 198.18.2.11
is "$(doc_rc pair)" "1" "pair fault: exit 1"
is "$(doc_get pair '["verdict"]["class"]')" "user_server_path" "verdict: the user <-> server path" || doc_show pair
is "$(doc_get pair '["verdict"]["evidence"]["hosts"]')" "198.18.2.11,198.18.1.10" "evidence: b1 and srv"
is "$(doc_get pair '["verdict"]["evidence"]["direction"]')" "server 198.18.1.10 -> user 198.18.2.11" \
	"evidence: b1 heard nothing from the server: server -> user loses it"
like "$(doc_get pair '["verdict"]["finding"]')" "heard nothing from the server meanwhile" "the finding says how the legs were told apart"
is "$(doc_get pair '["verdict"]["evidence"]["protocol"]')/$(doc_get pair '["verdict"]["evidence"]["ports"]')" "udp/2425" "UDP 2425"
is "$(doc_get pair '["users"][0]["probe"]["udp_2425"]')" "open" "this host (a1) still reaches b1 on UDP 2425"
is "$(doc_get pair '["users"][0]["user_to_server"]["udp_2425"]')" "no_answer" "user -> server: no SENDINFO"
is "$(doc_get pair '["users"][0]["server_to_user"]["udp_2425"]')" "no_answer" "server -> user: no SENDINFO"
like "$(doc_get pair '["verdict"]["fix"]')" "allow UDP 2425 in both directions between 198\.18\.2\.11 and 198\.18\.1\.10" \
	"the fix names the pair and the port"
is "$(doc_get pair '["steps"][3]["status"]')" "problem" "step 4: problem"
ok '[ "$(ip netns exec "$LAB_PREFIX-rtr" nft list table inet doc307 | grep -c "counter packets [1-9]")" = 2 ]' \
	"both rules of the fault saw packets"
in_host a1 env COLUMNS=1000 "$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock" doctor --server 198.18.1.10 --user 198.18.2.11 \
	>"$LAB_TMP/pair.txt" 2>&1
ok 'grep -q "^Verdict: user_server_path" "$LAB_TMP/pair.txt"' "text mode: the verdict" || diag "$(cat "$LAB_TMP/pair.txt")"
ok 'grep -q "| server 198.18.1.10 -> user 198.18.2.11 (started by the server.s camtraced from UDP 2425): UDP 2425: no answer" "$LAB_TMP/pair.txt"' \
	"text mode: step 4 shows the server -> user direction"
# the server's side of it, from the server itself (doctor on srv with --ctl)
in_host srv "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" doctor --server 198.18.1.10 --user 198.18.2.11 \
	>"$LAB_TMP/onsrv.json" 2>"$LAB_TMP/onsrv.err"
is "$(doc_get onsrv '["users"][0]["server_to_user"]["checked"]')/$(doc_get onsrv '["users"][0]["server_to_user"]["udp_2425"]')" \
	"true/no_answer" "doctor on the server: its probe of b1 gets no answer" || doc_show onsrv
ip netns exec "$LAB_PREFIX-rtr" nft delete table inet doc307

# (b'') only b1 -> srv dropped: the server's GETINFO reaches b1, its answer does not
cat >"$LAB_TMP/oneway.nft" <<'EOF'
table inet doc307 {
	chain pair {
		type filter hook forward priority -10; policy accept;
		ip saddr 198.18.2.11 ip daddr 198.18.1.10 udp dport 2425 counter drop
	}
}
EOF
ok 'ip netns exec "$LAB_PREFIX-rtr" nft -f "$LAB_TMP/oneway.nft"' "fault planted: UDP 2425 from b1 to srv dropped (one way)"
doc_run oneway --user 198.18.2.11
is "$(doc_get oneway '["verdict"]["class"]')" "user_server_path" "one way: verdict user_server_path" || doc_show oneway
is "$(doc_get oneway '["verdict"]["evidence"]["direction"]')" "user 198.18.2.11 -> server 198.18.1.10" \
	"one way: b1 heard the server's GETINFO, so the way user -> server is named"
is "$(doc_get oneway '["users"][0]["server_to_user"]["udp_2425"]')/$(doc_get oneway '["users"][0]["user_to_server"]["udp_2425"]')" \
	"no_answer/no_answer" "both round trips fail"
like "$(doc_get oneway '=d["steps"][3]["evidence"]')" "heard the server [0-9]+ ms before it was asked: server -> user carries UDP 2425" \
	"step 4 says how it told the directions apart"
ip netns exec "$LAB_PREFIX-rtr" nft delete table inet doc307

# (b') the router rejects b1 -> srv UDP 2425 (admin-prohibited): the ICMP error is evidence
cat >"$LAB_TMP/reject.nft" <<'EOF'
table inet doc307 {
	chain pair {
		type filter hook forward priority -10; policy accept;
		ip saddr 198.18.2.11 ip daddr 198.18.1.10 udp dport 2425 counter reject with icmp type admin-prohibited
	}
}
EOF
ok 'ip netns exec "$LAB_PREFIX-rtr" nft -f "$LAB_TMP/reject.nft"' "fault planted: the router rejects UDP 2425 from b1 to srv"
doc_run rej --user 198.18.2.11
is "$(doc_get rej '["verdict"]["class"]')" "user_server_path" "reject: verdict user_server_path" || doc_show rej
is "$(doc_get rej '["users"][0]["user_to_server"]["udp_2425"]')" "icmp" "user -> server: an ICMP error came back to b1"
is "$(doc_get rej '["verdict"]["evidence"]["icmp"]["code"]')/$(doc_get rej '["verdict"]["evidence"]["hop_address"]')" \
	"13/198.18.2.1" "evidence: admin-prohibited (3/13) from the router's site-B address"
like "$(doc_get rej '["verdict"]["fix"]')" "^On 198\.18\.2\.1: allow UDP 2425" "the fix names the rejecting router"
ip netns exec "$LAB_PREFIX-rtr" nft delete table inet doc307

# (c) a user without the cooperative check: said plainly, with how to enable it
doc_run nocoop --user 198.18.2.12
is "$(doc_rc nocoop)" "0" "no coop on b2: still healthy (exit 0)"
is "$(doc_get nocoop '["users"][0]["user_to_server"]["checked"]')" "false" "user -> server not checked"
like "$(doc_get nocoop '["users"][0]["user_to_server"]["text"]')" "could not be checked: nothing listens on UDP 22224.*set .rtp_echo = yes. and .coop = yes." \
	"it says why and how to enable it"
is "$(doc_get nocoop '["users"][0]["server_to_user"]["udp_2425"]')" "answered" "server -> user still checked through the control socket"
like "$(doc_get nocoop '["steps"][3]["result"]')" "1 user <-> server direction\(s\) could not be checked" "step 4 result counts it"
# without the server's control socket: the server -> user direction cannot be checked either
in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/none.sock" doctor --server 198.18.1.10 --user 198.18.2.11 \
	>"$LAB_TMP/noctl.json" 2>"$LAB_TMP/noctl.err"
is "$(doc_get noctl '["users"][0]["server_to_user"]["checked"]')" "false" "no control socket: server -> user not checked"
like "$(doc_get noctl '["users"][0]["server_to_user"]["text"]')" "run camtrace doctor on the server" "and how to do it"
is "$(doc_get noctl '["users"][0]["user_to_server"]["udp_2425"]')" "answered" "user -> server still checked (coop)"

# (d) the RTP echo without coop: silence, said plainly; coop without a server: refused, with the line to add
ctd_stop ub2
ctd_start ub2 b2 "user_name = userb2" "nick = User-b2" "rtp_echo = yes"
doc_run echo --user 198.18.2.12
like "$(doc_get echo '["users"][0]["user_to_server"]["text"]')" "no answer on UDP 22224 \(2 tries\): its camtraced runs without .coop = yes." \
	"rtp_echo without coop: no answer, and the key to set"
ctd_stop ub3
ctd_start ub3 b3 "user_name = userb3" "nick = User-b3" "rtp_echo = yes" "coop = yes"
doc_run refused --user 198.18.2.13
like "$(doc_get refused '["users"][0]["user_to_server"]["text"]')" "only checks its own .server. and .coop_allow.; add .coop_allow = 198\.18\.1\.10." \
	"coop without server: refused (not_allowed), with the line to add"
is "$(ctd_q ub3 status | jq_py 'r["coop"]["refused"]')" "1" "b3 counted the refused request"

# (e) a user whose RTP ports are not the default: asked on the first port of --rtp-ports
ctd_stop ub3
ctd_start ub3 b3 "user_name = userb3" "nick = User-b3" "server = 198.18.1.10" "rtp_echo = yes" "coop = yes" \
	"rtp_ports = 30000-30003"
doc_run ports --user 198.18.2.13 --rtp-ports 30000-30003
is "$(doc_get ports '["users"][0]["user_to_server"]["udp_2425"]')" "answered" \
	"rtp_ports = 30000-30003 and --rtp-ports 30000-30003: user -> server checked on UDP 30000"
ctd_done
