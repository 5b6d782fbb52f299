#!/bin/sh
# sniff-golden.sh: `camtrace sniff -r` on the golden captures must print exactly the expected text and NDJSON,
# and the facts the lab planted must be in it (names, list pages, silences, RTP loss).
# lab-*.pcap are recorded from the lab by tests/data/record-lab.sh (camtraced, iptux, a CP932 peer, a host
# firewall, a lossy router); the synthetic ones (tests/gen-pcaps.c) keep what well-behaved programs never
# send: malformed and IPDict datagrams, fragments, IPv6, ICMP refusals, reordered RTP, RTCP.
# To refresh the expected output after a deliberate change:
#   cd tests/data && for p in lab-ipmsg lab-anslist lab-rtp ipmsg-synth rtp-loss ipmsg-xfer; do
#   camtrace sniff -r $p.pcap >$p.txt; camtrace --json sniff -r $p.pcap >$p.ndjson; done
: "${top_srcdir:=.}" "${top_builddir:=.}"
CT="$top_builddir/src/camtrace/camtrace"
D="$top_srcdir/tests/data"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

for pcap in lab-ipmsg lab-anslist lab-rtp ipmsg-synth rtp-loss ipmsg-xfer; do
	(cd "$D" && "$CT" sniff -r "$pcap.pcap") >"$tmp/$pcap.txt" 2>"$tmp/err"
	t $? "sniff -r $pcap.pcap exits 0"
	diff -u "$D/$pcap.txt" "$tmp/$pcap.txt" >"$tmp/diff"; r=$?
	t $r "text output of $pcap.pcap matches $pcap.txt"
	[ $r = 0 ] || sed 's/^/# /' "$tmp/diff" | head -40
	(cd "$D" && "$CT" --json sniff -r "$pcap.pcap") >"$tmp/$pcap.ndjson" 2>"$tmp/err"
	diff -u "$D/$pcap.ndjson" "$tmp/$pcap.ndjson" >"$tmp/diff"; r=$?
	t $r "NDJSON output of $pcap.pcap matches $pcap.ndjson"
	[ $r = 0 ] || sed 's/^/# /' "$tmp/diff" | head -40
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys
for i, l in enumerate(open(sys.argv[1]), 1):
    o = json.loads(l)
    assert isinstance(o, dict) and isinstance(o.get("type"), str), "line %d" % i' "$tmp/$pcap.ndjson"
		t $? "every NDJSON line of $pcap is a JSON object with a type"
	fi
done

# without filter words, UDP 2425 frames skip libpcap's filter (ct_capture_set_fast_accept): the same
# frames as when a word that keeps everything makes the filter run on every frame
for pcap in lab-ipmsg lab-anslist lab-rtp ipmsg-synth rtp-loss ipmsg-xfer; do
	(cd "$D" && "$CT" sniff -r "$pcap.pcap" 'len >= 0') >"$tmp/$pcap.bpf" 2>"$tmp/err"
	cmp -s "$tmp/$pcap.txt" "$tmp/$pcap.bpf"
	t $? "$pcap.pcap: the same output as with the filter run on every frame"
done

# and on frames next to that case: other UDP ports, fragments, a VLAN tag, IPv6, IP options, TCP
if command -v python3 >/dev/null 2>&1; then
	python3 - "$tmp/mixed.pcap" <<'PY'
import struct, sys
def ip4(proto, sport, dport, pl, frag=0, opts=b""):
    l4 = struct.pack(">HHHH", sport, dport, 8 + len(pl), 0) + pl if proto == 17 else \
        struct.pack(">HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x02, 1024, 0, 0) + pl
    ihl = 5 + len(opts) // 4
    h = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(l4), 7, frag, 64, proto, 0,
                    bytes([198, 18, 1, 10]), bytes([198, 18, 1, 11])) + opts
    return h + l4
def eth(pl, etype=0x0800, vlan=False):
    h = b"\x02" * 6 + b"\x04" * 6
    if vlan:
        h += struct.pack(">HH", 0x8100, 5)
    return h + struct.pack(">H", etype) + pl
