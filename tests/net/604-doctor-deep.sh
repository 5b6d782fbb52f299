#!/usr/bin/env bash
# 604-doctor-deep.sh: doctor --deep: a real message and an encrypted one to each user; encryption_mismatch for a fingerprint that is not the key, for a DecryptErr answer and for a Blowfish-only peer when this machine lacks Blowfish; healthy with a peer whose encryption works (RSA-2048 or RSA-1024 + Blowfish) and with iptux (none).
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup
"$PYTHON" -c "import cryptography" 2>/dev/null || skip_all "python3-cryptography not installed"
command -v openssl >/dev/null || skip_all "openssl not installed"

K=$LAB_TMP/keys
mkdir -p "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/p2048.pem" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$K/p1024.pem" 2>/dev/null
peer() { # peer HOST USER ARGS...
	local h=$1 u=$2
	shift 2
	ip netns exec "$LAB_PREFIX-$h" "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --crypto "$K/p2048.pem,$K/p1024.pem" \
		--delay-max 0.2 --user "$u" --host "pc-$h" "$@" >"$LAB_TMP/$h.log" 2>&1 &
	echo $! >"$LAB_TMP/$h.pid"
	wait_for -t 10 grep -q ready "$LAB_TMP/$h.log"
}
ok 'peer b1 good' "a peer whose encryption works on b1"
ok 'peer b2 "bad-<0123456789abcdef>"' "a peer whose user name's fingerprint is not its key on b2"
ok 'peer b3 derr --decrypt-err 99' "a peer that answers every encrypted message with DecryptErr on b3"
ctd_start srv srv "user_name = srv" "notify = 198.18.2.*" "notify_rate = 1000" "allow = 198.18.1.0/24, 198.18.2.0/24"
for u in good derr; do
	ok "wait_for -t 15 ctd_has srv $u online" "the server lists $u"
done

doc_run good --deep --user 198.18.2.11
is "$(doc_get good '["verdict"]["class"]'),$(doc_rc good)" healthy,0 "encryption works: healthy, exit 0" || doc_show good
is "$(doc_get good '["users"][0]["deep"]["delivered"]'),$(doc_get good '["users"][0]["deep"]["tries"]')" true,1 \
	"the real message delivered in 1 try"
is "$(doc_get good '["users"][0]["deep"]["encryption"]'),$(doc_get good '["users"][0]["deep"]["suite"]')" ok,rsa2048+aes256/sha256 \
	"the encrypted one too (rsa2048+aes256/sha256)"
ok 'grep -q "message from 198.18.1.11 .* encrypted 41900004 sig no_key text \[camtrace test message\]" "$LAB_TMP/b1.log"' \
	"the peer read the encrypted test message"

doc_run fp --deep --user 198.18.2.12
is "$(doc_get fp '["verdict"]["class"]'),$(doc_rc fp)" encryption_mismatch,1 "a fingerprint that is not the key: encryption_mismatch, exit 1" || doc_show fp
is "$(doc_get fp '["users"][0]["deep"]["encryption"]')" fingerprint_mismatch "deep.encryption fingerprint_mismatch"
is "$(doc_get fp '["verdict"]["device"]')" "198.18.2.12 (the PC itself)" "the device: the PC itself"
like "$(doc_get fp '["verdict"]["fix"]')" "^The user name at 198.18.2.12 carries a key fingerprint that is not the key it sent" "the fix says what to do"

doc_run derr --deep --user 198.18.2.13
is "$(doc_get derr '["verdict"]["class"]')" encryption_mismatch "a DecryptErr answer: encryption_mismatch" || doc_show derr
is "$(doc_get derr '["users"][0]["deep"]["encryption"]'),$(doc_get derr '["users"][0]["deep"]["delivered"]')" decrypt_err,true \
	"deep.encryption decrypt_err (the clear message was delivered)"
like "$(doc_get derr '["verdict"]["fix"]')" "cannot decrypt messages encrypted for the key it gives out" "the fix"

# a peer offering RSA-1024 + Blowfish-128 only: fine with OpenSSL's legacy provider, a mismatch
# that names this machine's missing Blowfish without it (OPENSSL_MODULES pointing nowhere)
kill "$(cat "$LAB_TMP/b2.pid")" 2>/dev/null
sleep 0.5
ok 'peer b2 bfonly --capa 00820002' "a peer with RSA-1024 + Blowfish-128 only on b2"
ok 'wait_for -t 15 ctd_has srv bfonly online' "the server lists it"
doc_run bf --deep --user 198.18.2.12
is "$(doc_get bf '["verdict"]["class"]'),$(doc_get bf '["users"][0]["deep"]["encryption"]'),$(doc_get bf '["users"][0]["deep"]["suite"]')" \
	healthy,ok,rsa1024+bf128 "Blowfish here: healthy, rsa1024+bf128" || doc_show bf
in_host a1 env OPENSSL_MODULES=/nonexistent "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" doctor --deep --user 198.18.2.12 \
	>"$LAB_TMP/nobf.json" 2>"$LAB_TMP/nobf.err"
echo $? >"$LAB_TMP/nobf.rc"
is "$(doc_get nobf '["verdict"]["class"]'),$(doc_rc nobf),$(doc_get nobf '["users"][0]["deep"]["encryption"]')" \
	encryption_mismatch,1,no_common_cipher "no legacy provider here: encryption_mismatch, no_common_cipher" || doc_show nobf
like "$(doc_get nobf '["users"][0]["deep"]["evidence"]')" "needs Blowfish-128, which this machine lacks: OpenSSL's legacy provider" \
	"the evidence names this machine's missing Blowfish"
like "$(doc_get nobf '["verdict"]["fix"]')" "Blowfish is missing on this machine: OpenSSL's legacy provider does not load here" \
	"and so does the fix"

doc_run plain --user 198.18.2.11
is "$(doc_get plain '["users"][0]["deep"]')" null "without --deep: deep is null"

# iptux: no encryption at all is not a mismatch
kill "$(cat "$LAB_TMP/b1.pid")" 2>/dev/null
if command -v iptux >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1; then
	sleep 0.5
	run_ok "iptux starts on b1" lab iptux start b1 --nick ipt --hostname b1-pc
	ok 'wait_for -t 15 has_host srv b1-pc' "the server lists iptux"
	doc_run ipt --deep --user 198.18.2.11
	is "$(doc_get ipt '["verdict"]["class"]')" healthy "iptux (no encryption): healthy" || doc_show ipt
	is "$(doc_get ipt '["users"][0]["deep"]["delivered"]'),$(doc_get ipt '["users"][0]["deep"]["encryption"]')" true,none \
		"the real message delivered, encryption none"
	run_ok "iptux stops" lab iptux stop b1
else
	for i in 1 2 3 4 5; do skip_test "iptux" "iptux not installed"; done
fi
kill "$(cat "$LAB_TMP/b2.pid")" "$(cat "$LAB_TMP/b3.pid")" 2>/dev/null
ctd_done
