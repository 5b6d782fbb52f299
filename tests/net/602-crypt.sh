#!/usr/bin/env bash
# 602-crypt.sh: encrypted messages between two camtraced (RSA-2048/AES-256, both ways, sealed with the read notice), their keys (0600, not logged, not in a bundle), GETPUBKEY under the guard (a flood gets no answers), --encrypt auto/require to a peer without encryption.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd send || skip_all "camtrace send not built"
lab_up

cts() { local h=$1; shift; ct "$h" --ctl "$LAB_TMP/$CTD/ctl.sock" "$@"; }

ctd_start a1d a1 "user_name = alice" "nick = Alice" "allow = 198.18.1.0/24" "msg_retry_ms = 300" "msg_retries = 3"
ctd_start a2d a2 "user_name = bob" "nick = Bob" "allow = 198.18.1.0/24" "msg_retry_ms = 300" "msg_retries = 3"
ok 'wait_for -t 15 ctd_has a1d bob online' "alice's camtraced lists bob"
ok 'wait_for -t 15 ctd_has a2d alice online' "bob's camtraced lists alice"

# ---- the keys -----------------------------------------------------------------------------
ctd_q a1d status >"$LAB_TMP/st.json"
is "$(jget "$LAB_TMP/st.json" '["messages"]["encryption"]["available"]')" true "alice: encryption available"
like "$(jget "$LAB_TMP/st.json" '["messages"]["encryption"]["capability"]')" '^619[02]000[46]$' "capability 61920006 (or 61900004 without Blowfish)"
like "$(jget "$LAB_TMP/st.json" '["messages"]["encryption"]["fingerprint"]')" '^[0-9a-f]{16}$' "a 16-hex fingerprint"
is "$(stat -c %a "$LAB_TMP/a1d/key-rsa2048.pem"),$(stat -c %a "$LAB_TMP/a1d/key-rsa1024.pem")" 600,600 \
	"key files made 0600 beside the state file"
ok '! grep -q "PRIVATE KEY" "$LAB_TMP/a1d/log"' "no key in the log"
is "$(ctd_q a2d users | jq_py '[h["status"] & 0x00400000 != 0 for h in r["hosts"] if h["user"] == "alice"][0]')" True \
	"alice's entry says ENCRYPTOPT (bob's table)"
if have_camtrace_cmd bundle; then
	in_host a1 "$CAMTRACE" bundle -q --config "$LAB_TMP/a1d/conf" --log "$LAB_TMP/a1d/log" --ctl "$LAB_TMP/a1d/ctl.sock" \
		-o "$LAB_TMP/b.tar.gz" >/dev/null 2>&1
	mkdir -p "$LAB_TMP/bx" && tar -xzf "$LAB_TMP/b.tar.gz" -C "$LAB_TMP/bx" 2>/dev/null
	ok '[ -n "$(ls -A "$LAB_TMP/bx")" ] && ! grep -rq "PRIVATE KEY" "$LAB_TMP/bx" && ! find "$LAB_TMP/bx" -name "key-rsa*" | grep -q .' \
		"a bundle holds neither the key files nor a key"
else
	skip_test "bundle" "camtrace bundle not built"
fi

# ---- bob -> alice, then alice -> bob, encrypted --------------------------------------------
CTD=a2d
cts a2 send --encrypt require alice "secret one"
is "$(r '["recipients"][0]["state"]')" delivered "bob -> alice: delivered"
is "$(r '["recipients"][0]["encryption"]')" rsa2048+aes256/sha256 "encrypted with rsa2048+aes256/sha256"
is "$(r '["recipients"][0]["pub_fetches"]')" 1 "after one GETPUBKEY"
is "$(r '["recipients"][0]["encryption_note"]')" null "no note"
ctd_q a1d inbox >"$LAB_TMP/ib.json"
is "$(jget "$LAB_TMP/ib.json" '["messages"][0]["text"]')" "secret one" "alice reads the text"
is "$(jget "$LAB_TMP/ib.json" '["messages"][0]["encrypted"]'),$(jget "$LAB_TMP/ib.json" '["messages"][0]["cipher"]'),$(jget "$LAB_TMP/ib.json" '["messages"][0]["readable"]')" \
	true,rsa2048+aes256/sha256,true "marked encrypted, rsa2048+aes256/sha256, readable"
is "$(jget "$LAB_TMP/ib.json" '["messages"][0]["signature"]')" no_key "signature no_key (alice has not fetched bob's key)"
ok '! grep -q "secret one" "$LAB_TMP/a1d/log"' "the text is not in alice's log"
in_host a1 "$CAMTRACE" --ctl "$LAB_TMP/a1d/ctl.sock" inbox 1 >"$LAB_TMP/ib1.txt" 2>&1
is "$(sed -n 1p "$LAB_TMP/ib1.txt")" "encrypted with rsa2048+aes256/sha256, signature no_key" "camtrace inbox 1 says how it came"
# alice fetched bob's key on that signed message (GETPUBKEY, as Windows does): the next one verifies
fetched() { ctd_q a1d status | jq_py 'r["messages"]["pub_fetches"]' | grep -qx 1; }
ok 'wait_for -t 5 fetched' "alice asked bob's key after the first signed message (pub_fetches 1)"
cts a2 send --encrypt require alice "secret three"
ctd_q a1d inbox >"$LAB_TMP/ib.json"
is "$(jget "$LAB_TMP/ib.json" '["messages"][1]["text"]'),$(jget "$LAB_TMP/ib.json" '["messages"][1]["signature"]')" "secret three,ok" \
	"the next message from bob: signature ok"

