#!/bin/sh
# sniff-tshark.sh: contrib/wireshark/ipmsg.lua under tshark decodes the golden captures like camtrace sniff
# (same frames, command names, packet numbers, users, hosts, nicks and groups in UTF-8, CP932 included),
# the recorded lab captures included.
# Wireshark also dissects the datagram an ICMP error quotes; sniff shows such a frame as ICMP, so
# frames carrying ICMP are left out of the comparison. Skips without tshark or python3.
: "${top_srcdir:=.}" "${top_builddir:=.}"
CT="$top_builddir/src/camtrace/camtrace"
LUA="$top_srcdir/contrib/wireshark/ipmsg.lua"
D="$top_srcdir/tests/data"
command -v tshark >/dev/null 2>&1 || { echo "1..0 # SKIP tshark not installed (Debian package tshark)"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "1..0 # SKIP python3 not installed"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

for pcap in lab-ipmsg lab-anslist ipmsg-synth ipmsg-xfer; do
	HOME=$tmp tshark -n -X lua_script:"$LUA" -r "$D/$pcap.pcap" -Y 'ipmsg.command_name && !icmp' -T fields \
		-E separator=/t -e frame.number -e ipmsg.command_name -e ipmsg.packetno -e ipmsg.user -e ipmsg.host \
		-e ipmsg.nick -e ipmsg.group >"$tmp/tshark.txt" 2>"$tmp/tshark.err"
	t $? "tshark with ipmsg.lua reads $pcap.pcap"
	"$CT" --json sniff -r "$D/$pcap.pcap" >"$tmp/ct.ndjson"
	python3 - "$tmp/ct.ndjson" >"$tmp/ct.txt" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    m = o.get("ipmsg")
    if o.get("type") == "packet" and m and m.get("valid") and m["mode"] != "unknown":
        print("\t".join([str(o["frame"]), m["mode"], str(m["packetno"]), m["user"], m["host"],
                         m.get("nick") or "", m.get("group") or ""]))
PY
	lines=$(wc -l <"$tmp/ct.txt")
	[ "$lines" -gt 1 ]; t $? "camtrace decodes IPMsg packets in $pcap.pcap ($lines)"
	grep -v '^$' "$tmp/tshark.txt" | grep -v '	0x' >"$tmp/tshark-known.txt"
	diff -u "$tmp/ct.txt" "$tmp/tshark-known.txt" >"$tmp/diff"; r=$?
	t $r "the Lua dissector finds the same frames, commands, packet numbers, users, hosts, nicks and groups in $pcap.pcap"
	[ $r = 0 ] || sed 's/^/# /' "$tmp/diff" | head -30
done
# a2's BR_ENTRY carries 太郎 / 営業部 in CP932 only (no UTF-8 block): decoded through ipmsg-cp932.lua
HOME=$tmp tshark -n -X lua_script:"$LUA" -r "$D/lab-ipmsg.pcap" -Y 'ipmsg.user == "taro" && ipmsg.mode == 1' \
	-T fields -E separator=, -e ipmsg.nick -e ipmsg.group 2>/dev/null | sort -u >"$tmp/cp932.txt"
[ "$(cat "$tmp/cp932.txt")" = "太郎,営業部" ]; t $? "CP932 names are decoded by the dissector ($(cat "$tmp/cp932.txt"))"
HOME=$tmp tshark -n -X lua_script:"$LUA" -r "$D/ipmsg-synth.pcap" -Y 'ipmsg.malformed' -T fields -e frame.number \
	2>/dev/null | tr '\n' ' ' >"$tmp/bad.txt"
[ "$(cat "$tmp/bad.txt")" = "36 37 38 39 " ]; t $? "malformed and IPDict datagrams are marked ($(cat "$tmp/bad.txt"))"
HOME=$tmp tshark -n -X lua_script:"$LUA" -r "$D/ipmsg-synth.pcap" -Y 'ipmsg.list_next == 2' -T fields -e frame.number \
	2>/dev/null >"$tmp/ans.txt"
[ "$(cat "$tmp/ans.txt")" = 17 ]; t $? "the first ANSLIST page has list_next 2"
# encryption and file requests (ipmsg-xfer.pcap): the same facts as sniff's body items
HOME=$tmp tshark -n -X lua_script:"$LUA" -r "$D/ipmsg-xfer.pcap" -Y 'ipmsg.key_bits || ipmsg.decrypt_err || ipmsg.file_id' \
	-T fields -E separator=/s -e frame.number -e ipmsg.capa -e ipmsg.encrypted_capa -e ipmsg.key_bits -e ipmsg.signed \
	-e ipmsg.decrypt_err -e ipmsg.files -e ipmsg.file_packetno -e ipmsg.file_id -e ipmsg.file_offset 2>/dev/null \
	| tr -s ' ' | tr '\n' ';' >"$tmp/x.txt"
[ "$(cat "$tmp/x.txt")" = "2 0x61920006 2048 ;3 0x40100004 2048 1 1 ;5 0x00020002 1024 ;7 1 ;10 1764001002 1 0;22 1764001002 1 4000;28 1764001002 1 0;35 1764001002 2 ;39 1764001002 1 0;" ]
t $? "ANSPUBKEY key_bits, the encrypted messages' capability, key_bits and signature, the DecryptErr answer, the GETFILEDATA fields ($(cat "$tmp/x.txt"))"
"$CT" --json sniff -r "$D/ipmsg-xfer.pcap" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l); b = (o.get("ipmsg") or {}).get("body") or {}
    if "key_bits" in b or "decrypt_err" in b or "file_id" in b:
        v = [o["frame"], b.get("capa", ""), b.get("encrypted_capa", ""), b.get("key_bits", ""), b.get("signed", ""),
             b.get("decrypt_err", ""), b.get("files", ""), b.get("packet_no", ""), b.get("file_id", ""), b.get("offset", "")]
        print(" ".join(str(x) for x in v).replace("\"", ""))' | tr -s ' ' | tr '\n' ';' >"$tmp/xc.txt"
