#!/usr/bin/env bash
# 050-bundle.sh: camtrace bundle in the lab: a capture of site B talking to the server with message texts and file data redacted; the daemon's state when camtraced runs.
. "${top_srcdir:-.}/tests/net/lib.sh"
need_cmd tar tar
have_camtrace_cmd bundle || skip_all "camtrace bundle not built"

lab_up
SRV=$(addr srv)

# Sends, from b1 to the server, a SENDMSG and a TCP 2425 segment of "file data" until the
# bundle (pid $1) has finished, so the capture sees them whenever it starts.
talk_until_done() {
	local i=0
	while pid_alive "$1"; do
		i=$((i + 1))
		in_host b1 "$PYTHON" "$LABNET" send udp "$SRV" 2425 --sport 2425 \
			--data "1:$((100 + i)):bob:b1:288:LabSecretText$i\\0" >/dev/null 2>&1
		in_host b1 "$PYTHON" "$LABNET" send tcp "$SRV" 2425 --data "FileBytesSecret$i" --wait 1 >/dev/null 2>&1
		sleep 0.2
	done
}

# ---- capture, redacted -----------------------------------------------------
listen_bg tcp2425 srv tcp 2425 --count 1000 --timeout 60
in_host srv "$CAMTRACE" bundle --json --capture 3 --ctl "$LAB_TMP/none.sock" -o "$LAB_TMP/cap.tar.gz" \
	>"$LAB_TMP/cap.json" 2>"$LAB_TMP/cap.err" &
bpid=$!
talk_until_done "$bpid"
wait "$bpid"
is "$?" 0 "bundle --capture 3 in srv exits 0"
mkdir -p "$LAB_TMP/cap"
run_ok "the archive extracts" tar xzf "$LAB_TMP/cap.tar.gz" -C "$LAB_TMP/cap"
pcap=$LAB_TMP/cap/cap/capture/traffic.pcap
ok '[ -s "$pcap" ]' "capture/traffic.pcap is in the archive"
ok 'grep -aq "1:10[0-9]*:bob:b1:288:xxxxxxxxxxxxxx" "$pcap"' "the SENDMSG from b1 was captured, its header kept, its text x'ed out"
ok '! grep -raq LabSecretText "$LAB_TMP/cap"' "no message text in any member"
ok '! grep -raq FileBytesSecret "$LAB_TMP/cap"' "no TCP 2425 file data in any member"
like "$(cat "$LAB_TMP/cap.json")" '3 s of IP Messenger and RTP traffic on every interface \(filter [^)]*\): [1-9][0-9]* packets, ' \
	"the manifest entry counts the packets"
if command -v tshark >/dev/null 2>&1; then
	bad=$(tshark -r "$pcap" -o udp.check_checksum:TRUE -Y 'udp.checksum.status == 0' 2>/dev/null | wc -l)
	is "$bad" 0 "every redacted UDP checksum is correct (tshark)"
else
	skip_test "UDP checksums" "tshark not installed"
fi

# ---- --include-messages keeps the texts --------------------------------------
in_host srv "$CAMTRACE" bundle -q --capture 2 --include-messages --ctl "$LAB_TMP/none.sock" \
	-o "$LAB_TMP/inc.tar.gz" >/dev/null 2>&1 &
bpid=$!
talk_until_done "$bpid"
wait "$bpid"
is "$?" 0 "bundle --capture 2 --include-messages exits 0"
mkdir -p "$LAB_TMP/inc"
tar xzf "$LAB_TMP/inc.tar.gz" -C "$LAB_TMP/inc"
ok 'grep -aq LabSecretText "$LAB_TMP/inc/inc/capture/traffic.pcap"' "--include-messages keeps the message text"
listen_stop tcp2425 >/dev/null

