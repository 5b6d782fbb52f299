#!/usr/bin/env bash
# 105-scan.sh: camtrace scan of site B's /24 from site A finds exactly its IP Messenger hosts (a real iptux, a plain peer), each once.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd scan || skip_all "camtrace scan not built"
need_cmd iptux iptux
need_cmd Xvfb xvfb
need_cmd dbus-run-session dbus-daemon

lab_up
lab iptux start b1 >/dev/null || bail_out "iptux did not start on b1"
peer_up pb3 b3
r() { jget "$LAB_TMP/out.json" "$1"; }

ct a1 scan --rate 400 --grace-ms 1000 '198.18.2.*'
ok valid_json "scan --json is one valid JSON document"
is "$(r '["total"]')" 254 "198.18.2.* expands to .1-.254"
is "$(r '["probed"]')" 254 "every address probed"
is "$(r '["found"]')" 2 "two IP Messenger hosts found (b2 runs none)"
is "$(r '=sorted(h["address"] for h in d["hosts"])')" "198.18.2.11,198.18.2.13" "exactly b1 and b3, each once"
is "$(r '=[h["program"] for h in d["hosts"] if h["address"] == "198.18.2.11"][0]')" "iptux 0.8.3" "b1 named iptux 0.8.3"
is "$(r '=[h["host"] for h in d["hosts"] if h["address"] == "198.18.2.11"][0]')" "b1-pc" "b1's host name"
is "$(r '=[h["nick"] for h in d["hosts"] if h["address"] == "198.18.2.11"][0]')" "b1" "b1's nick"
is "$ct_status" 0 "exit 0"

# a sweep of a1's own (mostly empty) subnet first: probes to absent neighbours pile up in
# the ARP queue; the hosts after it must still be probed
lab iptux start a2 >/dev/null || bail_out "iptux did not start on a2"
ct a1 scan --rate 2000 --grace-ms 1500 198.18.1.1-198.18.2.254
is "$(r '=sorted(h["address"] for h in d["hosts"])')" "198.18.1.12,198.18.2.11,198.18.2.13" \
	"a range across a1's own subnet: a2, then b1 and b3 after 252 empty neighbours"

# early end: iptux answers BR_ENTRY at once, so nothing is pending after the quiet time
ct a1 scan --rate 400 --grace-ms 30000 --quiet-ms 300 198.18.2.11
is "$(r '["found"]')" 1 "b1 found"
is "$(r '["complete"]')" true "the scan completed"
is "$(r '=d["elapsed_ms"] < 30000')" true "it ended after the quiet time, not the 30 s grace (b1's entry had arrived)"
is "$(r '["send_failed"]')" 0 "no probe failed to go out"

ct a1 scan --rate 400 --grace-ms 500 198.18.2.10-14 198.18.2.11
is "$(r '["found"]')" 2 "a range plus a repeated address: still each host once"

in_host a1 "$PYTHON" -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",2425)); time.sleep(5)' &
sleep 0.5
ct a1 scan 198.18.2.11
is "$ct_status" 69 "port 2425 held by another program: exit 69 (EX_UNAVAILABLE)"
like "$(r '["errors"][0]["code"]')" port_2425 "and says why"
kill %% 2>/dev/null

done_testing
