#!/usr/bin/env bash
# 601-send.sh: camtrace send and inbox in the lab: to a Windows-style peer in CP932, to iptux, to a camtraced (inbox fields), sealed with read notice, a dropped path, duplicates, the allow list, the direct path.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd send || skip_all "camtrace send not built"
lab_up

JA="日本語のメッセージ"
# cts HOST ARGS...: camtrace through the daemon NAME=$CTD on HOST
cts() { local h=$1; shift; ct "$h" --ctl "$LAB_TMP/$CTD/ctl.sock" "$@"; }

# the Windows-style peer on b3 announces no UTF-8 (an old client: CP932 only)
ip netns exec "$LAB_PREFIX-b3" "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --utf8 no --delay-max 0.2 \
	>"$LAB_TMP/winpeer.log" 2>&1 &
ok 'wait_for -t 10 grep -q ready "$LAB_TMP/winpeer.log"' "the Windows-style peer runs on b3"

# iptux on b2 (before srv starts: srv's notification round finds it)
have_iptux=
if command -v iptux >/dev/null 2>&1 && command -v Xvfb >/dev/null 2>&1; then
	have_iptux=1
	run_ok "iptux starts on b2" lab iptux start b2 --nick 次郎 --hostname b2-pc
fi

# camtraced on srv: knows site B by notification, takes messages from both sites
ctd_start srv srv "user_name = srv" "nick = CAMServer" "allow = 198.18.0.0/15" "notify = 198.18.2.11-198.18.2.13" \
	"msg_retry_ms = 300" "msg_retries = 2"
ctd_start a1d a1 "user_name = alice" "nick = Alice" "allow = 198.18.1.0/24"
ok 'wait_for -t 15 ctd_has srv hanako online' "srv knows the Windows-style peer (hanako) from its notification"
ok 'wait_for -t 15 ctd_has srv alice online' "and the camtraced on a1 (alice)"

# ---- to the Windows-style peer by user name, in CP932 --------------------------------
CTD=srv
cts srv send hanako "$JA"
is "$ct_status" 0 "send exits 0: delivered"
is "$(r '["path"]')" daemon "through camtraced"
is "$(r '["recipients"][0]["state"]')" delivered "hanako: delivered"
is "$(r '["recipients"][0]["tries"]')" 1 "in 1 try"
is "$(r '["recipients"][0]["address"]')" 198.18.2.13:2425 "at 198.18.2.13:2425"
is "$(r '["recipients"][0]["user"]')" hanako "user hanako from the table"
is "$(r '["recipients"][0]["charset"]')" cp932 "in CP932: the peer announced no CAPUTF8OPT"
is "$(r '["delivered"]'),$(r '["total"]')" 1,1 "1 of 1 delivered"
ok 'wait_for -t 5 grep -q "charset cp932 text $JA" "$LAB_TMP/winpeer.log"' "the peer decoded the Japanese text from CP932"

# ---- to iptux (no UTF-8 option, answers to port 2425) --------------------------------
if [ -n "$have_iptux" ]; then
	ok 'wait_for -t 15 has_host srv b2-pc' "srv lists iptux (it answered the notification)"
	cts srv send b2-pc "こんにちは iptux"
	is "$(r '["recipients"][0]["state"]')" delivered "iptux: delivered (RECVMSG)"
	is "$(r '["recipients"][0]["charset"]')" cp932 "in CP932 (iptux announces no CAPUTF8OPT)"
	like "$(iptux_cmds_from 198.18.1.10 b2)" "SENDMSG" "iptux handled the SENDMSG from srv"
	# iptux drops a SENDMSG whose number is not above the last one it saw: the next one must go up
	cts srv send 198.18.2.12 "second"
	is "$(r '["recipients"][0]["state"]')" delivered "iptux takes the next message too (packet numbers go up)"
	# iptux has no encryption (no ENCRYPTOPT in its entry)
	cts srv send --encrypt require b2-pc "secret"
	is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["tries"]')" not_encrypted,0 "--encrypt require to iptux: not_encrypted, nothing sent"
	is "$(r '["recipients"][0]["error"]')" "not encrypted: the peer does not advertise encryption (no ENCRYPTOPT in its entry)" "with the reason"
	cts srv send --encrypt auto b2-pc "clear"
	is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["encryption"]')" delivered,none "--encrypt auto to iptux: delivered in the clear"
	run_ok "iptux stops" lab iptux stop b2
