#!/usr/bin/env bash
# 108-route-verdicts.sh: camtrace route's outcome against its neighbours: iptux / camtraced / no messenger, router drop and reject (every code, tcp reset), host firewall, host down, same segment, one way, --source.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
have_camtrace_cmd route || skip_all "camtrace route not built"
need_cmd iptux iptux

lab_up
lab_no_icmp_ratelimit
v() { r "[\"verdict\"][\"$1\"]"; }
B1=198.18.2.11 B2=198.18.2.12 B3=198.18.2.13 RTR=198.18.1.1

# ---- iptux peer, no fault: it answers BR_ENTRY only ----------------------------
run_ok "iptux start b1" lab iptux start b1
wait_for -t 10 sh -c "ip netns exec $LAB_PREFIX-b1 ss -uanp | grep -q iptux" || diag "iptux did not bind on b1"
ct a1 route $B1
is "$(v outcome)" app_answered "iptux from the other site: the application answered"
is "$(v result)" reached "result reached"
is "$(v hop)" 2 "at hop 2"
is "$(v probe_packet)" "BR_ENTRY|DIALUPOPT" "the probe packet named"
is "$(v answer)" ANSENTRY "iptux answered with ANSENTRY"
is "$(v program)" "iptux 0.8.3" "the program named"
is "$(v withdrawn)" true "BR_EXIT sent after the trace"
like "$(v text)" 'answered with ANSENTRY, iptux 0\.8\.3' "the text says which packet and what answered"
is "$ct_status" 0 "exit 0"
# the last packet iptux logged from a1 is the BR_EXIT (command 2) that withdraws the probe
lab iptux log b1 >"$LAB_TMP/iptux.log"
is "$(grep -A1 'from 198\.18\.1\.11:2425' "$LAB_TMP/iptux.log" | grep -o ':camtrace:[^:]*:[0-9]*:' | tail -1 |
	cut -d: -f4)" 2 "iptux got BR_EXIT last from a1 (no ghost in its list)"
ct b2 route $B1
is "$(v outcome)" app_answered "iptux from the same segment: the application answered"
is "$(v hop)" 1 "at hop 1"
is "$(v same_segment)" true "same segment"
like "$(v text)" 'on this segment' "the text says the target is on this segment"
unlike "$(v text)" '(first|the|a) router' "and never speaks of a router"
ct a1 route --tcp $B1
is "$(v outcome)" app_answered "--tcp to iptux: SYN-ACK"
is "$(v answer)" SYN-ACK "answer SYN-ACK"
lab iptux stop b1 >/dev/null

# ---- camtraced peer: answers, and lists nobody after the trace -----------------
ctd_start cb3 b3 "nick = B3" "user_name = b3user"
ct a1 route $B3
is "$(v outcome)" app_answered "camtraced peer: the application answered"
# (camtraced waits up to 1 s before its ANSENTRY; it may first send its own BR_ENTRY to the new
# dial-up host, which is an answer of the program too)
like "$(v answer)" '^(ANSENTRY|BR_ENTRY)$' "with ANSENTRY or its own BR_ENTRY"
like "$(v program)" '.' "the program named"
is "$(v hop)" 2 "at hop 2"
sleep 0.5
diag "$(ctd_users cb3)"
is "$(ctd_users cb3 | grep -c '^camtrace .* online ')" 0 "camtraced does not list the probe online after BR_EXIT"
ctd_stop cb3

# ---- a host with no messenger: the host refuses the port -----------------------
ct a1 route $B2
is "$(v outcome)" host_refused "no messenger on b2: the host refused"
is "$ct_status" 1 "exit 1 (the application did not answer)"
is "$(v address)" $B2 "b2 itself"
is "$(r '["verdict"]["icmp"]["key"]')" port_unreachable "ICMP port unreachable"
is "$(v hop)" 2 "at hop 2"
ct a1 route --tcp $B2
is "$(v outcome)" host_refused "--tcp, nothing listening: RST from the host"
is "$(v reply_ttl)" 63 "its TTL 63 shows one router"