msg = b"1:7:u:h:1:nick\0"
v6 = struct.pack(">IHBB16s16s", 0x60000000, 8 + len(msg), 17, 64, b"\x20\x01" + b"\0" * 13 + b"\x01",
                 b"\x20\x01" + b"\0" * 13 + b"\x02") + struct.pack(">HHHH", 2425, 2425, 8 + len(msg), 0) + msg
frames = [eth(ip4(17, 2425, 2425, msg)), eth(ip4(17, 5353, 53, b"dns?")), eth(ip4(17, 2425, 2425, msg, 0x2000)),
          eth(ip4(17, 2425, 2425, b"rest", 0x0003)), eth(ip4(17, 2425, 2425, msg), vlan=True), eth(v6, 0x86DD),
          eth(ip4(17, 2425, 40000, msg)), eth(ip4(6, 40001, 2425, b"")), eth(ip4(17, 2425, 2425, msg, 0, b"\x01" * 4)),
          eth(ip4(17, 1234, 9999, b"other"))]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i, fr in enumerate(frames):
        f.write(struct.pack("<IIII", 1764000000 + i, 0, len(fr), len(fr)) + fr)
PY
	"$CT" sniff -r "$tmp/mixed.pcap" >"$tmp/mixed.txt" 2>&1
	"$CT" sniff -r "$tmp/mixed.pcap" 'len >= 0' >"$tmp/mixed.bpf" 2>&1
	cmp -s "$tmp/mixed.txt" "$tmp/mixed.bpf"
	t $? "mixed frames: the same output with and without the filter run on every frame"
	[ "$(grep -c '^[0-9]' "$tmp/mixed.txt")" = 7 ]
	t $? "7 of the 10 mixed frames pass the default filter (not UDP 53, 9999, nor the VLAN-tagged one)"
fi

# ---- what the lab planted, read from the recorded captures (holds for any re-recording) ----------
L="$tmp/lab-ipmsg.txt" J="$tmp/lab-ipmsg.ndjson"
grep -q 'BR_ENTRY|ABSENCEOPT #[0-9]* root@a1-pc "太郎"/"営業部"' "$L"; t $? "iptux's BR_ENTRY shows 太郎 / 営業部"
python3 - "$J" <<'PY'
import json, sys
seen = set()
for l in open(sys.argv[1]):
    m = json.loads(l).get("ipmsg") or {}
    if m.get("nick") == "太郎" and m.get("group") == "営業部":
        seen.add((m["user"], m["mode"], m["charset"]))
# the same names in both encodings: iptux's BR_ENTRY in UTF-8, the a2 peer's BR_ENTRY in CP932
assert ("root", "BR_ENTRY", "utf-8") in seen and ("taro", "BR_ENTRY", "cp932") in seen, seen
PY
t $? "太郎 / 営業部 decoded to UTF-8 from a UTF-8 (iptux) and a CP932 (a2) BR_ENTRY"
grep -q 'srv@srv-pc "鯖"/"営業部"' "$L"; t $? "camtraced's entry names come from its UTF-8 block (鯖 / 営業部)"
grep -Eq '198\.18\.1\.11:2425 -> 198\.18\.1\.12:2425 RECVMSG.* \[answers [0-9]+ SENDMSG in [0-9.]+ ms\]' "$L"
t $? "iptux's RECVMSG answers the a2 peer's SENDMSG, with the latency"
grep -Eq 'SENDINFO #[0-9]+ srv@srv-pc info="camtraced [^"]*" \[answers [0-9]+ GETINFO' "$L"; t $? "camtraced answers GETINFO"
grep -q '^! [0-9]* [0-9:.]* GETINFO from 198.18.1.12 to 198.18.1.11 got no answer in 2.0 s: 198.18.1.11 may not implement GETINFO (iptux ignores it)' "$L"
t $? "the GETINFO iptux ignores is flagged, naming both ends"
grep -q '^! [0-9]* [0-9:.]* BR_ENTRY from 198.18.1.12 to 198.18.2.12 got no answer in 2.0 s: a firewall on 198.18.2.12' "$L"
t $? "the BR_ENTRY b2's firewall drops is flagged"
grep -q '^! [0-9]* [0-9:.]* SENDMSG from 198.18.1.12 to 198.18.2.12 got no answer in 2.0 s (sent 3 times)' "$L"
t $? "the SENDMSG to b2, sent 3 times, is flagged once"
[ "$(grep -c 'SENDMSG|SENDCHECKOPT .*\[retransmission\]' "$L")" = 2 ]; t $? "its 2 resends are marked as retransmissions"
grep -Eq 'TCP F\. .*\[refuses [0-9]+ GETFILEDATA in [0-9.]+ ms: closed without data\]' "$L"; t $? "iptux closes a GETFILEDATA for a file it does not share"
grep -Eq 'len 3000 \[answers [0-9]+ GETFILEDATA in [0-9.]+ ms\]' "$L"; t $? "the a2 peer's file data answers GETFILEDATA"
grep -Eq '^--- [0-9]+ packets: .*unanswered requests 4$' "$L"; t $? "4 unanswered requests in all"

