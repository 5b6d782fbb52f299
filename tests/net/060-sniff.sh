#!/usr/bin/env bash
# 060-sniff.sh: camtrace sniff live in the lab: answers matched across the router, silences and ICMP
# refusals explained, TCP 2425, RTP loss, SIGUSR1 counters, -w written after dropping privileges.
. "${top_srcdir:-.}/tests/net/lib.sh"
have_camtrace_cmd sniff || skip_all "camtrace sniff is not built"

declare -A _sn_pid
# sniff_bg NAME HOST ARGS...: live capture in HOST's namespace; returns once the capture is open
sniff_bg() {
	local name=$1 h=$2
	shift 2
	in_host "$h" "$CAMTRACE" sniff "$@" >"$LAB_TMP/$name.out" 2>"$LAB_TMP/$name.err" &
	_sn_pid[$name]=$!
	wait_for -t 10 grep -qs 'capturing on' "$LAB_TMP/$name.err" ||
		{ diag "sniff $name did not start:" "$(cat "$LAB_TMP/$name.err")"; return 1; }
}
sniff_wait() { wait "${_sn_pid[$1]}"; }
# sniff_until NAME REGEX: waits (up to 30 s) until the trace shows REGEX, then stops the capture
# with SIGINT (what a person does); no fixed duration, so a loaded machine only takes longer
sniff_until() {
	wait_for -t 30 grep -Eqs "$2" "$LAB_TMP/$1.out"
	kill -INT "$(pgrep -P "${_sn_pid[$1]}")" 2>/dev/null
	sniff_wait "$1"
}
ipmsg() { # HOST ADDR TEXT [send options]: one IPMsg datagram from port 2425
	local h=$1 a=$2 d=$3
	shift 3
	in_host "$h" "$PYTHON" "$LABNET" send udp "$a" 2425 --sport 2425 --data "$d" "$@" >/dev/null 2>&1
}

lab_up
A1=$(addr a1) B2=$(addr b2)

# ---- an answer across the router, seen on the router itself (all interfaces) -----------------
sniff_bg rtr rtr -Z root -d 3 -t 1
listen_bg ans b2 udp 2425 --reply '1:77:bob:PC-B2:3:Bob'
ipmsg a1 "$B2" '1:5:alice:PC-A1:1:Alice' --wait 1
listen_wait ans >/dev/null
sniff_wait rtr
out=$(cat "$LAB_TMP/rtr.out")
like "$out" "198\.18\.1\.11:2425 -> 198\.18\.2\.12:2425 BR_ENTRY #5 alice@PC-A1 \"Alice\"/\"\"" \
	"the router's trace shows a1's BR_ENTRY with user, host and nick"
like "$out" "ANSENTRY #77 bob@PC-B2 \"Bob\"/\"\" \[answers [0-9]+ BR_ENTRY in [0-9.]+ ms\]" \
	"b2's ANSENTRY is matched to the BR_ENTRY with its latency"
like "$out" "\[forwarded copy of [0-9]+\]" "the copy the router sends out again is recognised, not a retransmission"
unlike "$out" "retransmission|got no answer" "nothing is flagged when the answer came"
like "$out" "kernel dropped 0, interface dropped 0" "kernel drops are reported at the end"
like "$out" "  198\.18\.1\.11  sent 1/[0-9]+  received 1/[0-9]+  answered 1  unanswered 0" "per-peer counters for a1"

# ---- the router drops UDP 2425 towards site B: the silence is explained ---------------------
fid=$(lab fault add router drop udp 2425 a2b)
sniff_bg silent a1 -Z root -t 1 -i eth0
ipmsg a1 "$B2" '1:6:alice:PC-A1:1:Alice'
sniff_until silent 'got no answer'
like "$(cat "$LAB_TMP/silent.out")" \
	"! [0-9]+ [0-9:.]+ BR_ENTRY from 198\.18\.1\.11 to 198\.18\.2\.12 got no answer in 1\.0 s: a firewall on 198\.18\.2\.12 or on the way probably blocks UDP 2425"$'\n' \
	"an unanswered BR_ENTRY names the pair, the direction and the likely cause"
lab fault del "$fid" >/dev/null

