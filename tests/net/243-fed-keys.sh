#!/usr/bin/env bash
# 243-fed-keys.sh: federation peers with keys: a keyed mesh works (keys pinned by fingerprint, every datagram sealed and signed), a peer whose key is not the configured one is refused, an unsigned datagram from a keyed peer's address is refused, each with a log line and status counters.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/fed-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
lab_up
A=$(addr srv) B=$(addr b3) M=$(addr b2)
nets="allow = 198.18.1.0/24, 198.18.2.0/24"
FED=$'peer_refresh = 2s\npeer_lease = 6s'
Z=0000000000000000
fpr() { ctd_q "$1" status | jq_py 'r["federation"]["key_fingerprint"]'; }

# first start: each server makes its key pair; A is told a wrong key for B
ctd_start srvA srv "user_name = srvA" "peer = $B key=$Z" "$FED" "$nets"
ctd_start srvB b3 "user_name = srvB" "peer = $A key=$Z" "$FED" "$nets"
ctd_start mallory b2 "user_name = mallory" "peer = $A key=$Z" "$FED" "$nets"
FA=$(fpr srvA) FB=$(fpr srvB) FM=$(fpr mallory)
like "$FA" '^[0-9a-f]{16}$' "A's status shows its key's fingerprint"
ok '[ "$FA" != "$FB" ] && [ "$FB" != "$FM" ]' "each server has its own key"
ok 'wait_for -t 15 fed_peer_is srvA "$B" "p[\"auth\"]" key_mismatch' "A refuses B's key: not the configured fingerprint"
ok 'grep -q "federation datagram from $B:2425 (peer $B key=$Z) refused: its key.s fingerprint $FB is not the configured $Z" "$LAB_TMP/srvA/log"' \
	"A's log names the key it got and the one configured"
ok '[ "$(ctd_q srvA status | jq_py "r[\"federation\"][\"auth_refused\"]")" -ge 1 ]' "A counts it (federation.auth_refused)"
for n in srvA srvB mallory; do ctd_stop "$n"; done

# the keyed mesh: A and B know each other's keys; b2 (mallory) is configured at A with B's key
ctd_start srvA srv "user_name = srvA" "peer = $B key=$FB" "peer = $M key=$FB" "$FED" "$nets"
ctd_start srvB b3 "user_name = srvB" "peer = $A key=$FA" "$FED" "$nets"
ctd_start mallory b2 "user_name = mallory" "peer = $A key=$FA" "$FED" "$nets"
ctd_start alice a1 "user_name = alice" "server = $A" "fetch_interval = 3s"
ctd_start bob b1 "user_name = bob" "server = $B" "fetch_interval = 3s"
ok 'wait_for -t 20 ctd_has srvB alice online' "keyed mesh: B lists alice (owned by A)"
ok 'wait_for -t 20 ctd_has srvA bob online' "keyed mesh: A lists bob (owned by B)"
is "$(fed_peer srvA "$B" 'p["auth"]')" "verified" "A's status: B's key verified"
is "$(fed_peer srvA "$B" 'p["auth_refused"]')" "0" "A's status: nothing from B refused"
is "$(fed_peer srvB "$A" 'p["auth"]')" "verified" "B's status: A's key verified"
st=$("$CAMTRACE" --ctl "$LAB_TMP/srvA/ctl.sock" status 2>&1)
like "$st" "peer $B key=$FB +up .*, key verified" "camtrace status: B's line says its key is verified"
like "$st" "federation key: +$FA, [0-9]+ datagrams refused from keyed peers" "camtrace status: A's key and the refusals"
ok 'wait_for -t 20 ctd_has alice bob online' "the client alice sees bob"
is "$(fed_peer srvA "$M" 'p["auth"]')" "key_mismatch" "A: b2 holds another key than the one configured for it: refused"
sleep 4
is "$(fed_peer srvA "$M" 'p["hosts"]')" "0" "A holds no host from b2"
ok '[ "$(fed_peer srvA "$M" "p[\"auth_refused\"]")" -ge 1 ]' "A counts b2's datagrams refused"

# a forged source: b2's daemon gone, an unsigned digest and page from b2's address and port
ctd_stop mallory
r0=$(ctd_q srvA status | jq_py 'r["federation"]["auth_refused"]')
dg=$'1:1:evil:evilpc:8388804:CTFED1 D 9 1 1 6000 0 0\n'
pg=$'1:2:evil:evilpc:8388804:CTFED1 U 9 0 1 1\n1\t+\tL\tforged\tpc-f\tf\tg\t198.18.2.12\t2425\t0\n'
in_host b2 "$PYTHON" "$LABNET" send udp "$A" 2425 --sport 2425 --data "$dg" >/dev/null
in_host b2 "$PYTHON" "$LABNET" send udp "$A" 2425 --sport 2425 --data "$pg" >/dev/null
ok 'wait_for -t 5 st_ge srvA "r[\"federation\"][\"auth_refused\"]" $((r0 + 2))' \
	"A refuses both unsigned datagrams from a keyed peer's address"
is "$(fed_user srvA forged 'h["state"]')" "absent" "and does not list the forged host"
is "$(fed_peer srvA "$M" 'p["last_error"]')" "refused: not signed (a keyed peer's datagrams must be)" \
	"A's status says why (its log too, rate limited)"
ok 'ctd_has srvA bob online' "bob (B, keyed) stays online at A"

for n in alice bob srvA srvB; do ctd_stop "$n"; done
ctd_done
