#!/usr/bin/env bash
# demo.sh: `make demo`: real IP Messenger peers on the two-site lab, what crosses the router, decoded traffic, faults found by camtrace doctor (root).
set -u -o pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMLAB=$top_srcdir/contrib/lab/camlab
LABNET=$top_srcdir/contrib/lab/labnet
CAMTRACE=$top_builddir/src/camtrace/camtrace
CAMTRACED=$top_builddir/src/camtraced/camtraced
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
export CAMLAB_PREFIX=${DEMO_PREFIX:-demo} CAMLAB_QUIET=1

if [ -t 1 ]; then B=$(printf '\033[1m') G=$(printf '\033[32m') R=$(printf '\033[31m') N=$(printf '\033[0m')
else B='' G='' R='' N=''; fi
step=0
failures=0
heading() { step=$((step + 1)); printf '\n%s== %d. %s ==%s\n' "$B" "$step" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
cmdline() { printf '%s$ %s%s\n' "$B" "$*" "$N"; }
show() { cmdline "$*"; "$@"; }
good() { printf '  %s[ok]%s %s\n' "$G" "$N" "$*"; }
bad() { printf '  %s[!!]%s %s\n' "$R" "$N" "$*"; failures=$((failures + 1)); }
indent() { sed "s/^/    /"; }

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it builds network namespaces); run: sudo make demo" >&2
	exit 77
fi
for t in ip:iproute2 nft:nftables ping:iputils-ping tcpdump:tcpdump; do
	command -v "${t%%:*}" >/dev/null 2>&1 ||
		{ echo "demo: '${t%%:*}' not found; install the Debian package ${t#*:} (or run contrib/install-deps)" >&2; exit 1; }
done
"$PYTHON" -c 'import socket' 2>/dev/null ||
	{ echo "demo: python3 not found; install the Debian package python3 (or run contrib/install-deps)" >&2; exit 1; }
have_iptux=1
for t in iptux Xvfb dbus-run-session gdbus; do command -v "$t" >/dev/null 2>&1 || have_iptux=0; done
have_sniff=0
[ -x "$CAMTRACE" ] && "$CAMTRACE" help sniff >/dev/null 2>&1 && have_sniff=1

daemons=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/camtrace-demo.XXXXXX") || exit 1
cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
	"$CAMLAB" down >/dev/null 2>&1 # kills listeners, captures and iptux peers inside the lab
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

camlab() { "$CAMLAB" "$@"; }
labnet() { local h=$1; shift; ip netns exec "$CAMLAB_PREFIX-$h" "$PYTHON" "$LABNET" "$@"; }

