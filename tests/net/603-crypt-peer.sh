#!/usr/bin/env bash
# 603-crypt-peer.sh: camtraced against the Windows-style peer with encryption (winpeer.py --crypto, python3-cryptography): both ways, both cipher pairs, hex and base64, signed and unsigned, a tampered signature refused, a message for another key answered with DecryptErr, the sender's DecryptErr retry.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd send || skip_all "camtrace send not built"
"$PYTHON" -c "import cryptography" 2>/dev/null || skip_all "python3-cryptography not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"
lab_up

cts() { ct a1 --ctl "$LAB_TMP/a1d/ctl.sock" "$@"; }
K=$LAB_TMP/keys
mkdir -p "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/p2048.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$K/p1024.pem" 2>/dev/null
KEYS=$K/p2048.pem,$K/p1024.pem
ctd_start a1d a1 "user_name = alice" "allow = 198.18.0.0/15" "msg_retry_ms = 300" "msg_retries = 3"
blowfish=$(ctd_q a1d status | jq_py 'r["messages"]["encryption"]["blowfish"]')

# the lines the peer on b3 sends, each with exactly this suite (crypto-interop §1 words)
cat >"$LAB_TMP/sends" <<'L'
40900004 no aes sha256 hex
41900004 no aes sha256 base64
20900004 no aes sha1 hex
00900004 no aes unsigned
00820002 no blowfish hex
01820002 no blowfish base64
41900004 mac mac-style signature
41900004 sig tampered
41900004 key not for you
L
peer() { # peer HOST LOG ARGS...
	local h=$1 log=$2
	shift 2
	ip netns exec "$LAB_PREFIX-$h" "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --crypto "$KEYS" --delay-max 0.2 "$@" \
		>"$LAB_TMP/$log" 2>&1 &
	echo $! >"$LAB_TMP/$log.pid"
	wait_for -t 10 grep -q ready "$LAB_TMP/$log"
}
peer_stop() { kill "$(cat "$LAB_TMP/$1.pid")" 2>/dev/null; sleep 0.3; }

# ---- camtraced -> the peer (RSA-2048/AES-256, signed SHA-256, base64) ------------------------
ok 'peer b3 p1.log --user hanako' "the encrypting peer runs on b3"
cts send --encrypt require 198.18.2.13 "to the peer"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["encryption"]')" delivered,rsa2048+aes256/sha256 \
	"camtraced -> peer: delivered, rsa2048+aes256/sha256"
ok 'wait_for -t 5 grep -q "encrypted 41900004 sig no_key text to the peer" "$LAB_TMP/p1.log"' \
	"the peer decrypted it (suite 41900004: base64, PACKETNO_IV; it has no key of ours yet)"

# ---- the peer -> camtraced: every suite, then a tampered one and one for another key ----------
peer_stop p1.log
ok 'peer b3 p1b.log --user hanako --send-to 198.18.1.11 --send "$LAB_TMP/sends"' "the peer starts again with its messages"
ok 'wait_for -t 40 grep -q "sends done" "$LAB_TMP/p1b.log"' "it sent them all"
is "$(grep -c '^recvmsg' "$LAB_TMP/p1b.log")" 9 "each acknowledged (RECVMSG)"
ctd_q a1d inbox >"$LAB_TMP/ib.json"
row() { jget "$LAB_TMP/ib.json" "=\",\".join(str(m[k]) for m in d['messages'] if m['text'] == '$1' for k in ('cipher', 'signature', 'readable'))"; }
# camtraced has the peer's key from its own send above: signatures verify
is "$(row "aes sha256 hex")" "rsa2048+aes256/sha256,ok,True" "AES, SHA-256, hex: read, signature ok"
is "$(row "aes sha256 base64")" "rsa2048+aes256/sha256,ok,True" "AES, SHA-256, base64: read, signature ok"
is "$(row "aes sha1 hex")" "rsa2048+aes256/sha1,ok,True" "AES, SHA-1 (a v3 peer): read, signature ok"
is "$(row "aes unsigned")" "rsa2048+aes256,none,True" "AES unsigned: read, signature none"
# the Mac signs text+NUL only (crypto-interop §3): verified by the fallback, not taken for a forgery
is "$(row "mac-style signature")" "rsa2048+aes256/sha256,text_only,True" "a Mac-style signature: read, signature text_only"
if [ "$blowfish" = True ]; then
	is "$(row "blowfish hex")" "rsa1024+bf128,none,True" "RSA-1024 + Blowfish, hex: read"
	is "$(row "blowfish base64")" "rsa1024+bf128,none,True" "RSA-1024 + Blowfish, base64: read"
else
	skip_test "Blowfish" "OpenSSL's legacy provider is not loaded"; skip_test "Blowfish" "no legacy provider"
