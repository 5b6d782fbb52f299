#!/usr/bin/env bash
# 309-doctor-iptux.sh: doctor with a real iptux user (it ignores GETINFO): healthy through the BR_ENTRY fallback in both the probe and the server's check; doctor leaves no trace in the server's list nor in iptux's.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
need_cmd iptux iptux
need_cmd Xvfb xvfb
need_cmd dbus-run-session dbus-bin
need_cmd gdbus libglib2.0-bin
doc_setup

# iptux first: the server's notify round at its start reaches it
run_ok "iptux starts on b1" lab iptux start b1 --nick IptuxB1 --hostname b1-pc
DOC_USERS="b2 b3" doc_sites
ok 'wait_for -t 15 has_host srv b1-pc' "the server lists the iptux user (notify)"

doc_run ipt --user 198.18.2.11
is "$(doc_rc ipt)" "0" "no fault, iptux user: exit 0"
is "$(doc_get ipt '["verdict"]["class"]')" "healthy" "verdict: healthy (not user_server_path)" || doc_show ipt
is "$(doc_get ipt '["users"][0]["server_to_user"]["udp_2425"]')/$(doc_get ipt '["users"][0]["server_to_user"]["udp_answered"]')" \
	"answered/br_entry" "server -> user: iptux ignored GETINFO and answered BR_ENTRY|DIALUPOPT"
is "$(doc_get ipt '["users"][0]["server_to_user"]["program"]')" "iptux 0.8.3" "the program named in full"
like "$(doc_get ipt '["users"][0]["server_to_user"]["text"]')" "GETINFO ignored, BR_ENTRY\|DIALUPOPT answered by ANSENTRY \(iptux 0\.8\.3\)" \
	"the evidence says which packet was answered"
is "$(doc_get ipt '["users"][0]["probe"]["udp_2425"]')" "open" "this host -> iptux: open (BR_ENTRY fallback)"
is "$(doc_get ipt '["withdrawn"]')" "198.18.2.11" "the probe's BR_ENTRY to iptux was withdrawn (BR_EXIT)"

# the control method by itself: the same fallback
ctd_q srv probe '{"addr":"198.18.2.11","tcp":false}' >"$LAB_TMP/probe.json"
is "$(jget "$LAB_TMP/probe.json" '["udp"]')/$(jget "$LAB_TMP/probe.json" '["udp_answered"]')" "answered/br_entry" \
	"probe method: iptux answered through the BR_ENTRY fallback"
ctd_q srv probe '{"addr":"198.18.2.12","tcp":false}' >"$LAB_TMP/probe2.json"
is "$(jget "$LAB_TMP/probe2.json" '["udp"]')/$(jget "$LAB_TMP/probe2.json" '["udp_answered"]')" "answered/getinfo" \
	"probe method: camtraced answers GETINFO"

# doctor is in nobody's list afterwards: not the server's ...
ok '! ctd_users srv | grep -q "camtrace-doctor"' "the server's users: no camtrace-doctor entry"
ok '! ctd_users srv | grep -q "^camtrace "' "nor the probe's identity"
# ... nor iptux's: the last command iptux handled from a1 is our BR_EXIT, after the BR_ENTRY
# (iptux_cmds_from in lib.sh; commands iptux does not know are left out)
iptux_known_cmds_from() { iptux_cmds_from "$1" | tr ',' '\n' | grep -vx unknown | paste -sd, -; }
wait_for -t 3 sh -c "lab iptux log b1 | grep -q BR_EXIT" 2>/dev/null
cmds=$(iptux_known_cmds_from 198.18.1.11)
diag "iptux handled from a1: $cmds"
like "$cmds" "BR_ENTRY.*BR_EXIT$" "iptux handled a BR_EXIT from a1 after its BR_ENTRY: doctor left its list"
ok "lab iptux log b1 | grep -A1 BR_EXIT | grep -q 'event type 2'" "iptux raised its pal-offline event"

# doctor stopped by SIGTERM while it runs: it dies of the signal, and iptux is left without it
in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" doctor --user 198.18.2.11 >/dev/null 2>&1 &
dpid=$!
sleep 1.2
kill -TERM "$dpid" 2>/dev/null
dst=0
wait "$dpid" || dst=$?
is "$dst" "143" "doctor died of SIGTERM (128 + 15)"
sleep 0.3
like "$(iptux_known_cmds_from 198.18.1.11)" "BR_EXIT$" "the last command iptux handled from a1 is a BR_EXIT"
lab iptux stop b1 >/dev/null 2>&1
ctd_done
