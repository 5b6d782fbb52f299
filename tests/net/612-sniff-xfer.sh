#!/usr/bin/env bash
# 612-sniff-xfer.sh: camtrace sniff on the router during an encrypted message with a file between two camtraced (key exchange, encrypted framing: capability, key_bits, signed, the file list) and the fetch of that file cut by a router rule that drops the data: reported as a stalled transfer with the bytes that came, the announced size and the 5 s of silence.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd sniff || skip_all "camtrace sniff is not built"
have_camtrace_cmd get || skip_all "camtrace get not built"
lab_up

cts() { local h=$1; shift; ct "$h" --ctl "$LAB_TMP/$CTD/ctl.sock" "$@"; }
SNIFF=$LAB_TMP/rtr.ndjson
# p EXPR: eval EXPR over the router's NDJSON (rows: every object; pk: the packets not forwarded copies)
p() {
	"$PYTHON" - "$SNIFF" "$1" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
pk = [r for r in rows if r["type"] == "packet" and "forwarded_copy_of" not in r]
im = [r["ipmsg"] for r in pk if r.get("ipmsg") and r["ipmsg"].get("valid")]
print(eval(sys.argv[2]))
PY
}

mkdir -p "$LAB_TMP/src" "$LAB_TMP/getdir"
head -c 8000000 /dev/urandom >"$LAB_TMP/src/huge.bin"
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15"
ctd_start b1d b1 "user_name = bob" "allow = 198.18.0.0/15"
B1=198.18.2.11

# the capture on the router (all interfaces), NDJSON, until the stall is reported
in_host rtr "$CAMTRACE" --json sniff -Z root -t 1 >"$SNIFF" 2>"$LAB_TMP/rtr.err" &
spid=$!
ok 'wait_for -t 10 grep -qs "capturing on" "$LAB_TMP/rtr.err"' "sniff runs on the router"

# ---- an encrypted message with a file, srv -> bob across the router -----------------------
CTD=srv
cts srv send --encrypt require --file "$LAB_TMP/src/huge.bin" $B1 "secret with a file"
is "$(r '["recipients"][0]["state"]')" delivered "encrypted with a file: delivered"
like "$(r '["recipients"][0]["encryption"]')" '^rsa2048\+aes256/sha256$' "encrypted with RSA-2048 + AES-256, SHA-256"

# ---- bob fetches it over a slow link; the router then drops the data ----------------------
run_ok "srv's link slowed to 16 Mbit/s" in_host srv tc qdisc add dev eth0 root tbf rate 16mbit burst 100kb latency 1s
CTD=b1d
in_host b1 "$CAMTRACE" --json --ctl "$LAB_TMP/b1d/ctl.sock" get --output "$LAB_TMP/getdir" --timeout 15 1 \
	>"$LAB_TMP/get.json" 2>&1 &
gp=$!
ok 'wait_for -t 10 test -s "$LAB_TMP/getdir/huge.bin.part"' "the fetch began"
# camlab's faults match the destination port; the data comes from port 2425: a table of our own
in_host rtr nft -f - <<'NFT'
add table inet sniffcut
add chain inet sniffcut forward { type filter hook forward priority -10; policy accept; }
add rule inet sniffcut forward tcp sport 2425 drop
NFT
ok 'wait_for -t 30 grep -qs "\"type\":\"stalled_transfer\"" "$SNIFF"' "sniff reports the stalled transfer"
kill -INT "$(pgrep -P "$spid")" 2>/dev/null
wait "$spid"
in_host rtr nft delete table inet sniffcut
in_host srv tc qdisc del dev eth0 root
kill "$gp" 2>/dev/null
wait "$gp" 2>/dev/null

# ---- what sniff said ------------------------------------------------------------------------
is "$(p 'sorted((r["src"], r["ipmsg"]["body"].get("key_bits")) for r in pk if (r.get("ipmsg") or {}).get("mode") == "ANSPUBKEY")')" \
	"[('198.18.1.10', 2048), ('198.18.2.11', 2048)]" \
	"ANSPUBKEY both ways (srv fetches bob's key to encrypt, bob srv's to check the signature): key_bits 2048"
sel='[m["body"] for m in im if m["mode"] == "SENDMSG" and "ENCRYPTOPT" in m["command"].split("|")]'
is "$(p "[(b['key_bits'], b.get('signed'), b.get('files')) for b in $sel]")" "[(2048, 1, 1)]" \
	"the encrypted SENDMSG: key_bits 2048, signed, one file (its list in the clear)"
is "$(p "[int(b['encrypted_capa'], 16) & 0x00100004 for b in $sel]")" "[1048580]" "its capability word has RSA_2048 and AES_256"
is "$(p '[k for m in im for k in m["body"] if k == "decrypt_err"]')" "[]" "no DecryptErr between two camtraced"
st='[r for r in rows if r["type"] == "stalled_transfer"]'
is "$(p "[(r['request'], r['how'], r['src'], r['dst'], r['dport'], r['offset'], r['expected'], r['idle_s']) for r in $st]")" \
	"[('GETFILEDATA', 'stalled', '198.18.2.11', '198.18.1.10', 2425, 0, 8000000, 5.0)]" \
	"one stalled transfer: bob's GETFILEDATA to srv, 8000000 bytes expected, 5 s of silence"
is "$(p "[0 < r['bytes'] < 8000000 for r in $st]")" "[True]" "it names the bytes that came before the cut ($(p "[r['bytes'] for r in $st]"))"
like "$(p "$st[0]['message']")" '^stalled transfer: GETFILEDATA from 198\.18\.2\.11 to 198\.18\.1\.10 over TCP got [0-9]+ of 8000000 bytes then nothing new for 5\.0 s \(no FIN or RST\)' \
	"the sentence"
is "$(p '[r["stalled_transfers"] for r in rows if r["type"] == "summary"]')" "[1]" "the summary counts it"
[ "$_tap_fail" = 0 ] || diag "== sniff" "$(grep -v '"type":"packet"' "$SNIFF" | tail -n 8)" "$(cat "$LAB_TMP/get.json")"
ctd_stop srv
ctd_stop b1d
ctd_done