else
	for i in 1 2 3 4 5 6 7 8 9; do skip_test "iptux peer" "iptux not installed"; done
fi

# ---- to a camtraced: its inbox gets the message with exact fields --------------------
cts srv send alice "hello alice"
is "$(r '["recipients"][0]["state"]')" delivered "alice's camtraced acknowledged"
is "$(r '["recipients"][0]["charset"]')" utf-8 "in UTF-8 (camtraced announces CAPUTF8OPT)"
ctd_q a1d inbox >"$LAB_TMP/inbox.json"
is "$(jget "$LAB_TMP/inbox.json" '["count"]')" 1 "alice's inbox: 1 message"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][0]["text"]')" "hello alice" "text"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][0]["user"]')" srv "user srv"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][0]["nick"]')" CAMServer "nick from alice's table"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][0]["from"]')" 198.18.1.10:2425 "from 198.18.1.10:2425"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][0]["charset"]')" utf-8 "charset utf-8"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][0]["sealed"]'),$(jget "$LAB_TMP/inbox.json" '["messages"][0]["read"]')" \
	false,false "not sealed, not read"
ok '[ -f "$LAB_TMP/a1d/inbox.json" ]' "kept in inbox.json beside the state file"
is "$(stat -c %a "$LAB_TMP/a1d/inbox.json")" 600 "mode 0600"

# ---- sealed, with the read notice -----------------------------------------------------
in_host srv "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" send --wait-read alice "for your eyes" \
	>"$LAB_TMP/sealed.json" 2>&1 &
sp=$!
sealed_in() { ctd_q a1d inbox | jq_py 'r["count"]' | grep -qx 2; }
ok 'wait_for -t 10 sealed_in' "the sealed message reached alice's inbox"
ctd_q a1d inbox >"$LAB_TMP/inbox.json"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][1]["sealed"]'),$(jget "$LAB_TMP/inbox.json" '["messages"][1]["read_check"]')" \
	true,true "sealed, read check asked"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][1]["text"]')" null "its text hidden in the list"
CTD=a1d
cts a1 inbox 2
is "$(r '["inbox"]["message"]["text"]')" "for your eyes" "camtrace inbox 2 opens it"
wait "$sp"
is "$(jget "$LAB_TMP/sealed.json" '["recipients"][0]["read"]')" true "the sender got the read notice (READMSG)"
is "$(jget "$LAB_TMP/sealed.json" '["recipients"][0]["delivered"]')" true "and it was delivered"

# ---- duplicates: a resent SENDMSG is acknowledged twice, kept once ----------------------
dup_py='import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("",2425)); s.settimeout(2)
d=b"1:777001:bob:a2-pc:288:twice\0"
n=0
for i in range(2):
    s.sendto(d,("198.18.1.11",2425))
    try:
        r=s.recv(9999); n+=r.split(b":")[5].startswith(b"777001")
    except OSError: pass
print(n)'
is "$(in_host a2 "$PYTHON" -c "$dup_py")" 2 "a resent SENDMSG gets RECVMSG again"
is "$(ctd_q a1d inbox | jq_py 'r["count"]')" 3 "and is kept once"

# ---- the allow list: a sender in site B gets no RECVMSG and nothing is kept -------------
ct b1 send --direct 198.18.1.11 "from outside"
is "$(r '["recipients"][0]["state"]')" not_delivered "a1's camtraced (allow 198.18.1.0/24) does not acknowledge site B"
is "$(ctd_q a1d inbox | jq_py 'r["count"]')" 3 "nothing kept"

# ---- a dropped path: not delivered after exactly 1 + msg_retries tries -----------------
CTD=srv
fid=$(lab fault add router drop udp 2425 a2b)
cts srv send hanako "lost"
is "$ct_status" 1 "send exits 1 when a recipient did not acknowledge"
is "$(r '["recipients"][0]["state"]')" not_delivered "not delivered through a router that drops UDP 2425"
is "$(r '["recipients"][0]["tries"]')" 3 "after exactly 3 tries (msg_retries 2)"
lab fault del "$fid" >/dev/null