[ "$(cat "$tmp/xc.txt")" = "$(cat "$tmp/x.txt")" ]
t $? "sniff's NDJSON says the same ($(cat "$tmp/xc.txt"))"
# transfers that stalled or ended short, on their request frames (two passes: the verdict comes later)
HOME=$tmp tshark -2 -n -X lua_script:"$LUA" -r "$D/ipmsg-xfer.pcap" -Y ipmsg.xfer -T fields -E separator=/s -e frame.number \
	-e ipmsg.xfer -e ipmsg.xfer_bytes -e ipmsg.xfer_expected -e ipmsg.xfer_idle 2>/dev/null |
	awk 'NF > 1 { printf "%s %s %s %s %.3f;", $1, $2, $3, NF == 5 ? $4 : "-", $NF }' >"$tmp/xs.txt"
"$CT" --json sniff -r "$D/ipmsg-xfer.pcap" | python3 -c '
import json, sys
for l in sys.stdin:
    o = json.loads(l)
    if o["type"] == "stalled_transfer":
        print("%d %s %d %s %.3f;" % (o["frame"], o["how"], o["bytes"], "-" if o["expected"] is None else o["expected"], o["idle_s"]), end="")' >"$tmp/xsc.txt"
[ "$(cat "$tmp/xs.txt")" = "22 closed 2000 6000 0.000;28 stalled 4344 10000 5.000;35 stalled 1000 - 5.000;39 capture_ended 1448 10000 0.499;" ]
t $? "the dissector flags the cut, the two stalled and the unfinished transfer on their request frames ($(cat "$tmp/xs.txt"))"
[ "$(cat "$tmp/xs.txt")" = "$(cat "$tmp/xsc.txt")" ]; t $? "as sniff's stalled_transfer records say ($(cat "$tmp/xsc.txt"))"
for pcap in lab-ipmsg lab-anslist ipmsg-synth; do
	HOME=$tmp tshark -2 -n -X lua_script:"$LUA" -r "$D/$pcap.pcap" -Y ipmsg.xfer 2>/dev/null >"$tmp/none.txt"
	[ ! -s "$tmp/none.txt" ]; t $? "no transfer flagged in $pcap.pcap (sniff reports none there either)"
done
echo "1..$n"