# lab-anslist was captured on the router, every interface: each datagram is seen twice
A="$tmp/lab-anslist.txt"
grep -q '"link_type":"LINUX_SLL2"' "$tmp/lab-anslist.ndjson"; t $? "lab-anslist.pcap is Linux cooked v2 (the router's \"any\")"
copies=$(grep -c '\[forwarded copy of [0-9]*\]$' "$A")
[ "$copies" = 13 ] && ! grep -q 'retransmission' "$A"
t $? "the 13 datagrams the router forwarded show as forwarded copies, not retransmissions ($copies)"
grep -v 'forwarded copy' "$A" >"$tmp/lab-anslist-once.txt"
A="$tmp/lab-anslist-once.txt"
awk '/^[0-9]+ .* GETLIST[A-Z0-9|]* #.* start=/ { for (i = 1; i <= NF; i++) if ($i ~ /^start=/) { split($i, a, "="); want = a[2] } }
	/^[0-9]+ .* ANSLIST[A-Z0-9|]* #/ { pages++; for (i = 1; i <= NF; i++) { if ($i ~ /^next=/) { split($i, a, "="); next_ = a[2] }
		if ($i ~ /^entries=/) { split($i, a, "="); n += a[2] } }
		if (prev != "" && want != prev) bad++; prev = next_ }
	END { printf "%d %d %s %d\n", pages, n, next_, bad }' "$A" >"$tmp/pages"
read -r pages entries last bad <"$tmp/pages"
[ "$pages" = 3 ] && [ "$entries" = 42 ] && [ "$last" = 0 ] && [ "$bad" = 0 ]
t $? "the list of 42 hosts came in 3 ANSLIST pages, each GETLIST asking for the previous next, the last next=0 ($pages pages, $entries entries, last next $last)"
[ "$(grep -c 'ANSLIST.*\[answers [0-9]* GETLIST in' "$A")" = 3 ] && [ "$(grep -c 'GETLIST.*\[answers [0-9]* ANSLIST in' "$A")" = 2 ]
t $? "every page answers a GETLIST and every further GETLIST answers a page"
grep -q 'OKGETLIST #[0-9]* srv@srv-pc \[answers [0-9]* BR_ISGETLIST2' "$A"; t $? "OKGETLIST answers the client's BR_ISGETLIST2"

R="$tmp/lab-rtp.txt"
grep -Eq '^  198\.18\.1\.11:22224 -> 198\.18\.2\.13:22224 ssrc 0x[0-9a-f]+ pt 0 \(PCMU\) 45 pkts, expected 50, lost 5 \(10\.0%\), reordered 0' "$R"
t $? "RTP a1 -> b3 after the router: 45 of 50, lost 5 (the 5 the router's nft rule dropped)"
[ "$(grep -c '^[0-9]* .* RTP pt 0' "$R")" = 90 ]; t $? "90 RTP packets: 45 each way (camtraced echoes what arrives)"

