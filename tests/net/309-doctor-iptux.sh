#!/usr/bin/env bash
# 309-doctor-iptux.sh: doctor with a real iptux user (it ignores GETINFO): healthy through the BR_ENTRY fallback in both the probe and the server's check; doctor leaves no trace in the server's list nor in iptux's.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
need_cmd iptux iptux
need_cmd Xvfb xvfb
need_cmd dbus-run-session dbus-bin
need_cmd gdbus libglib2.0-bin
doc_setup

DOC_USERS="b2 b3" doc_sites
run_ok "iptux starts on b1" lab iptux start b1 --nick IptuxB1 --hostname b1-pc
ok 'wait_for -t 15 sh -c "$CTLQ $LAB_TMP/srv/ctl.sock users | grep -q b1-pc"' "the server lists the iptux user (notify)"

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
# ... nor iptux's: a graceful iptux quit sends BR_EXIT to every peer it lists; a1 must get none
in_host a1 "$PYTHON" -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 2425)); s.settimeout(0.2)
open(sys.argv[1], "w").close()
end = time.time() + 4
with open(sys.argv[1], "a") as f:
    while time.time() < end:
        try:
            d, a = s.recvfrom(9000)
        except socket.timeout:
            continue
        f.write("%s %s\n" % (a[0], d.split(b":")[4].decode() if d.count(b":") >= 4 else "?")); f.flush()
' "$LAB_TMP/a1-rx.txt" &
rx=$!
sleep 0.5
run_ok "iptux quits gracefully (BR_EXIT to each peer it lists)" lab iptux stop b1
wait "$rx"
diag "a1 received: $(cat "$LAB_TMP/a1-rx.txt")"
ok '! grep -q "^198\.18\.2\.11 " "$LAB_TMP/a1-rx.txt"' "iptux sent a1 no BR_EXIT: it did not list doctor any more"
ctd_done