CTD=a1d
cts a1 send --encrypt require bob "secret two"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["encryption"]')" delivered,rsa2048+aes256/sha256 \
	"alice -> bob: delivered, rsa2048+aes256/sha256"
ctd_q a2d inbox >"$LAB_TMP/ib.json"
is "$(jget "$LAB_TMP/ib.json" '["messages"][0]["text"]')" "secret two" "bob reads the text"
is "$(jget "$LAB_TMP/ib.json" '["messages"][0]["signature"]')" ok "signature ok (bob has alice's key from his send)"

# sealed, with the read notice, encrypted (alice has bob's key now: no GETPUBKEY)
in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/a1d/ctl.sock" send --encrypt auto --wait-read bob "sealed secret" \
	>"$LAB_TMP/sealed.json" 2>&1 &
sp=$!
sealed_in() { ctd_q a2d inbox | jq_py 'r["count"]' | grep -qx 2; }
ok 'wait_for -t 10 sealed_in' "the sealed message reached bob's inbox"
CTD=a2d
cts a2 inbox 2
is "$(r '["inbox"]["message"]["text"]'),$(r '["inbox"]["message"]["sealed"]')" "sealed secret,true" "bob opens it: sealed, decrypted"
wait "$sp"
is "$(jget "$LAB_TMP/sealed.json" '["recipients"][0]["read"]'),$(jget "$LAB_TMP/sealed.json" '["recipients"][0]["encryption"]'),$(jget "$LAB_TMP/sealed.json" '["recipients"][0]["pub_fetches"]')" \
	true,rsa2048+aes256/sha256,0 "alice got the read notice; encrypted with the cached key (no GETPUBKEY)"
is "$(ctd_q a1d status | jq_py '"%d,%d,%d" % (r["messages"]["encrypted_sent"], r["messages"]["encrypted_received"], r["messages"]["rejected"])')" \
	2,2,0 "alice's status: encrypted_sent 2, encrypted_received 2, rejected 0"

# ---- probe --message: a real SENDMSG -> RECVMSG, marked as a camtrace test ---------------------
ct srv probe --message --no-tcp --tries 2 --wait 0.5 198.18.1.11 198.18.2.12
is "$(r '["hosts"][0]["message"]["delivered"]'),$(r '["hosts"][0]["message"]["tries"]')" true,1 "probe --message to alice's camtraced: delivered in 1 try"
is "$(r '=type(d["hosts"][0]["message"]["rtt_ms"]).__name__'),$(r '["hosts"][0]["message"]["auto_reply"]'),$(r '["hosts"][0]["message"]["decrypt_err"]')" \
	float,null,false "with its rtt_ms, no absence reply, no DecryptErr"
is "$(r '["hosts"][1]["message"]["delivered"]'),$(r '["hosts"][1]["message"]["tries"]'),$(r '["hosts"][1]["message"]["rtt_ms"]')" false,2,null \
	"to b2 (nothing listens): not delivered after 2 tries"
is "$ct_status" 1 "exit 1 (a host failed)"
is "$(ctd_q a1d inbox | jq_py '[m["text"] for m in r["messages"]][-1]')" \
	"[camtrace test message] a delivery check by camtrace probe --message: please ignore." "the message says what it is"

# ---- a peer without encryption (the Windows-style peer without --crypto) -------------------
ip netns exec "$LAB_PREFIX-b3" "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --delay-max 0.2 >"$LAB_TMP/winpeer.log" 2>&1 &
ok 'wait_for -t 10 grep -q ready "$LAB_TMP/winpeer.log"' "a peer without encryption runs on b3"
CTD=a1d
cts a1 send --encrypt require 198.18.2.13 "x"
is "$(r '["recipients"][0]["state"]')" not_encrypted "require to a peer unknown to the table: not_encrypted"
like "$(r '["recipients"][0]["error"]')" "^not encrypted: no ANSPUBKEY from the peer after 4 GETPUBKEY" "with the reason"
is "$ct_status" 1 "exit 1"
cts a1 send --encrypt auto 198.18.2.13 "in the clear"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["encryption"]')" delivered,none "auto: delivered in the clear"
is "$(r '["recipients"][0]["encryption_note"]')" "sent in the clear: the peer is not in the host table: its encryption is unknown" "and says why"

# ---- GETPUBKEY under the guard: a source that never answers gets no ANSPUBKEY --------------
flood_py='import socket,time,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("",2426)); s.settimeout(0.05)
ans=probes=0
for i in range(50):
    s.sendto(b"1:%d:mallory:m:114:61920006\0" % (900000+i),("198.18.1.11",2425))
    time.sleep(0.01)
end=time.time()+1.5
while time.time()<end:
    try: d=s.recv(9999)
    except OSError: continue
    c=int(d.split(b":")[4]) & 0xff
    ans+=c==0x73; probes+=c==0x40
print("%d,%d" % (ans, probes))'
is "$(in_host b1 "$PYTHON" -c "$flood_py")" 0,1 "50 GETPUBKEY from an unverified source: 0 ANSPUBKEY, 1 GETINFO probe"
is "$(ctd_q a1d status | jq_py 'r["guard"]["dropped"]["anspub"] >= 49')" True "counted as anspub drops"
ctd_done
