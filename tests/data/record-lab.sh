#!/usr/bin/env bash
# record-lab.sh: records the golden captures lab-*.pcap from the lab (maintainer script, root; not run by make check).
#
#   sudo top_builddir=BUILD tests/data/record-lab.sh [OUTDIR]     (default OUTDIR: tests/data)
#
# Builds a fresh lab (contrib/lab/camlab through tests/net/lib.sh), runs real programs in it and
# captures with tcpdump on the site bridges (promiscuous br0 in <prefix>-swa / -swb, so every frame
# of the site is seen once) or on the router:
#   lab-ipmsg.pcap    site A: camtraced (server on srv, nick 鯖), iptux 0.8.3 on a1 as 太郎/営業部 (UTF-8 in
#                     its BR_ENTRY, CP932 in its answers to CP932 peers),
#                     a scripted Windows-style peer on a2 as 太郎/営業部 in CP932 (record-peer.py):
#                     BR_ENTRY/ANSENTRY, SENDMSG/RECVMSG, GETINFO answered by camtraced and ignored by
#                     iptux, BR_ENTRY and SENDMSG to b2 whose host firewall drops UDP 2425 (no answer),
#                     GETFILEDATA over TCP to iptux (unknown file: closed) and to a2 (served), iptux's BR_EXIT
#   lab-anslist.pcap  the router, all interfaces (SLL2): camtraced client on b1 fetches srv's list of 42 hosts
#                     in ANSLIST pages of at most 1,024 bytes (list_budget), then exits (BR_EXIT); each
#                     datagram appears twice (in on one side, forwarded out of the other)
#   lab-rtp.pcap      site B: camtrace rtp from a1 to camtraced's RTP echo on b3, 50 packets on 22224;
#                     the router drops every 10th of them (nft numgen inc mod 10 == 5: sequence numbers 5, 15, 25, 35, 45)
# Then writes the expected sniff output next to each (.txt and .ndjson) and the fuzz seeds
# (tests/fuzz/corpus-decode/lab-*). Read the expected output before committing it (HACKING).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
out=${1:-$top_srcdir/tests/data}
. "$top_srcdir/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || bail_out "build camtraced first ($CAMTRACED)"
[ -x "$CAMTRACE" ] || bail_out "build camtrace first ($CAMTRACE)"
need_cmd tcpdump tcpdump
need_cmd iptux iptux
need_cmd Xvfb xvfb
# peer HOST ARGS...: record-peer.py in HOST's namespace
peer() { in_host "$1" "$PYTHON" "$top_srcdir/tests/data/record-peer.py" "${@:2}"; }
mkdir -p "$out" || bail_out "cannot create $out"
out=$(cd "$out" && pwd)