# listen NAME HOST PORT: background UDP listener (labnet) for one datagram, bound when it returns
declare -A lpid
listen() {
	ip netns exec "$CAMLAB_PREFIX-$2" "$PYTHON" "$LABNET" listen udp "$3" --timeout 30 >"$tmp/$1" 2>&1 &
	lpid[$1]=$!
	for _ in $(seq 50); do grep -q '^ready$' "$tmp/$1" && return 0; sleep 0.1; done
	return 1
}
# heard NAME: give the listener 2 s from now for its datagram, then print what it got
heard() {
	local p=${lpid[$1]:-}
	if [ -n "$p" ]; then
		for _ in $(seq 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	fi
	grep -s '^from ' "$tmp/$1"
}

# capture NAME HOST: tcpdump of UDP 2425 on HOST's eth0 into $tmp/NAME.pcap; endcap NAME stops it
declare -A cpid
capture() {
	ip netns exec "$CAMLAB_PREFIX-$2" tcpdump -i eth0 --immediate-mode -U -n -w "$tmp/$1.pcap" udp port 2425 2>"$tmp/$1.err" &
	cpid[$1]=$!
	for _ in $(seq 50); do grep -q 'listening on' "$tmp/$1.err" && return 0; sleep 0.1; done
	return 1
}
endcap() { sleep 0.2; kill -INT "${cpid[$1]}" 2>/dev/null; wait "${cpid[$1]}" 2>/dev/null; }
# decode NAME: the capture as camtrace decodes it (tcpdump's one-line view without camtrace sniff)
decode() {
	if [ $have_sniff = 1 ]; then
		cmdline "camtrace sniff -r $1.pcap"
		timeout 20 "$CAMTRACE" sniff -r "$tmp/$1.pcap" 2>&1 | sed -n '/^---/q;p' | indent
	else
		cmdline "tcpdump -r $1.pcap  (camtrace sniff is not in this build)"
		tcpdump -n -r "$tmp/$1.pcap" 2>/dev/null | indent
	fi
}

# A BR_ENTRY as a list server would send it (spec §3: version:packet-no:user:host:command:nick\0group\0)
relay_entry='1:4242:camtraced:srv:257:camtraced\0list server\0'

heading "The virtual two-site network (network namespaces on this machine only)"
say "Site A (198.18.1.0/24): srv, a1, a2 on one bridge; site B (198.18.2.0/24): b1, b2, b3 on another."
say "The router rtr forwards unicast between the sites and, like every real router, no broadcast."
say "All addresses are from the RFC 2544 benchmarking range: nothing here touches a real network."
show camlab up || { echo "demo: the lab did not come up" >&2; exit 1; }
show camlab status

heading "Real IP Messenger clients at both sites"
if [ $have_iptux = 1 ]; then
	say "Three iptux 0.8.3 clients start, each announcing itself with a broadcast BR_ENTRY."
	capture siteA a2 && capture siteB b2
	show camlab iptux start a1 --nick 太郎 --group 営業部 &&
		show camlab iptux start a2 --nick 花子 --group 営業部 &&
		show camlab iptux start b1 --nick Bob --group Support || bad "iptux did not start"
	sleep 1
	endcap siteA
	endcap siteB
	say "What a2 saw in site A:"
	decode siteA
	say "What b2 saw in site B:"
	decode siteB
	tcpdump -n -r "$tmp/siteA.pcap" 2>/dev/null | grep -q '198.18.1.11.2425 > 198.18.1.12.2425' &&
		good "a1 answered a2's BR_ENTRY directly (ANSENTRY): 太郎 and 花子 see each other" ||
		bad "a1 did not answer a2"
	tcpdump -n -r "$tmp/siteA.pcap" 2>/dev/null | grep -q '198.18.2.11' &&
		bad "b1's traffic reached site A" || good "site A never heard b1: 太郎 and 花子 do not know Bob exists"
	tcpdump -n -r "$tmp/siteB.pcap" 2>/dev/null | grep -q '198.18.1.1[12]' &&
		bad "site A's traffic reached site B" || good "site B never heard a1 or a2: Bob's member list stays empty"
else
	say "(iptux, xvfb, dbus-bin or libglib2.0-bin is missing: contrib/install-deps installs them; skipping)"
fi

heading "Broadcast stays inside its site; unicast crosses the router"
say "(labnet, a plain UDP sender and listener, on port 2426 beside the iptux clients)"
listen srv srv 2426
listen b3 b3 2426
labnet a1 send udp 198.18.1.255 2426 --broadcast --data "$relay_entry" >/dev/null
[ -n "$(heard srv)" ] && good "a1's broadcast to 198.18.1.255 reached srv" || bad "srv did not hear a1's broadcast"
[ -z "$(heard b3)" ] && good "it did not reach b3 in site B" || bad "b3 heard a broadcast from site A"
listen b3 b3 2426
labnet a1 send udp 198.18.2.13 2426 --data "$relay_entry" >/dev/null
line=$(heard b3)
case $line in
*"ttl 63"*) good "a1 -> b3 unicast arrived with TTL 63: one router hop" ;;
"") bad "a1 -> b3 unicast did not arrive" ;;
*) bad "unexpected arrival: $line" ;;
esac
for a in 198.18.2.11 2001:2:0:2::11; do
	cmdline "camlab exec a1 ping -c1 $a"
	camlab exec a1 ping -n -c1 -W2 "$a" | grep 'bytes from' | indent || bad "no answer from $a"
done

heading "What a list server does: unicast across the router"
say "A list server in site A (srv) can reach Bob by unicast: a BR_ENTRY sent straight to b1."
[ $have_iptux = 1 ] && capture relay srv
cmdline "labnet send udp 198.18.2.11 2425 --sport 2425 (from srv): $relay_entry"
out=$(labnet srv send udp 198.18.2.11 2425 --sport 2425 --wait 2 --data "$relay_entry")
printf '%s\n' "$out" | indent
if [ $have_iptux = 1 ]; then
	case $out in
	*":259:Bob"*) good "Bob's iptux answered with ANSENTRY (259) across the router" ;;
	*) bad "no ANSENTRY from b1" ;;
	esac
	endcap relay
	decode relay