# ---- --doctor: a fresh doctor report, run from srv ----------------------------
if have_camtrace_cmd doctor; then
	in_host srv "$CAMTRACE" bundle --json --doctor --timeout 30 --ctl "$LAB_TMP/none.sock" \
		-o "$LAB_TMP/doc.tar.gz" >"$LAB_TMP/doc.json" 2>/dev/null
	is "$?" 0 "bundle --doctor exits 0"
	mkdir -p "$LAB_TMP/doc"
	tar xzf "$LAB_TMP/doc.tar.gz" -C "$LAB_TMP/doc"
	ok "$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"command\"]==\"doctor\"' '$LAB_TMP/doc/doc/doctor/report.json'" \
		"doctor/report.json is doctor's JSON document"
else
	skip_test "bundle --doctor" "camtrace doctor is not part of this build"
fi

# ---- the daemon's state, when this build's camtraced serves its control socket ----
# user = root: its files are in this test's directory, which camtraced did not create and would
# not take over for another user (camtraced(8) FILES)
cat >"$LAB_TMP/camtraced.conf" <<EOF
user = root
ctl_socket = $LAB_TMP/run/ctl.sock
state_file = $LAB_TMP/state.json
pidfile = $LAB_TMP/run/camtraced.pid
log = $LAB_TMP/camtraced.log
notify = 198.18.2.*
EOF
ip netns exec "$LAB_PREFIX-srv" "$CAMTRACED" -f -c "$LAB_TMP/camtraced.conf" >"$LAB_TMP/ctd.out" 2>&1 &
dpid=$!
if wait_for -t 10 test -S "$LAB_TMP/run/ctl.sock" && pid_alive "$dpid"; then
	# -f logs to stderr, which this test keeps in ctd.out; a message from a1 gets logged there
	in_host a1 "$PYTHON" "$LABNET" send udp "$SRV" 2425 --sport 2425 \
		--data '1:77:alice:a1:288:DaemonLoggedSecret\0' >/dev/null 2>&1
	wait_for -t 5 grep -q "DaemonLoggedSecret" "$LAB_TMP/ctd.out" || diag "camtraced did not log the message"
	in_host srv "$CAMTRACE" bundle --json --config "$LAB_TMP/camtraced.conf" --log "$LAB_TMP/ctd.out" -o "$LAB_TMP/d.tar.gz" \
		>"$LAB_TMP/d.json" 2>"$LAB_TMP/d.err"
	is "$?" 0 "bundle with camtraced running exits 0"
	mkdir -p "$LAB_TMP/d"
	tar xzf "$LAB_TMP/d.tar.gz" -C "$LAB_TMP/d"
	for f in status hosts instability; do
		ok "$PYTHON -c 'import json,sys; json.load(open(sys.argv[1]))' '$LAB_TMP/d/d/daemon/$f.json'" \
			"daemon/$f.json from the running camtraced is valid JSON"
	done
	ok "$PYTHON -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"name\"]==\"camtraced\" and \"cap_net_raw\" in d[\"effective\"]' '$LAB_TMP/d/d/daemon/process.json'" \
		"daemon/process.json: camtraced's ids and capabilities"
	ok '[ -s "$LAB_TMP/d/d/daemon/log.txt" ]' "daemon/log.txt taken from --log" ||
		diag "$(grep -A3 '"daemon/log.txt"' "$LAB_TMP/d.json")" "$(ls -l "$LAB_TMP")"
	ok 'grep -q "^notify = 198.18.2.\*" "$LAB_TMP/d/d/daemon/camtraced.conf"' "daemon/camtraced.conf included"
	if grep -q "DaemonLoggedSecret" "$LAB_TMP/ctd.out"; then
		ok '! grep -rq DaemonLoggedSecret "$LAB_TMP/d"' "the message camtraced logged is not in the bundle"
		ok 'grep -q "message from .*: \[REDACTED\]" "$LAB_TMP/d/d/daemon/log.txt"' "... its log line is, redacted"
	else
		skip_test "message text redacted from the daemon's log" "camtraced did not log the test message"
	fi
else
	diag "camtraced said: $(head -c 600 "$LAB_TMP/ctd.out")"
	ok 1 "camtraced started and serves its control socket (for the daemon's state in the bundle)"
fi
kill "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null

done_testing