# the committed captures are exactly what the generator writes
if [ -x "$top_builddir/tests/gen-pcaps" ]; then
	mkdir "$tmp/gen" && "$top_builddir/tests/gen-pcaps" "$tmp/gen"
	for pcap in ipmsg-synth rtp-loss; do
		cmp -s "$D/$pcap.pcap" "$tmp/gen/$pcap.pcap"
		t $? "tests/gen-pcaps reproduces $pcap.pcap"
	done
fi

# -w writes what was read; -c stops; a filter expression narrows the default one
"$CT" sniff -q -r "$D/ipmsg-synth.pcap" -w "$tmp/copy.pcap" -Z root >/dev/null 2>"$tmp/err"
t $? "sniff -r -w exits 0"
"$CT" sniff -r "$tmp/copy.pcap" >"$tmp/copy.txt" 2>&1
diff -u "$D/ipmsg-synth.txt" "$tmp/copy.txt" >/dev/null
t $? "the pcap written with -w decodes like the original"
lines=$("$CT" sniff -r "$D/ipmsg-synth.pcap" -c 5 | grep -c '^[0-9]')
[ "$lines" = 5 ]; t $? "-c 5 prints 5 packets (got $lines)"
"$CT" sniff -r "$D/ipmsg-synth.pcap" host 198.18.1.12 >"$tmp/f.txt"
bad=$(grep '^[0-9]' "$tmp/f.txt" | grep -vc '198\.18\.1\.12')
total=$(grep -c '^[0-9]' "$tmp/f.txt")
[ "$bad" = 0 ] && [ "$total" -gt 3 ]; t $? "filter expression 'host 198.18.1.12' keeps only that host ($total packets, $bad others)"
"$CT" sniff -r "$D/ipmsg-synth.pcap" 'udp port and' >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q 'bad capture filter' "$tmp/err"; t $? "a bad filter expression is a usage error naming the filter"
"$CT" sniff -r "$tmp/nonexistent.pcap" >/dev/null 2>"$tmp/err"
[ $? = 66 ] && grep -q 'nonexistent.pcap' "$tmp/err"; t $? "a missing file exits 66 (EX_NOINPUT) naming it"
"$CT" sniff -r "$D/ipmsg-synth.txt" >/dev/null 2>"$tmp/err"
[ $? = 65 ]; t $? "a file that is not a capture exits 65 (EX_DATAERR)"

