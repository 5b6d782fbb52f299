#!/bin/sh
# t-crypto-peer.sh: our encryption against an independent Python peer (tests/crypto-peer.py, python3-cryptography, Windows rules): both directions, both suites, hex and base64, signed and unsigned, tampering refused.
: "${top_srcdir:=.}" "${top_builddir:=.}"
TOOL="$top_builddir/tests/unit/crypt-tool"
PEER="python3 $top_srcdir/tests/crypto-peer.py"
n=0; fail=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
if ! python3 -c 'import cryptography' 2>/dev/null; then
	echo "1..0 # SKIP python3-cryptography is not installed"
	exit 0
fi
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
for s in a b; do for b in 2048 1024; do "$TOOL" pem $s $b > "$tmp/$s$b.pem"; done; done
PK="$tmp/b2048.pem,$tmp/b1024.pem"   # the Python peer holds b's keys; we are a
printf 'line one\nUTF-8 \343\201\202 and colons: ::\n\000' > "$tmp/plain"

# $1 name, $2 peer word (hex), $3 GETPUBKEY word we send, $4 expected body word, $5 expected sig
ours_to_peer() {
	pub=$($PEER anspubkey "$PK" "$2" "$3")
	"$TOOL" encrypt a "$pub" 1700000300 < "$tmp/plain" > "$tmp/body" 2> "$tmp/err"
	t $? "$1: we encrypt for the Python peer $(cat "$tmp/err")"
	w=$(cut -d: -f1 "$tmp/body")
	[ "$w" = "$4" ]; t $? "$1: body word $w (want $4)"
	apub=$("$TOOL" anspubkey a 61920006 61920006)
	$PEER decrypt "$PK" 1700000300 "$apub" < "$tmp/body" > "$tmp/out" 2> "$tmp/err"
	t $? "$1: the Python peer decrypts it $(cat "$tmp/err")"
	cmp -s "$tmp/plain" "$tmp/out"; t $? "$1: plaintext byte for byte"
	[ "$(cat "$tmp/err")" = "sig=$5" ]; t $? "$1: the Python peer sees signature $5"
}

# $1 name, $2 word the Python peer forces, $3 pktno, $4 expected sig
peer_to_ours() {
	ourpub=$("$TOOL" anspubkey a 61920006 "$( [ "$5" = 1024 ] && echo 2 || echo 61920006)")
	$PEER encrypt "$PK" "$ourpub" "$3" "$2" < "$tmp/plain" > "$tmp/body" 2> "$tmp/err"
	t $? "$1: the Python peer encrypts for us $(cat "$tmp/err")"
	ppub=$($PEER anspubkey "$PK" 61920006 61920006)
	"$TOOL" decrypt b "$3" "$ppub" < "$tmp/body" > /dev/null 2>&1   # not b's key: must fail cleanly
	[ $? = 1 ]; t $? "$1: the wrong recipient fails cleanly"
	"$TOOL" decrypt a "$3" "$ppub" < "$tmp/body" > "$tmp/out" 2> "$tmp/err"
	t $? "$1: we decrypt it"
	cmp -s "$tmp/plain" "$tmp/out"; t $? "$1: plaintext byte for byte"
	grep -qx "sig=$4" "$tmp/err"; t $? "$1: we see signature $4 ($(tr '\n' ' ' < "$tmp/err"))"
}

ours_to_peer "RSA2048+AES256+SHA256 base64" 65920006 61920006 41900004 ok
ours_to_peer "RSA2048+AES256+SHA1 base64 (v3 peer)" 21921007 61920006 21900004 ok
ours_to_peer "RSA2048+AES256+SHA256 hex" 64920006 61920006 40900004 ok
ours_to_peer "RSA2048+AES256 unsigned zero IV hex" 00100004 61920006 100004 none
ours_to_peer "RSA1024+BF128 base64" 65920006 00020002 1820002 none
ours_to_peer "RSA1024+BF128 hex" 00820002 00020002 820002 none

# the Python peer (b's keys) encrypts to our key and signs with its own 2048 key
peer_to_ours "Python RSA2048+AES256+SHA256 base64" 41900004 1700000500 ok
peer_to_ours "Python RSA2048+AES256+SHA1 hex" 20900004 42 ok
peer_to_ours "Python RSA1024+BF128 base64" 01820002 1700000501 none 1024
peer_to_ours "Python RSA1024+BF128 hex zero IV" 00020002 9 none 1024
peer_to_ours "Python RSA1024+AES256 (Mac-like)" 00900002 10 none 1024

# tampering: one ciphertext digit of a signed message changed
pub=$($PEER anspubkey "$PK" 64920006 61920006)
"$TOOL" encrypt a "$pub" 77 < "$tmp/plain" > "$tmp/body"
awk -F: '{ c = substr($3, 1, 1); r = (c == "0") ? "1" : "0"; $3 = r substr($3, 2); print }' OFS=: "$tmp/body" > "$tmp/bad"
apub=$("$TOOL" anspubkey a 61920006 61920006)
$PEER decrypt "$PK" 77 "$apub" < "$tmp/bad" > /dev/null 2> "$tmp/err"
grep -q 'sig=bad\|error' "$tmp/err"; t $? "tampered: the Python peer does not accept it as signed ($(tr '\n' ' ' < "$tmp/err"))"
$PEER encrypt "$PK" "$apub" 78 41900004 < "$tmp/plain" > "$tmp/body"
bpub=$($PEER anspubkey "$PK" 61920006 61920006)
awk -F: '{ c = substr($3, 1, 1); r = (c == "A") ? "B" : "A"; $3 = r substr($3, 2); print }' OFS=: "$tmp/body" > "$tmp/bad"
"$TOOL" decrypt a 78 "$bpub" < "$tmp/bad" > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 1 ] && grep -qx 'reason=bad_signature' "$tmp/err"; t $? "tampered: we refuse it with reason bad_signature ($(tr '\n' ' ' < "$tmp/err"))"
echo "1..$n"
exit $fail
