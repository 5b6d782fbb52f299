#!/usr/bin/env bash
# demo.sh: `make demo`: shows the two-site lab, broadcast scope, routing, packet decoding and a fault (run as root).
set -u -o pipefail

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CAMLAB=$top_srcdir/contrib/lab/camlab
LABNET=$top_srcdir/contrib/lab/labnet
CAMTRACE=$top_builddir/src/camtrace/camtrace
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
export CAMLAB_PREFIX=${DEMO_PREFIX:-demo} CAMLAB_QUIET=1

if [ -t 1 ]; then B=$(printf '\033[1m') G=$(printf '\033[32m') R=$(printf '\033[31m') N=$(printf '\033[0m')
else B= G= R= N=; fi
step=0
heading() { step=$((step + 1)); printf '\n%s== %d. %s ==%s\n' "$B" "$step" "$*" "$N"; }
say() { printf '%s\n' "$*"; }
show() { printf '%s$ %s%s\n' "$B" "$*" "$N"; "$@"; }
good() { printf '  %s[ok]%s %s\n' "$G" "$N" "$*"; }
bad() { printf '  %s[!!]%s %s\n' "$R" "$N" "$*"; failures=$((failures + 1)); }
failures=0

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it builds network namespaces); run: sudo make demo" >&2
	exit 77
fi
for t in ip:iproute2 nft:nftables ping:iputils-ping; do
	command -v "${t%%:*}" >/dev/null 2>&1 ||
		{ echo "demo: '${t%%:*}' not found; install the Debian package ${t#*:} (or run contrib/install-deps)" >&2; exit 1; }
done
"$PYTHON" -c 'import socket' 2>/dev/null ||
	{ echo "demo: python3 not found; install the Debian package python3-minimal (or run contrib/install-deps)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/camtrace-demo.XXXXXX") || exit 1
cleanup() {
	trap - EXIT INT TERM
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	"$CAMLAB" down >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

camlab() { "$CAMLAB" "$@"; }
# listen NAME HOST PORT: background UDP listener (labnet), wait until it is bound
listen() {
	camlab exec "$2" "$PYTHON" "$LABNET" listen udp "$3" --timeout 1 >"$tmp/$1" 2>&1 &
	local i
	for i in $(seq 50); do grep -q '^ready$' "$tmp/$1" && return 0; sleep 0.1; done
	return 1
}
received() { wait; grep '^from ' "$tmp/$1"; }

# An IP Messenger BR_ENTRY (spec §3): version:packet-no:user:host:command:nick\0group\0
# command 0x00000101 = 257 = BR_ENTRY | ABSENCEOPT, the way iptux announces itself
br_entry=$'1:1001:alice:a1-pc:257:Alice\x00Sales\x00'

heading "The virtual two-site network (network namespaces on this machine only)"
say "Site A (198.18.1.0/24): srv, a1, a2 on one bridge; site B (198.18.2.0/24): b1, b2, b3."
say "The router rtr forwards unicast between the sites and, like a real router, no broadcast."
show camlab up || { echo "demo: the lab did not come up" >&2; exit 1; }
show camlab status

heading "Broadcast stays inside its site"
say "a1 broadcasts an IP Messenger BR_ENTRY to 198.18.1.255:2425 (how a client announces itself)."
listen a2 a2 2425 && listen srv srv 2425 && listen b1 b1 2425
camlab exec a1 "$PYTHON" "$LABNET" send udp 198.18.1.255 2425 --broadcast --data "$br_entry" >/dev/null
wait
declare -A got
for h in a2 srv b1; do grep -q '^from ' "$tmp/$h" && got[$h]=yes || got[$h]=no; done
[ "${got[a2]}" = yes ] && good "a2 (site A) heard it" || bad "a2 did not hear it"
[ "${got[srv]}" = yes ] && good "srv (site A) heard it" || bad "srv did not hear it"
[ "${got[b1]}" = no ] && good "b1 (site B) did not: the router keeps broadcasts in their site" || bad "b1 heard a broadcast from the other site"
say "This is the whole problem camtrace exists for: users behind a router never see each other's"
say "BR_ENTRY, so their member lists stay empty unless something relays presence across sites."

heading "Unicast crosses the router"
listen b1 b1 2425
camlab exec a1 "$PYTHON" "$LABNET" send udp 198.18.2.11 2425 --data "$br_entry" >/dev/null
line=$(received b1)
if [ -n "$line" ]; then
	good "a1 -> b1 (UDP 2425, unicast) arrived: ${line%% len*}"
	case $line in *"ttl 63"*) good "TTL 63: one router hop (sent with 64)" ;; *) bad "unexpected TTL: $line" ;; esac
else
	bad "a1 -> b1 unicast did not arrive"
fi
for a in 198.18.2.11 2001:2:0:2::11; do
	printf '%s$ camlab exec a1 ping -n -c1 %s%s\n' "$B" "$a" "$N"
	camlab exec a1 ping -n -c1 -W2 "$a" | grep 'bytes from' || bad "no answer from $a"
done

heading "Decoding IP Messenger packets"
if [ -x "$CAMTRACE" ] && "$CAMTRACE" help decode >/dev/null 2>&1; then
	# C-escaped text (\0 = NUL): bash strings cannot hold NUL bytes, camtrace decode reads escapes.
	samples=(
		'1:1001:alice:a1-pc:257:Alice\0Sales\0'
		'1_iptux 0.8.3:1:bob:b1-pc:257:Bob\0Support\0icon\0utf-8\0'
		'1:1002:alice:a1-pc:288:hello from site A\0'
		'1:1003:srv:SRVPC:19:    0\a    1\abob\aPC-B\a18874368\a198.18.2.11\a30985\a\b\a\b\a\0'
	)
	for s in "${samples[@]}"; do
		printf '%s\n' "$s"
		"$CAMTRACE" decode "$s" 2>&1 | sed 's/^/    /'
	done
else
	say "(camtrace decode is not in this build yet; this step will show decoded packets once it is)"
fi

heading "A fault: the router drops UDP 2425 from site A to site B"
show camlab fault add router drop udp 2425 a2b
show camlab fault list
listen b1 b1 2425
camlab exec a1 "$PYTHON" "$LABNET" send udp 198.18.2.11 2425 --data "$br_entry" >/dev/null
[ -z "$(received b1)" ] && good "a1 -> b1 UDP 2425 is now lost" || bad "a1 -> b1 still arrived"
listen a1 a1 2425
camlab exec b1 "$PYTHON" "$LABNET" send udp 198.18.1.11 2425 --data "$br_entry" >/dev/null
[ -n "$(received a1)" ] && good "b1 -> a1 still arrives: the fault is one-way, as in real firewalls" || bad "b1 -> a1 was lost"
camlab exec a1 "$PYTHON" "$LABNET" send tcp 198.18.2.11 2425 --wait 1 >"$tmp/tcp" 2>&1
case $(cat "$tmp/tcp") in
reset) good "TCP 2425 a1 -> b1 is not blocked (b1 has no listener, so it answers with a reset)" ;;
*) bad "TCP 2425 a1 -> b1: $(cat "$tmp/tcp")" ;;
esac
show camlab fault list

heading "Cleaning up"
show camlab down
ip netns list | grep -q "^$CAMLAB_PREFIX-" && bad "namespaces left behind" || good "no namespace left behind"
trap - EXIT
rm -rf "$tmp"
echo
if [ $failures = 0 ]; then
	printf '%sdemo finished: every check above behaved as expected%s\n' "$B" "$N"
else
	printf '%sdemo finished with %d unexpected result(s)%s\n' "$R" "$failures" "$N"
	exit 1
fi