# ---- the router drops / rejects ------------------------------------------------
peer_up p2 b2
lab fault add router drop udp 2425 >/dev/null
ct a1 route $B2
is "$(v outcome)" silent_after_hop "router drop: silent after hop 1"
is "$(v hop)" 1 "hop 1"
is "$(v target_up)" true "target_up true"
is "$(v last_hop)" 1 "last hop 1"
is "$(v device)" $RTR "the last hop that answered"
lab fault clear >/dev/null
for code in port-unreachable admin-prohibited host-prohibited net-unreachable host-unreachable; do
	key=${code//-/_}
	[ "$code" = host-prohibited ] && key=host_prohibited
	lab fault add router reject=$code udp 2425 >/dev/null
	ct a1 route $B2
	is "$(v outcome)" path_rejected "router reject=$code: a device on the path rejected it"
	is "$(v device)" $RTR "router reject=$code: the router named"
	is "$(v device_hop)" 1 "router reject=$code: the router at hop 1"
	is "$(v hop)" 1 "router reject=$code: hop 1"
	is "$ct_status" 1 "router reject=$code: exit 1"
	is "$(r '["verdict"]["icmp"]["key"]')" "$key" "router reject=$code: ICMP $key"
	lab fault clear >/dev/null
done
lab fault add router reject=tcp-reset tcp 2425 >/dev/null
ct a1 route --tcp $B2
is "$(v outcome)" path_rejected "router reject with tcp reset: a device on the path, not the host"
is "$(v answer)" RST "the RST in the target's name"
is "$(v reply_ttl)" 64 "its TTL 64 (the router's own)"
is "$(v device)" $RTR "the router named"
is "$(v device_hop)" 1 "at hop 1"
is "$(v hop)" 1 "hop 1"
lab fault clear >/dev/null
lab fault add router drop tcp 2425 >/dev/null
ct a1 route --tcp $B2
is "$(v outcome)" silent_after_hop "--tcp, router drop: silent after hop 1"
is "$(v target_up)" true "the host up"
is "$(v probe_packet)" "TCP SYN" "probe packet TCP SYN"
lab fault clear >/dev/null

# ---- one way: the probes arrive, the answers do not ----------------------------
lab fault add router drop udp 2425 b2a >/dev/null
ct a1 route $B2
is "$(v outcome)" silent_after_hop "answers dropped on the way back: silent_after_hop (not told apart from a drop on the way there)"
like "$(v text)" 'answers are lost on the way back, or the host ignores it' "the text says it honestly"
lab fault clear >/dev/null
listen_stop p2 >/dev/null

# ---- host firewall ---------------------------------------------------------------
peer_up p2 b2
lab fault add b2 drop udp 2425 >/dev/null
ct a1 route $B2
is "$(v outcome)" silent_after_hop "b2's firewall drops, from the other site: silent_after_hop (a router could drop it as well)"
is "$(v target_hop)" 2 "the host at hop 2"
is "$(v hop)" 1 "the result's hop: silent after hop 1"
ct b1 route $B2
is "$(v outcome)" host_silent "same segment, b2's firewall drops: host_silent"
is "$(v same_segment)" true "same segment"
is "$(v target_hop)" 1 "the host at hop 1"
is "$(v result)" no_answer "result no_answer (no hop in between)"
unlike "$(v text)" '(first|the|a) router' "no router spoken of"
lab fault clear >/dev/null
lab fault add b2 reject udp 2425 >/dev/null
ct a1 route $B2
is "$(v outcome)" host_refused "b2's firewall rejects with port unreachable: the host refused"
is "$(v address)" $B2 "from b2 itself"
lab fault clear >/dev/null
lab fault add b2 reject=admin-prohibited udp 2425 >/dev/null
ct a1 route $B2
is "$(v outcome)" host_rejected "b2's firewall rejects with admin-prohibited: host_rejected"
is "$(r '["verdict"]["icmp"]["key"]')" admin_prohibited "ICMP admin_prohibited from b2"
lab fault clear >/dev/null
listen_stop p2 >/dev/null

# ---- host firewall, --tcp: drop, reject, and a reset from the host itself (TTL 63) ----
lab fault add b2 drop tcp 2425 >/dev/null
ct a1 route --tcp $B2
is "$(v outcome)" silent_after_hop "--tcp, b2's firewall drops: silent_after_hop"
ct b1 route --tcp $B2
is "$(v outcome)" host_silent "--tcp from the same segment, b2's firewall drops: host_silent"
lab fault clear >/dev/null
lab fault add b2 reject tcp 2425 >/dev/null
ct a1 route --tcp $B2
is "$(v outcome)" host_refused "--tcp, b2's firewall rejects (port unreachable): the host refused"
lab fault clear >/dev/null
lab fault add b2 reject=tcp-reset tcp 2425 >/dev/null
ct a1 route --tcp $B2
is "$(v outcome)" host_refused "--tcp, b2's own firewall resets: the host refused (not a device on the path)"
is "$(v reply_ttl)" 63 "its RST's TTL 63 matches hop 2"
lab fault clear >/dev/null
ct b1 route --tcp $B2
is "$(v outcome)" host_refused "--tcp from the same segment, nothing listening: host_refused"
is "$(v same_segment)" true "same segment"
ct a1 route --tcp 198.18.2.99
is "$(v outcome)" host_unreachable "--tcp to a host that is down: host_unreachable"

# ---- host down, and a router that says host unreachable at once ---------------
ct a1 route 198.18.2.99
is "$(v outcome)" host_unreachable "198.18.2.99 (nobody): host_unreachable"
is "$(v device)" $RTR "the router that looked for it"
is "$(r '["verdict"]["icmp"]["key"]')" host_unreachable "ICMP host unreachable"
ct b2 route 198.18.2.99
is "$(v outcome)" host_unreachable "from the same segment: host_unreachable"
is "$(v same_segment)" true "same segment"
unlike "$(v text)" '(first|the|a) router' "no router spoken of"

# ---- nothing on the same segment answers: a host down or a firewall dropping all ----
lab fault add b2 drop udp 2425 >/dev/null
in_host b2 nft add rule inet camlab input icmp type echo-request drop 2>/dev/null || true
ct b1 route $B2
if [ "$(v target_up)" = false ]; then
	is "$(v outcome)" no_answer "same segment, b2 drops everything: no_answer"
	unlike "$(v text)" '(first|the|a) router' "no router spoken of"
else
	skip_test "same segment, everything dropped" "could not add an echo drop rule on b2"
fi
lab fault clear >/dev/null

# ---- a Windows-style peer: it answers BR_ENTRY after 2.5 s, once per packet number ----
cat >"$LAB_TMP/winpeer.py" <<'PY'
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 2425))
log, pend, seen, end = open(sys.argv[1], "a", buffering=1), [], set(), time.monotonic() + 60
print("ready", file=log)
while time.monotonic() < end:
    wait = min([p[0] for p in pend], default=time.monotonic() + 0.2) - time.monotonic()
    ready = select.select([s], [], [], max(0, wait))[0]
    now = time.monotonic()
    for p in [p for p in pend if p[0] <= now]:
        s.sendto(p[1], p[2])
        pend.remove(p)
    if not ready:
        continue
    d, a = s.recvfrom(8192)
    f = d.split(b":", 5)
    if len(f) < 6 or (f[1], f[2]) in seen:
        continue
    seen.add((f[1], f[2]))
    mode = int(f[4]) & 0xFF
    print("mode %d from %s" % (mode, a[0]), file=log)
    if mode == 1:
        pend.append((now + 2.5, b"1:%d:win:WINPC:3:Win\0\0\nVS:00010002:4:99:103" % int(time.time()), a))