fi

heading "Decoding IP Messenger packets"
if [ -x "$CAMTRACE" ] && "$CAMTRACE" help decode >/dev/null 2>&1; then
	say "camtrace decode reads one packet (C escapes: \\0 = NUL, \\a = BEL, \\b = BS):"
	samples=(
		'1:1001:alice:a1-pc:257:Alice\0Sales\0'
		'1_iptux 0.8.3:1:bob:b1-pc:257:Bob\0Support\0icon\0utf-8\0'
		'1:1002:alice:a1-pc:288:hello from site A\0'
		'1:1003:srv:SRVPC:19:    0\a    1\abob\aPC-B\a18874368\a198.18.2.11\a30985\a\b\a\b\a\0'
	)
	for s in "${samples[@]}"; do
		cmdline "camtrace decode '$s'"
		timeout 10 "$CAMTRACE" decode "$s" 2>&1 | indent
	done
else
	say "(camtrace decode is not in this build)"
fi

heading "A fault: the router drops UDP 2425 from site B to site A"
cmdline "camlab fault add router drop udp 2425 b2a"
id=$(camlab fault add router drop udp 2425 b2a) && say "fault $id added" || bad "fault add failed"
show camlab fault list
[ $have_iptux = 1 ] && capture fault srv
cmdline "labnet send udp 198.18.2.11 2425 --sport 2425 (from srv, again)"
out=$(labnet srv send udp 198.18.2.11 2425 --sport 2425 --wait 2 --data "$relay_entry")
printf '%s\n' "$out" | indent
case $out in
sent) good "no answer came back" ;;
*) bad "an answer came back through the fault: $out" ;;
esac
if [ $have_iptux = 1 ]; then
	if camlab iptux log b1 | grep -q 'received udp message from 198.18.1.10:2425'; then
		good "yet b1's iptux log shows the BR_ENTRY arrived: only the way back (b2a) is blocked"
	else
		bad "b1 did not receive the BR_ENTRY"
	fi
	endcap fault
	say "camtrace sniff on srv flags the unanswered request and names the likely cause:"
	decode fault
fi
show camlab fault list
show camlab fault clear

