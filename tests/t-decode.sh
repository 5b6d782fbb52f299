#!/bin/sh
# t-decode.sh: `camtrace decode` end to end: spec golden packets, hex and file input, JSON, exit codes.
: "${top_srcdir:=.}" "${top_builddir:=.}"
CT="$top_builddir/src/camtrace/camtrace"
D="$top_srcdir/tests/data/packets"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

"$CT" decode < "$D/spec.txt" > "$tmp/out" 2> "$tmp/err"; rc=$?
t $rc "every spec example decodes (exit 0)"
diff -u "$D/spec.expected" "$tmp/out" > "$tmp/diff"; r=$?
t $r "decode output matches spec.expected"
[ $r = 0 ] || sed 's/^/# /' "$tmp/diff"
[ ! -s "$tmp/err" ]; t $? "nothing on stderr"

out=$("$CT" decode '1:100:shirouzu:jupiter:32:Hello')
[ "$out" = 'SENDMSG #100 shirouzu@jupiter text="Hello"' ]; t $? "argument form (§1.2)"

# the same BR_ENTRY as hex (CP932 nick 太郎), and as a raw file
hex='313a323a753a683a313a91be98590000'
out=$("$CT" decode --hex "$hex")
[ "$out" = 'BR_ENTRY #2 u@h nick="太郎" group=""' ]; t $? "--hex input, CP932 nick shown in UTF-8"
printf '1:2:u:h:1:\221\276\230\131\000\000' > "$tmp/pkt.bin"
out=$("$CT" decode --file "$tmp/pkt.bin")
[ "$out" = 'BR_ENTRY #2 u@h nick="太郎" group=""' ]; t $? "--file reads raw bytes"
out=$("$CT" decode -x '31 3a 32 3a 75 3a 68 3a 33 32 3a 68 69')
[ "$out" = 'SENDMSG #2 u@h text="hi"' ]; t $? "hex with spaces"

# malformed datagrams: decoded as far as possible, exit 1
out=$("$CT" decode 'no colons here' '1:2:u:h:33:notanumber\0'); rc=$?
[ $rc = 1 ]; t $? "malformed input exits 1"
echo "$out" | grep -qx 'malformed (malformed input, 14 bytes): "no colons here"'; t $? "no-colon datagram named malformed"
echo "$out" | grep -q 'body-error="malformed input"'; t $? "bad RECVMSG body flagged"
"$CT" decode "$(printf '1:1:u:h:32:%070000d' 0)" > "$tmp/big"; rc=$?
[ $rc = 1 ] && grep -q 'malformed (result too big, 70011 bytes): "1:1:u:h:32:0000.*\.\.\."$' "$tmp/big"; t $? "datagram > 64 KiB refused"

# bad input text: usage error, exit 2, message names the problem
"$CT" decode 'bad\q' 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "unknown escape" "$tmp/err"; t $? "bad escape: exit 2 with a message"
"$CT" decode --hex 'abc' 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "odd number of hex digits" "$tmp/err"; t $? "odd hex: exit 2"
"$CT" decode --file "$tmp/does-not-exist" 2> "$tmp/err"; rc=$?
[ $rc = 66 ] && grep -q "cannot open" "$tmp/err"; t $? "missing file: exit 66 (EX_NOINPUT)"

# JSON: one document with fixed keys
"$CT" --json decode '1:1700000310:bob:PC-B:289:1700000300\0' 'x' > "$tmp/json"; rc=$?
[ $rc = 1 ]; t $? "--json exit status follows the packets"
grep -q '"command":	"decode"' "$tmp/json" && grep -q '"decoded":	2' "$tmp/json" && grep -q '"malformed":	1' "$tmp/json"
t $? "JSON document counts decoded and malformed"
grep -q '"packet_no":	1700000300' "$tmp/json" && grep -q '"command_name":	"RECVMSG"' "$tmp/json"
t $? "JSON carries the decoded fields"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["packets"])==2 and d["packets"][1]["ok"] is False' "$tmp/json"
	t $? "JSON parses (python3)"
fi
"$CT" --json decode < "$D/spec.txt" > "$tmp/json2"; rc=$?
[ $rc = 0 ] && grep -c '"index":' "$tmp/json2" | grep -qx "$(grep -cv '^#' "$D/spec.txt")"
t $? "JSON has one object per spec packet"

# encrypted framing: the key length from the session-key field (hex x 4; base64 x 6), DecryptErr flagged
K=$(printf '%0512d' 0 | tr 0 a)
line=$("$CT" decode "1:5:u:h:4194336:40100004:$K:00112233:ffee\0")
case $line in *"encrypted capa=40100004(RSA_2048|AES_256|SIGN_SHA256) key=512 msg=8 key_bits=2048 signed"*) r=0;; *) r=1;; esac
t $r "encrypted SENDMSG: capability, key_bits=2048 from 512 hex digits, signed ($line)"
K=$(printf '%0342d' 0 | tr 0 Q)
line=$("$CT" decode "1:5:u:h:4194336:41100004:${K}==:AAAA\0")
case $line in *" key_bits=2048"*) r=0;; *) r=1;; esac
t $r "encrypted SENDMSG in base64: key_bits=2048 from 342 characters and padding ($line)"
line=$("$CT" decode "1:6:u:h:8224:==== AutoReply(DecryptErr) ==== My PubKey is updated, I can't receive your message.\0")
case $line in "SENDMSG|AUTORETOPT #6 u@h text="*" decrypt_err=1") r=0;; *) r=1;; esac
t $r "Windows' DecryptErr answer is flagged decrypt_err=1 ($line)"
line=$("$CT" decode "1:7:u:h:288:==== AutoReply(DecryptErr) ==== typed by hand\0")
case $line in *decrypt_err*) r=1;; *) r=0;; esac
t $r "the same text without AUTORETOPT is not flagged"
"$CT" --json decode "1:6:u:h:8224:==== AutoReply(DecryptErr) ==== x\0" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["packets"][0]["body"]["decrypt_err"] is True' 2>/dev/null
t $? "JSON body.decrypt_err is true"
echo "1..$n"