PY
: >"$LAB_TMP/winpeer.log"
ip netns exec "$LAB_PREFIX-b3" "$PYTHON" "$LAB_TMP/winpeer.py" "$LAB_TMP/winpeer.log" &
winpid=$!
wait_for -t 10 grep -q ready "$LAB_TMP/winpeer.log"
ct a1 route $B3
is "$(v outcome)" app_answered "a peer that answers BR_ENTRY after 2.5 s: the application answered"
is "$(v late_answer)" true "late_answer (the BR_ENTRY at full TTL given 4.2 s)"
is "$(v target_hop)" 2 "its hop from the answer's TTL"
is "$(v program)" "IP Messenger for Windows (64-bit) 4.99r3" "the program named from VS:"
is "$(tail -n 1 "$LAB_TMP/winpeer.log")" "mode 2 from 198.18.1.11" "the last packet it got is BR_EXIT"
kill "$winpid" 2>/dev/null
wait "$winpid" 2>/dev/null

# ---- --source is honoured (raw and unprivileged) ---------------------------------
in_host a1 ip addr add 198.18.1.111/24 dev "$(in_host a1 ip -o -4 addr show | awk '/198\.18\.1\.11\//{print $2}')"
listen_bg s2 b2 udp 2425 --count 100 --timeout 60 --reply "1:1:peer:b2:3:peer"
ct a1 route --source 198.18.1.111 $B2
is "$(r '["local_address"]')" 198.18.1.111 "--source: local_address"
is "$(v outcome)" app_answered "--source: the peer answered"
in_host a1 setpriv --reuid=65534 --regid=65534 --clear-groups "$CAMTRACE" --json --source 198.18.1.111 route $B2 \
	>"$LAB_TMP/out.json" 2>/dev/null
is "$(v outcome)" app_answered "--source unprivileged: the peer answered"
got=$(listen_stop s2)
like "$got" 'from 198\.18\.1\.111 2425' "b2 got probes from 198.18.1.111"
unlike "$got" 'from 198\.18\.1\.11 ' "and none from a1's main address"

done_testing
