#!/usr/bin/env bash
# 211-camtraced-presence.sh: a stranger outside `accept` and a forger inside it (forged sources) try to add, move, take over and remove users: nothing changes in the served list; a real new user, a real exit and a real move still go through.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
[ -x "$CAMTRACE" ] || skip_all "camtrace not built"
need_iptux
lab_up
HOSTILE="$PYTHON $top_srcdir/tests/net/hostile.py"
SRV=$(addr srv)
B1=$(addr b1)
A2=$(addr a2)
run_ok "iptux starts on b1 (before the server: its notification reaches it)" lab iptux start b1 --hostname b1-pc

# accept: site A and two hosts of site B; b3 (198.18.2.13) is the stranger outside it
ctd_start srv srv "user_name = srv" "nick = CAMServer" "notify = 198.18.2.*" "notify_rate = 500" \
	"accept = 198.18.1.0/24, $B1/32, $(addr b2)/32" "allow = 198.18.0.0/15"
# pres KEY: one field of the server's status presence object
pres() { ctd_q srv status | jq_py "r[\"presence\"][\"$1\"]"; }
# pres_is KEY VALUE: the presence field is exactly VALUE (re-read at every wait_for try)
pres_is() { [ "$(pres "$1")" = "$2" ]; }
# listed HOST STATE: the server lists a user whose host field is HOST, in STATE
listed() {
	ctd_q srv users '{"filter":"all"}' | "$PYTHON" -c '
import json, sys
sys.exit(not any(h["host"] == sys.argv[1] and h["state"] == sys.argv[2] for h in json.load(sys.stdin)["hosts"]))' "$1" "$2"
}
# served: the served list as sorted "user host addr state" lines
served() {
	ctd_q srv users '{"filter":"all"}' | jq_py '"\n".join(sorted("%s %s %s %s" % (h["user"], h["host"], h["addr"], h["state"]) for h in r["hosts"]))'
}
is "$(ctd_q srv status | jq_py '",".join(r["presence"]["accept"])')" "198.18.1.0/24,198.18.2.11/32,198.18.2.12/32" \
	"status presence.accept shows the configured blocks"
is "$(pres confirm_claims)" "True" "confirm_claims is on by default"

# the real users: iptux on b1 (reached by notify), a Windows-style peer on a2 (joins by its own
# broadcast: it answers the server's question after 0-4 s), a camtraced client node on b2
in_host a2 "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --host WINPC --user hanako >"$LAB_TMP/winpeer.log" 2>&1 &
winpeer=$!
ok 'wait_for -t 10 grep -q ready "$LAB_TMP/winpeer.log"' "winpeer runs on a2"
ctd_start roam1 b2 "user_name = roamer" "host_name = roam-pc" "server = $SRV"
ok 'wait_for -t 20 listed b1-pc absent' "iptux (notified) is listed"
ok 'wait_for -t 15 listed WINPC online' "a real new user, the Windows-style peer, is added once it answered"
ok 'wait_for -t 15 listed roam-pc online' "the client node on b2 is listed"
IPTUX_USER=$(ctd_q srv users | jq_py '[h["user"] for h in r["hosts"] if h["host"] == "b1-pc"][0]')
ok 'wait_for -t 10 pres_is pending 0' "nothing pending before the attack"
before=$(served)
is "$(echo "$before" | awk '{print $2, $3, $4}' | LC_ALL=C sort | tr '\n' ';')" \
	"WINPC $A2 online;b1-pc $B1 absent;roam-pc $(addr b2) online;" "the list before: three users at their addresses"

# the STRANGER (b3, outside accept), from its real address: a new user, a move, an exit
in_host b3 "$PYTHON" - "$SRV" "$IPTUX_USER" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 2425))
for i, (cmd, user, host) in enumerate([(1, "stranger", "b3-pc"), (1, sys.argv[2], "b1-pc"), (2, sys.argv[2], "b1-pc")]):
    s.sendto(b"1:%d:%s:%s:%d:x\x00\x00" % (7000 + i, user.encode(), host.encode(), cmd), (sys.argv[1], 2425))