fi
is "$(jget "$LAB_TMP/ib.json" "=len([m for m in d['messages'] if m['text'] == 'tampered'])")" 0 "the tampered one is not kept"
ok 'grep -q "rejected (tampered?): bad signature" "$LAB_TMP/a1d/log"' "and logged as rejected"
is "$(jget "$LAB_TMP/ib.json" "=[(m['text'], m['cipher']) for m in d['messages'] if not m['readable']][0]")" "('', 'rsa2048+aes256/sha256')" \
	"the one for another key: kept, not readable"
like "$(jget "$LAB_TMP/ib.json" "=[m['crypt_error'] for m in d['messages'] if not m['readable']][0]")" "RSA" "with why (the session key does not unwrap)"
ok 'grep -q "text ==== AutoReply(DecryptErr) ====" "$LAB_TMP/p1b.log"' "and answered with Windows' DecryptErr text"
is "$(ctd_q a1d status | jq_py '"%d,%d" % (r["messages"]["rejected"], r["messages"]["undecryptable"])')" 1,1 "status: rejected 1, undecryptable 1"

# ---- camtraced -> the peer again: now its signature verifies at the peer ----------------------
cts send --encrypt require 198.18.2.13 "again"
ok 'wait_for -t 5 grep -q "encrypted 41900004 sig ok text again" "$LAB_TMP/p1b.log"' "the peer verifies our SHA-256 signature"

# ---- a peer with RSA-1024 + Blowfish only ----------------------------------------------------
if [ "$blowfish" = True ]; then
	ok 'peer b2 p2.log --user jiro --capa 00820002' "a Blowfish-only peer runs on b2"
	cts send --encrypt require 198.18.2.12 "old cipher"
	is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["encryption"]')" delivered,rsa1024+bf128 \
		"to it: rsa1024+bf128"
	ok 'wait_for -t 5 grep -q "encrypted 820002 sig none text old cipher" "$LAB_TMP/p2.log"' "it decrypted it (820002: hex, unsigned)"
else
	for i in 1 2 3; do skip_test "Blowfish peer" "no legacy provider"; done
fi

# ---- the sender's side of DecryptErr: key fetched again, sent again once; twice: not delivered
ok 'peer b1 p3.log --user saburo --decrypt-err 3' "a peer that answers DecryptErr to its first 3 encrypted messages runs on b1"
cts send --encrypt require 198.18.2.11 "first"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["decrypt_errors"]'),$(r '["recipients"][0]["pub_fetches"]')" \
	not_delivered,2,2 "DecryptErr twice: not_delivered after 2 answers and 2 key fetches"
is "$(r '["recipients"][0]["error"]')" "the peer could not decrypt it twice (AutoReply(DecryptErr)), with a fresh key too" "with the reason"
cts send --encrypt require 198.18.2.11 "second"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["decrypt_errors"]'),$(r '["recipients"][0]["pub_fetches"]')" \
	delivered,1,2 "DecryptErr once: fetched again, sent again, delivered"
is "$(r '["recipients"][0]["encryption_note"]')" "the peer answered AutoReply(DecryptErr): its key fetched again and the message sent again" "and says so"
ok 'wait_for -t 5 grep -q "encrypted 41900004 sig no_key text second" "$LAB_TMP/p3.log"' "the peer read the second try"
for l in p1b p2 p3; do peer_stop $l.log; done

# ---- another machine at hanako's address (DHCP): its key is not hanako's ---------------------
K2=$LAB_TMP/keys2
mkdir -p "$K2"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K2/p2048.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$K2/p1024.pem" 2>/dev/null
echo "41900004 no after dhcp" >"$LAB_TMP/sends2"
ok 'KEYS=$K2/p2048.pem,$K2/p1024.pem peer b3 p4.log --user dave --host DAVEPC --send-to 198.18.1.11 --send "$LAB_TMP/sends2"' \
	"another machine (dave, its own keys) at 198.18.2.13 sends a signed message"
ok 'wait_for -t 15 grep -q "sends done" "$LAB_TMP/p4.log"' "it was sent"
ctd_q a1d inbox >"$LAB_TMP/ib.json"
is "$(row "after dhcp")" "rsa2048+aes256/sha256,no_key,True" \
	"read; hanako's cached key is not used to check dave's signature (no_key, not a forgery)"
like "$(cat "$LAB_TMP/a1d/log")" "the host at 198.18.2.13 is now dave@DAVEPC, was hanako@WINPC: the cached public key is dropped" \
	"the change of host at the address is logged"
is "$(ctd_q a1d status | jq_py 'r["messages"]["rejected"]')" 1 "nothing more rejected"
cts send --encrypt require 198.18.2.13 "to dave"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["decrypt_errors"]'),$(r '["recipients"][0]["pub_fetches"]')" \
	delivered,0,0 "to dave: the key fetched for his signature used, no DecryptErr"
ok 'wait_for -t 5 grep -q "encrypted 41900004 sig .* text to dave" "$LAB_TMP/p4.log"' "dave read it"
peer_stop p4.log
ctd_done