# ---- the router rejects it with admin-prohibited: the ICMP error answers the request ---------
fid=$(lab fault add router reject=admin-prohibited udp 2425 a2b)
sniff_bg icmp a1 -Z root -d 2.5 -t 1 --json
ipmsg a1 "$B2" '1:7:alice:PC-A1:64:'
sniff_wait icmp
icmp_line=$(grep '"kind":"icmp"' "$LAB_TMP/icmp.out")
like "$icmp_line" '"name":"admin_prohibited".*"quoted":\{"proto":17,"src":"198\.18\.1\.11","dst":"198\.18\.2\.12","sport":2425,"dport":2425\}' \
	"ICMP admin-prohibited from the router shows the quoted flow"
like "$icmp_line" '"answers":"GETINFO".*"refused":true' "the ICMP error is matched to the GETINFO it refuses"
unlike "$(cat "$LAB_TMP/icmp.out")" '"type":"unanswered"' "a refused request is not also reported unanswered"
lab fault del "$fid" >/dev/null

# ---- TCP 2425: a connection answered, then one into a black hole ---------------------------
sniff_bg tcp a1 -Z root -t 1
listen_bg tl b2 tcp 2425
in_host a1 "$PYTHON" "$LABNET" send tcp "$B2" 2425 --data hello --wait 2 >/dev/null 2>&1
listen_wait tl >/dev/null
fid=$(lab fault add router drop tcp 2425 a2b)
in_host a1 "$PYTHON" "$LABNET" send tcp "$B2" 2425 --data hello --wait 1 >/dev/null 2>&1
sniff_until tcp 'TCP connect from .* got no answer'
out=$(cat "$LAB_TMP/tcp.out")
like "$out" "TCP S\. seq [0-9]+ ack [0-9]+ len 0 \[answers [0-9]+ TCP_SYN in [0-9.]+ ms\]" "the SYN-ACK answers the SYN"
like "$out" "TCP connect from 198\.18\.1\.11 to 198\.18\.2\.12 port 2425 got no answer in 1\.0 s" \
	"a SYN that nobody answers is flagged"
lab fault del "$fid" >/dev/null

# ---- RTP with one datagram lost, per-stream figures; SIGUSR1 prints the counters at once -----
sniff_bg rtp b1 -Z root -d 4 -i eth0
in_host a1 "$PYTHON" - "$(addr b1)" <<'EOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 22224))
for i in range(20):
    if i == 7:
        continue
    s.sendto(struct.pack("!BBHII", 0x80, 0, 100 + i, 8000 + 160 * i, 0xfeedf00d) + b"\xd5" * 160, (sys.argv[1], 22224))
    time.sleep(0.02)
EOF
sleep 0.5
kill -USR1 "$(pgrep -P "${_sn_pid[rtp]}")" # the camtrace process is the child of the background subshell
sniff_wait rtp
out=$(cat "$LAB_TMP/rtp.out")
like "$out" "RTP pt 0 \(PCMU\) ssrc 0xfeedf00d seq 119 ts 11040 len 160 \| stream 19 pkts lost 1 \(5\.0%\)" \
	"the last RTP packet shows the stream's loss so far"
like "$out" "198\.18\.1\.11:22224 -> 198\.18\.2\.11:22224 ssrc 0xfeedf00d pt 0 \(PCMU\) 19 pkts, expected 20, lost 1" \
	"the stream summary counts the lost packet"
is "$(grep -c '^peers at' "$LAB_TMP/rtp.out")" 2 "SIGUSR1 printed the counters once more before the end"

# ---- -w: the file is created after dropping root, and reads back the same ------------------
chmod 1777 "$LAB_TMP"
sniff_bg w a1 -d 2 -i eth0 -w "$LAB_TMP/a1.pcap"
ipmsg a1 "$B2" '1:8:alice:PC-A1:1:Alice'
sniff_wait w
want=nobody
[ -n "${SUDO_UID:-}" ] && want=$(id -nu "$SUDO_UID")
is "$(stat -c %U "$LAB_TMP/a1.pcap" 2>&1)" "$want" "the pcap was created by $want: privileges were dropped first"
like "$("$CAMTRACE" sniff -r "$LAB_TMP/a1.pcap" 2>&1)" "BR_ENTRY #8 alice@PC-A1" "the written pcap decodes"
run_fails "a live capture on a missing interface fails" in_host a1 "$CAMTRACE" sniff -i nosuch0 -d 1
like "$(cat "$LAB_TMP/run-out")" "no interface named nosuch0" "and says so"

done_testing