# ---- names, errors ---------------------------------------------------------------------
cts srv send nobody-here "x"
is "$(r '["recipients"][0]["state"]')" unknown_recipient "an unknown name: unknown_recipient"
is "$ct_status" 1 "exit 1"
cts srv send --encrypt auto hanako "x"
is "$(r '["recipients"][0]["state"]'),$(r '["recipients"][0]["encryption"]')" delivered,none "--encrypt auto to a peer without encryption: in the clear"
is "$(r '["recipients"][0]["encryption_note"]')" "sent in the clear: no ANSPUBKEY from the peer after 3 GETPUBKEY" "saying why (it says ENCRYPTOPT, as Windows does, but answers no GETPUBKEY)"

# ---- --all: every live host of srv's table, paced like a notification round ------------
live=$(ctd_q srv users | jq_py 'len([h for h in r["hosts"] if h["state"] in ("online", "absent")])')
cts srv send --all "notice to all"
is "$(r '["total"]')" "$live" "--all: one recipient per live host ($live)"
is "$(r '["delivered"]')" "$live" "all delivered"
is "$(r '=sorted(x["to"] for x in d["recipients"])')" "$(ctd_q srv users | jq_py '",".join(sorted(h["user"] + "@" + h["host"] for h in r["hosts"] if h["state"] in ("online", "absent")))')" \
	"named user@host"

cts srv send --all --network 198.18.2.0/24 "notice to site B"
is "$(r '=",".join(x["to"] + "=" + x["state"] for x in d["recipients"])')" "hanako@WINPC=delivered" \
	"--all --network 198.18.2.0/24: only hanako (iptux has left)"

# ---- directly, without camtraced (a2 runs none) -----------------------------------------
ct a2 send 198.18.2.13 "direct"
is "$(r '["path"]')" direct "no daemon on a2: sent directly"
is "$(r '["recipients"][0]["state"]')" delivered "delivered"
ok 'grep -q "message from 198.18.1.12 .* text direct" "$LAB_TMP/winpeer.log"' "the peer got it from a2"
# ---- crash-safe inbox: kill -9, start again, the messages are there ---------------------
ctd_stop a1d KILL
ctd_start a1d a1 "user_name = alice" "nick = Alice" "allow = 198.18.1.0/24"
ctd_q a1d inbox >"$LAB_TMP/inbox.json"
is "$(jget "$LAB_TMP/inbox.json" '["count"]')" 4 "after kill -9 and a new start: the 4 messages kept (--all's too)"
is "$(jget "$LAB_TMP/inbox.json" '["messages"][1]["read"]')" true "the opened one still read"

# ---- absence: an automatic reply with absence_text (a2's camtraced) ----------------------
ctd_start a2d a2 "user_name = jiro" "absence = yes" "absence_text = 外出中です" "allow = 198.18.1.0/24"
# the sender waits for an automatic reply only from a host it knows to be absent: its entry first
ok 'wait_for -t 10 ctd_has srv jiro absent' "srv lists jiro as absent (its BR_ENTRY|ABSENCEOPT)"
CTD=srv
cts srv send 198.18.1.12 "are you there?"
is "$(r '["recipients"][0]["state"]')" delivered "delivered to an absent camtraced"
is "$(r '["recipients"][0]["auto_reply"]')" "外出中です" "its automatic reply (AUTORETOPT) is in the result"
srv_auto() { ctd_q srv inbox | jq_py '[m["auto_reply"] for m in r["messages"]]' | grep -q True; }
ok 'wait_for -t 5 srv_auto' "and in srv's inbox as an automatic reply"
is "$(ctd_q a2d inbox | jq_py 'r["count"]')" 1 "a2 kept the message (and answered no automatic reply with another)"
is "$(ctd_q a2d status | jq_py '"%d,%d,%d" % (r["messages"]["received"], r["messages"]["auto_replies"], r["messages"]["inbox"])')" \
	1,1,1 "a2's status: messages received 1, auto_replies 1, inbox 1"
is "$(ctd_q a1d status | jq_py 'r["messages"]["refused"]')" 0 "a1's status counts since its restart (refused 0)"
ctd_done