# ---- the same kind of trouble, found by camtrace doctor --------------------------------
sub() { printf '\n%s-- %s --%s\n' "$B" "$*" "$N"; }
# ctd NAME HOST CONF-LINES...: camtraced in HOST's namespace (foreground, own files in $tmp/ctd/NAME)
ctd() {
	local name=$1 h=$2 d=$tmp/ctd/$1
	shift 2
	mkdir -p "$d"
	printf '%s\n' "state_file = $d/state.json" "pidfile = $d/pid" "ctl_socket = $d/ctl.sock" "user = root" \
		"$@" >"$d/conf"
	ip netns exec "$CAMLAB_PREFIX-$h" "$CAMTRACED" -f -c "$d/conf" >>"$d/log" 2>&1 &
	daemons+=($!)
	for _ in $(seq 100); do [ -S "$d/ctl.sock" ] && return 0; sleep 0.1; done
	bad "camtraced $name on $h did not start: $(tail -n 3 "$d/log")"
	return 1
}
# doctor ARGS...: camtrace doctor run from a1 (site A), with the server's control socket
doctor() {
	cmdline "camlab exec a1 camtrace doctor $*"
	ip netns exec "$CAMLAB_PREFIX-a1" "$CAMTRACE" --ctl "$tmp/ctd/srv/ctl.sock" doctor "$@"
}
if [ -x "$CAMTRACED" ] && "$CAMTRACE" help doctor >/dev/null 2>&1; then
	sub "camtraced serves site A and notifies site B"
	say "The list server camtraced runs on srv with 'notify = 198.18.2.*': it tells site B it"
	say "exists, so site-B users answer and join its list although broadcasts never cross the router."
	if [ $have_iptux = 1 ]; then
		say "Site B: Bob's iptux on b1, and camtraced client nodes for dan (b2) and erin (b3)."
		camlab iptux stop a1 >/dev/null 2>&1 # a1 is where we run camtrace doctor (it needs UDP 2425)
		nb=3
	else
		ctd carol b1 "user_name = carol" "nick = Carol"
		nb=3
	fi
	# erin's camtraced is a client of the server and answers doctor's cooperative check (coop = yes)
	ctd dan b2 "user_name = dan" "nick = Dan" &&
		ctd erin b3 "user_name = erin" "nick = Erin" "server = 198.18.1.10" "rtp_echo = yes" "coop = yes" &&
		ctd srv srv "user_name = srv" "nick = CAMServer" "notify = 198.18.2.*" "notify_rate = 1000" \
			"allow = 198.18.1.0/24, 198.18.2.0/24"
	for _ in $(seq 150); do
		[ "$("$CAMTRACE" --ctl "$tmp/ctd/srv/ctl.sock" users 2>/dev/null | grep -cE ' 198\.18\.2\..* (online|absent) ')" -ge $nb ] && break
		sleep 0.1
	done
	cmdline "camtrace users"
	"$CAMTRACE" --ctl "$tmp/ctd/srv/ctl.sock" users | indent

	sub "Fault: a firewall on dan's PC (b2) drops IP Messenger"
	say "Dan keeps dropping out of the member list. The cause, planted:"
	show camlab fault add b2 drop udp 2425 >/dev/null
	say "The troubleshooting flow, from a1, naming dan as the unstable user:"
	doctor --user dan
	rc=$?
	[ $rc = 1 ] && good "doctor found it (exit 1): only b2 fails, so it is b2's own firewall" ||
		bad "doctor exit status $rc (expected 1)"
	camlab fault clear >/dev/null

	sub "Fault: the router rejects TCP 2425 (messages work, file transfer does not)"
	show camlab fault add router reject=admin-prohibited tcp 2425 >/dev/null
	out=$(doctor --user erin)
	printf '%s\n' "$out" | sed -n '1p;/^Verdict/,$p'
	case $out in
	*"Verdict: tcp_blocked"*) good "doctor names the router and ICMP 3/13" ;;
	*) bad "doctor did not find the TCP block" ;;
	esac
	camlab fault clear >/dev/null

	sub "Fault: the router drops UDP 2425 between the server and erin's PC only"
	say "a1 still reaches both, so only the user <-> server checks of step 4 can see it: erin's"
	say "camtraced (coop = yes) asks the server from its UDP 2425, and the server's camtraced asks"
	say "erin (control method probe)."
	cmdline "camlab exec rtr nft add rule ... ip saddr 198.18.2.13 ip daddr 198.18.1.10 udp dport 2425 drop (and back)"
	ip netns exec "$CAMLAB_PREFIX-rtr" nft -f - <<'EOF'
table inet demo {
	chain pair {
		type filter hook forward priority -10; policy accept;
		ip saddr 198.18.2.13 ip daddr 198.18.1.10 udp dport 2425 drop
		ip saddr 198.18.1.10 ip daddr 198.18.2.13 udp dport 2425 drop
	}
}
EOF
	out=$(doctor --user erin)
	printf '%s\n' "$out" | sed -n '1p;/^4\./,/=>/p;/^Verdict/,$p'
	case $out in
	*"Verdict: user_server_path"*) good "doctor names the erin <-> server path, a1 itself being fine" ;;
	*) bad "doctor did not find the user <-> server fault" ;;
	esac
	ip netns exec "$CAMLAB_PREFIX-rtr" nft delete table inet demo

	sub "Faults removed: the same check says healthy"
	out=$(doctor --user dan --user erin)
	st=$?
	printf '%s\n' "$out" | sed -n '1p;/^Verdict/,$p'
	[ $st = 0 ] && good "healthy (exit 0)" || bad "doctor did not say healthy (exit $st)"
	for p in "${daemons[@]}"; do kill "$p" 2>/dev/null; done
	wait "${daemons[@]}" 2>/dev/null
	daemons=()
else
	say "(camtraced or camtrace doctor is not in this build: no doctor demonstration)"
fi

heading "Cleaning up"
show camlab down
if ip netns list | grep -q "^$CAMLAB_PREFIX-"; then bad "namespaces left behind"; else good "no namespace, process or file left behind"; fi
trap - EXIT
rm -rf "$tmp"
echo
if [ $failures = 0 ]; then
	printf '%sdemo finished: everything behaved as expected%s\n' "$B" "$N"
else
	printf '%sdemo finished with %d unexpected result(s)%s\n' "$R" "$failures" "$N"
	exit 1
fi