# ---- encryption and file transfers (ipmsg-xfer.pcap, tests/gen-pcaps.c gen_xfer) ----------------------
X="$tmp/ipmsg-xfer.txt" XJ="$tmp/ipmsg-xfer.ndjson"
jx() { python3 -c 'import json,sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(eval(sys.argv[2], {"rows": rows, "pk": {r["frame"]: r for r in rows if r["type"] == "packet"}}))' "$XJ" "$1"; }
[ "$(jx 'pk[3]["ipmsg"]["body"]')" = "{'msg_len': 1099, 'encrypted_capa': '0x40100004', 'key_bits': 2048, 'signed': 1, 'files': 1}" ]
t $? "the encrypted SENDMSG shows its capability word, key_bits 2048, signed and its file"
[ "$(jx 'pk[5]["ipmsg"]["body"]')" = "{'msg_len': 295, 'encrypted_capa': '0x00020002', 'key_bits': 1024}" ]
t $? "an unsigned RSA-1024 message: key_bits 1024, no signed"
[ "$(jx 'pk[2]["ipmsg"]["body"]["key_bits"]')" = 2048 ]; t $? "ANSPUBKEY key_bits 2048"
[ "$(jx 'pk[7]["ipmsg"]["body"].get("decrypt_err")')" = 1 ]; t $? "Windows' AutoReply(DecryptErr) is flagged decrypt_err=1"
[ "$(jx '[f for f, r in pk.items() if r.get("ipmsg") and "decrypt_err" in r["ipmsg"]["body"]]')" = "[7]" ]
t $? "nothing else is flagged decrypt_err"
grep -q '^7 [0-9:.]* 198.18.2.11:2425 -> 198.18.1.11:2425 SENDMSG|AUTORETOPT|NOLOGOPT #201 suzuki@WIN-B1 msg_len=112 decrypt_err=1 \[refuses 5 SENDMSG in 42.020 ms: could not decrypt it\]$' "$X"
t $? "text: the DecryptErr line, matched to the encrypted SENDMSG it refuses"
[ "$(jx '[(f, r["match"]["answers_frame"], r["match"]["refused"], r["match"].get("decrypt_err")) for f, r in pk.items() if r.get("match", {}).get("decrypt_err")]')" = "[(7, 5, True, True)]" ]
t $? "NDJSON: match.decrypt_err on the DecryptErr answer only, answers_frame 5"
[ "$(jx '[(r["frame"], r["request"], r["how"], r["bytes"], r["expected"], r["idle_s"], r["by_requester"], r["capture_ended"]) for r in rows if r["type"] == "stalled_transfer"]')" = "[(22, 'GETFILEDATA', 'closed', 2000, 6000, 0.0, False, False), (28, 'GETFILEDATA', 'stalled', 4344, 10000, 5.0, False, False), (35, 'GETDIRFILES', 'stalled', 1000, None, 5.0, False, False), (39, 'GETFILEDATA', 'capture_ended', 1448, 10000, 0.499, False, True)]" ]
t $? "stalled_transfer: the fetch cut by the sender's FIN (2000 of 6000 from offset 4000), the stalled one (4344 of 10000, a retransmission in the silence, 5 s), the directory (size unknown), the one short at the end; the complete one (frame 10, a segment sent twice) is not reported"
grep -q '^? 39 16:00:10.000320 unfinished transfer: GETFILEDATA from 198.18.1.12 to 198.18.1.11 over TCP got 1448 of 10000 bytes before the capture ended' "$X"
t $? "text: the transfer short at the end is marked '?'"
grep -q '^! 28 16:00:04.000320 stalled transfer: GETFILEDATA from 198.18.2.11 to 198.18.1.11 over TCP got 4344 of 10000 bytes then nothing new for 5.0 s (no FIN or RST)' "$X"
t $? "text: the stalled transfer line"
grep -q '^! 22 16:00:03.000320 cut transfer: GETFILEDATA from 198.18.1.12 to 198.18.1.11 over TCP got 2000 of 6000 bytes, then 198.18.1.11 closed the connection' "$X"
t $? "text: the cut transfer line"
grep -q '; unanswered requests 0; stalled transfers 4$' "$X"; t $? "text summary: stalled transfers 4"
[ "$(jx '[r["stalled_transfers"] for r in rows if r["type"] == "summary"]')" = "[4]" ]; t $? "NDJSON summary: stalled_transfers 4"
[ "$(grep '"type":"summary"' "$tmp/lab-ipmsg.ndjson" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stalled_transfers"])')" = 0 ]
t $? "lab-ipmsg: no stalled transfer (the GETFILEDATA iptux closes without data is a refusal, the a2 peer's fetch completes)"
(cd "$D" && "$CT" sniff -q --stall-timeout 1.5 -r ipmsg-xfer.pcap) | grep -c '^! 28 16:00:04.000320 stalled transfer: .* got 4344 of 10000 bytes then nothing new for 1.5 s ' | grep -qx 1
t $? "--stall-timeout 1.5: the stall is reported after 1.5 s"
[ "$(head -n 1 "$XJ" | python3 -c 'import json,sys; print(json.load(sys.stdin)["stall_timeout_s"])')" = 5.0 ]; t $? "the start record says stall_timeout_s 5.0"
echo "1..$n"