# cap_start NAME NAMESPACE FILTER [tcpdump interface options] / cap_stop NAME: tcpdump in NAMESPACE (default
# interface br0, the site bridge) into $LAB_TMP/NAME.pcap
declare -A _cap
cap_start() {
	local name=$1 ns=$2 filter=$3
	shift 3
	[ $# -gt 0 ] || set -- -i br0
	in_host "$ns" tcpdump "$@" --immediate-mode -U -n -s 0 -Z root -w "$LAB_TMP/$name.pcap" "$filter" \
		>"$LAB_TMP/$name.tcpdump" 2>&1 &
	_cap[$name]=$!
	wait_for -t 5 grep -qs "listening on" "$LAB_TMP/$name.tcpdump" || bail_out "tcpdump: $(cat "$LAB_TMP/$name.tcpdump")"
}
cap_stop() {
	sleep 1 # tcpdump loses what it has not read when killed: let it drain
	kill -0 "${_cap[$1]}" 2>/dev/null || diag "tcpdump $1 died: $(cat "$LAB_TMP/$1.tcpdump")"
	kill "${_cap[$1]}"
	wait "${_cap[$1]}" 2>/dev/null
	cp "$LAB_TMP/$1.pcap" "$out/$1.pcap"
	diag "$1.pcap: $(wc -c <"$out/$1.pcap") bytes"
}

lab_up
SRV=$(addr srv) A1=$(addr a1) A2=$(addr a2) B2=$(addr b2) B3=$(addr b3)

# ---- lab-ipmsg: names in both encodings, requests answered and not ----------------------------
lab fault add b2 drop udp 2425 in >/dev/null
cap_start lab-ipmsg swa 'port 2425 or icmp'
# iptux's own BR_ENTRY carries UTF-8 names; answering a CP932 peer it sends CP932 (candidacy_encode cp932)
run_ok "iptux starts on a1 as 太郎 / 営業部" lab iptux start a1 --nick 太郎 --group 営業部 --hostname a1-pc
ctd_start srv srv "user_name = srv" "host_name = srv-pc" "nick = 鯖" "group = 営業部" \
	"allow = 198.18.0.0/15" "list_budget = 1024"
sleep 1.5
peer a2 serve 3000 >"$LAB_TMP/serve.out" 2>&1 &
serve=$!
wait_for -t 5 grep -q listening "$LAB_TMP/serve.out" || bail_out "record-peer serve did not start"
run_ok "the a2 peer talks to srv, iptux and the firewalled b2" peer a2 udp taro a2-pc 太郎 営業部 \
	entry 198.18.1.255 msg "$A1" こんにちは 3 info "$SRV" info "$A1" dialup "$B2" msg "$B2" 届きますか 3
run_ok "GETFILEDATA to iptux (it shares nothing: closed)" peer a2 getfile taro a2-pc "$A1" 1
run_ok "GETFILEDATA from b3 to the a2 peer (served)" peer b3 getfile hanako b3-pc "$A2" 2
wait "$serve"
run_ok "iptux quits (BR_EXIT to its peers)" lab iptux stop a1
run_ok "the a2 peer leaves after the silences ran out (BR_EXIT)" peer a2 udp taro a2-pc 太郎 営業部 \
	sleep 2.5 exit 198.18.1.255
cap_stop lab-ipmsg

# ---- lab-anslist: a list of several pages ------------------------------------------------------
run_ok "40 users announce themselves to srv" in_host a1 "$PYTHON" "$top_srcdir/tests/net/anslist-check.py" \
	flood "$SRV" 40 30000
ok 'wait_for -t 20 st_ge srv "r[\"hosts\"][\"online\"]" 40' "srv has 40 hosts online"
sleep 1.5 # its ANSENTRY answers come after a random delay of up to 1 s (spec §10.4)
# on the router, every interface, Linux cooked v2 framing: each datagram is seen arriving and leaving
cap_start lab-anslist rtr 'port 2425 or icmp or (ip[6:2] & 0x1fff) != 0' -i any -y LINUX_SLL2
ctd_start cli b1 "server = $SRV" "user_name = cli" "host_name = b1-pc" "nick = 花子"
ok 'wait_for -t 30 st_ge cli "r[\"fetch\"][\"ok\"]" 1' "the client's fetch completes"
ctd_stop cli
cap_stop lab-anslist
ctd_stop srv

# ---- lab-rtp: RTP through a router that drops every 10th packet towards site B ----------------
ctd_start echo b3 "user_name = echo" "rtp_echo = yes" "rtp_ports = 22224-22227"
in_host rtr nft -f - <<'EOF' || bail_out "cannot plant the RTP loss"
table inet ctrec {
	chain forward {
		type filter hook forward priority -10; policy accept;
		iifname "eth0" udp dport 22224 numgen inc mod 10 == 5 counter drop
	}
}
EOF
cap_start lab-rtp swb 'udp portrange 22224-22227'
in_host a1 "$CAMTRACE" rtp --ports 22224-22224 -c 50 "$B3" >"$LAB_TMP/rtp.out" 2>&1
diag "$(cat "$LAB_TMP/rtp.out")"
cap_stop lab-rtp
dropped=$(in_host rtr nft list table inet ctrec | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
is "$dropped" 5 "the router dropped 5 RTP packets"
ctd_stop echo

# ---- expected output and fuzz seeds ------------------------------------------------------------
for p in lab-ipmsg lab-anslist lab-rtp; do
	(cd "$out" && "$CAMTRACE" sniff -r "$p.pcap" >"$p.txt" && "$CAMTRACE" --json sniff -r "$p.pcap" >"$p.ndjson")
	run_ok "expected output of $p written" test -s "$out/$p.txt"
done
if [ -x "$top_builddir/tests/gen-pcaps" ] && [ "$out" = "$top_srcdir/tests/data" ]; then
	rm -f "$top_srcdir"/tests/fuzz/corpus-decode/lab-*
	run_ok "fuzz seeds from the recorded captures" "$top_builddir/tests/gen-pcaps" --seeds \
		"$top_srcdir/tests/fuzz/corpus-decode" "$out/lab-ipmsg.pcap" "$out/lab-anslist.pcap" "$out/lab-rtp.pcap"
fi
done_testing