PY
ok 'wait_for -t 5 pres_is refused_outside 3' "the stranger's 3 entry packets are refused (refused_outside 3)"

# the FORGER (a1, inside accept) with forged sources
forge() { in_host a1 $HOSTILE forge "$@" >/dev/null; }
forge 198.18.1.200 "$SRV" 1 admin helpdesk "Administrator"          # fake users from unused addresses
forge 198.18.1.201 "$SRV" 1 helpdesk it-desk "Helpdesk"
forge 198.18.1.202 "$SRV" 1 "$IPTUX_USER" b1-pc "moved"              # move iptux's user elsewhere
forge "$A2" "$SRV" 1 boss evil-pc "Boss"                             # other names at winpeer's address
forge "$B1" "$SRV" 2 "$IPTUX_USER" b1-pc                             # iptux "leaves"
ok 'wait_for -t 8 pres_is moves_refused 1' "the forged move: iptux answered at its address (moves_refused 1)"
ok 'wait_for -t 8 pres_is exits_refused 1' "the forged BR_EXIT: iptux answered (exits_refused 1)"
ok 'wait_for -t 10 pres_is takeovers_refused 1' "the forged takeover: winpeer answered with its names (takeovers_refused 1)"
ok 'wait_for -t 12 pres_is pending 0' "every claim decided"
is "$(pres unconfirmed_expired)" "2" "the two fake users were never confirmed (unconfirmed_expired 2)"
is "$(ctd_q srv status | jq_py '[r["presence"][k] for k in ("moves_applied", "exits_applied", "takeovers_applied", "pending_dropped")]')" \
	"[0, 0, 0, 0]" "nothing applied, nothing dropped"
is "$(served)" "$before" "the served list is unchanged: same users, same addresses, same states"
ct srv users --ctl "$LAB_TMP/srv/ctl.sock"
is "$(r '=" ".join(sorted(h["host"] + "@" + h["addr"] for h in d["hosts"]))')" "WINPC@$A2 b1-pc@$B1 roam-pc@$(addr b2)" \
	"camtrace users --json lists the same three users at the same addresses"
is "$(grep -c 'presence: refused' "$LAB_TMP/srv/log")" "1" "the refusals made one log line (with counts), not one per packet"
in_host srv "$CAMTRACE" status --ctl "$LAB_TMP/srv/ctl.sock" >"$LAB_TMP/status.txt" 2>&1
like "$(grep '^presence:' "$LAB_TMP/status.txt")" \
	"^presence: +0 pending, 3 refused \(outside accept\); refused/applied: moves 1/0, exits 1/0, takeovers 1/0; 2 never confirmed$" \
	"camtrace status shows the presence line"

# the neighbours: a real exit and a real move (the old address gone) are applied
run_ok "iptux quits (BR_EXIT)" lab iptux stop b1
ok 'wait_for -t 12 listed b1-pc offline' "the real exit is applied once iptux stays silent"
is "$(pres exits_applied)" "1" "exits_applied 1"
ctd_stop roam1 KILL
ctd_start roam2 a1 "user_name = roamer" "host_name = roam-pc" "server = $SRV"
roam_at_a1() { [ "$(ctd_q srv users | jq_py '[h["addr"] for h in r["hosts"] if h["host"] == "roam-pc"][0]')" = "$(addr a1)" ]; }
ok 'wait_for -t 15 roam_at_a1' "the real move (b2 gone silent, the new address answers) is applied: roamer at $(addr a1)"
is "$(pres moves_applied)" "1" "moves_applied 1"
is "$(pres moves_refused)" "1" "moves_refused still 1"
kill "$winpeer" 2>/dev/null
wait "$winpeer" 2>/dev/null
ctd_done
