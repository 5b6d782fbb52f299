#!/usr/bin/env bash
# 511-monitor-tmux.sh: camtrace monitor's screen in tmux (80x24, 132x43) against camtraced and real iptux peers: a user joins, exits, flaps; a router fault in the probe columns and the events; pause, filter, sort, compact, resize (overlays too), a Japanese nick aligned.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd monitor || skip_all "camtrace has no monitor command"
need_cmd tmux tmux
need_iptux
lab_up

# ---- the screen in tmux -------------------------------------------------------
TM_SOCK=ctmon-$$
tm() { tmux -L "$TM_SOCK" "$@"; }
_mon_cleanup() {
	local st=$?
	tm kill-server >/dev/null 2>&1
	(exit $st)
	_lab_cleanup
}
trap _mon_cleanup EXIT
# mon_start HOST ARGS...: the monitor in HOST's namespace in a detached 80x24 tmux session
mon_start() {
	local h=$1
	shift
	mkdir -p "$LAB_TMP/snap"
	tm new-session -d -s mon -x 80 -y 24 \
		"exec ip netns exec $LAB_PREFIX-$h env LANG=C.UTF-8 TZ=UTC TERM=tmux-256color CAMTRACE_SNAPDIR=$LAB_TMP/snap \
$CAMTRACE $* 2>$LAB_TMP/mon.err"
}
screen() { tm capture-pane -p -t mon; }
keys() { tm send-keys -t mon "$@"; }
# line N: the screen's line N (0 = top)
line() { screen | sed -n "$(($1 + 1))p"; }
on_screen() { screen | grep -Eq -- "$1"; }
wait_screen() { wait_for -t "${2:-10}" on_screen "$1"; }
# host_row HOST: the Hosts row of user@HOST (its USER@HOST cell), or nothing
host_row() { screen | grep -E -m1 -- "[^ ]+@$1 "; }
# cell ROW N: the Nth (1-based) blank-separated cell of ROW, counted from the end when N < 0
cell() {
	"$PYTHON" -c 'import sys
c = sys.argv[1].split(); n = int(sys.argv[2])
print(c[n - 1] if 0 < n <= len(c) else c[n] if -len(c) <= n < 0 else "")' "$1" "$2"
}
# col_of LINE TEXT: the display column where TEXT starts in LINE (wide characters count 2)
col_of() {
	"$PYTHON" -c 'import sys, unicodedata as u
l, t = sys.argv[1], sys.argv[2]
i = l.find(t)
print(-1 if i < 0 else sum(2 if u.east_asian_width(c) in "WF" else 1 for c in l[:i]))' "$1" "$2"
}
# last_col LINE: the display column where LINE's last blank-separated cell starts
last_col() {
	"$PYTHON" -c 'import sys, unicodedata as u
l = sys.argv[1].rstrip(); i = l.rfind(" ") + 1
print(sum(2 if u.east_asian_width(c) in "WF" else 1 for c in l[:i]))' "$1"
}
# width LINE: its display width
width() {
	"$PYTHON" -c 'import sys, unicodedata as u
print(sum(2 if u.east_asian_width(c) in "WF" else 1 for c in sys.argv[1]))' "$1"
}
# ctd_host_state NAME HOST STATE: daemon NAME lists HOST (host field) in STATE
ctd_host_state() { ctd_users "$1" | awk -v h="$2" -v s="$3" '$2 == h && $4 == s { f = 1 } END { exit !f }'; }
host_state() { cell "$(host_row "$1")" 4; }
row_state_is() { [ "$(host_state "$1")" = "$2" ]; }

# ---- the lab: a list server in site A, a camtraced client in site B, iptux in site A
ctd_start srv srv "user_name = srv" "host_name = srv-box" "nick = CAMServer" "allow = 198.18.0.0/15" \
	"notify = 198.18.2.*" "liveness_interval = 10s" "liveness_misses = 2"
ctd_start cli b1 "server = $(addr srv)" "user_name = cli" "host_name = b1-node" "nick = cli"
ok 'wait_for -t 20 ctd_has srv cli online' "the server lists the site-B client"

mon_start srv --ctl "$LAB_TMP/srv/ctl.sock" monitor -Z root --interval 0.5 --no-capture
ok 'wait_screen "cli@b1-node"' "80x24: the monitor shows the client from the daemon"
is "$(line 0 | cut -c1-16)" "camtrace monitor" "line 0: the title"
like "$(line 1)" '^\[Hosts\]  Segments   Packets   Events ' "line 1: the views, Hosts current in brackets"
like "$(line 3)" '^NICK +USER@HOST +ADDRESS +STATE +FLAP +SEEN +UDP% +RTT TCP *$' "line 3: the Hosts column titles at 80"
b1row=$(host_row b1-node)
is "$(cell "$b1row" 1) $(cell "$b1row" 3) $(cell "$b1row" 4) $(cell "$b1row" 5)" "cli 198.18.2.11 online 0" \
	"the client's row: nick, address, state, flaps"

# a user joins: iptux with a Japanese nick
run_ok "iptux starts on a1 as 太郎 / 営業部" lab iptux start a1 --nick 太郎 --group 営業部 --hostname a1-pc
ok 'wait_screen "@a1-pc "' "the iptux user appears"
a1row=$(host_row a1-pc)
is "$(cell "$a1row" 1) $(cell "$a1row" 3) $(cell "$a1row" 4)" "太郎 198.18.1.11 absent" \
	"its row: nick 太郎, address, absent (iptux sets ABSENCEOPT)"
hdr=$(line 3)
is "$(col_of "$a1row" "198.18.1.11")" "$(col_of "$hdr" "ADDRESS")" \
	"太郎 (two columns a character) keeps the ADDRESS column aligned with the title"
is "$(last_col "$a1row")" "$(col_of "$hdr" "TCP")" "and its last cell (TCP) starts under the TCP title"

# sort by nick, then reversed
keys n
ok 'wait_screen "^NICKv "' "n: the NICK title marked v"
first() { cell "$(line 4)" 1; }
is "$(first)" "cli" "n: nick order, ASCII first"
keys n
ok 'wait_screen "^NICK\^ "' "n again: reversed, the title marked ^"
is "$(first)" "太郎" "reversed: 太郎 first"
keys 0

# filter, checked as it is typed
keys / a 1 - p c
ok 'wait_screen "^filter: a1-pc_ +\[ok\]$"' "/a1-pc: the prompt says ok"
is "$(screen | sed -n '5,23p' | grep -Ec -- '@[^ ]+ ')" "1" "one host row left (lines 4 to 22)"
keys Enter
ok 'wait_screen "^\[/a1-pc\] "' "Enter: the filter stays, named in the bottom line"
keys Escape
ok 'wait_screen "cli@b1-node"' "Esc clears the filter"
keys / s t a t e : x y z
ok 'wait_screen "^filter: state:xyz_ +\[invalid: [^ ]"' "state:xyz: the prompt says invalid and why"
keys Escape

# pause: the screen keeps its rows, collection continues
keys p
ok 'wait_screen "PAUSED \+0 "' "p: PAUSED +0 in the header"
run_ok "iptux on a1 quits (BR_EXIT)" lab iptux stop a1
ok 'wait_for -t 15 ctd_host_state srv a1-pc offline' "the daemon has a1-pc offline"
ok 'wait_screen "PAUSED \+[1-9][0-9]* "' "paused: the header counts the new events"
is "$(host_state a1-pc)" "absent" "paused: the row still says absent"
keys p
ok 'wait_for -t 5 row_state_is a1-pc left' "resumed: a1-pc marked left (exited)"

# flap: it comes back
run_ok "iptux on a1 starts again" lab iptux start a1 --nick 太郎 --group 営業部 --hostname a1-pc
ok 'wait_for -t 30 row_state_is a1-pc absent' "a1-pc back"
is "$(cell "$(host_row a1-pc)" 5)" "1!" "FLAP 1! (counted, ! = unstable)"

# the events view
keys d d d
ok 'wait_screen "^ Hosts   Segments   Packets  \[Events\]"' "d three times: Events"
ok 'wait_screen "a1-pc"' "the events name a1-pc"

# a fault on the router: UDP 2425 dropped both ways; the selected client's probe columns
keys d
ok 'wait_screen "^\[Hosts\]"' "back to Hosts"
select_b1() {
	local i
	keys g
	sleep 0.3
	for i in 1 2 3 4 5 6; do
		tm capture-pane -p -e -t mon | grep -E -- "$(printf '\033')\[[0-9;]*7m.*@b1-node " >/dev/null && return 0
		keys j
		sleep 0.3
	done
	return 1
}
ok select_b1 "j selects the client's row (reverse video)"
udp_rate_is() { [ "$(cell "$(host_row b1-node)" 7)" = "$1" ]; }
# s: a snapshot (text and JSON) into CAMTRACE_SNAPDIR; it also says whether the selected host is
# being probed (probe.active: the probe columns need the monitor's live probes)
sleep 1
keys s
ok 'wait_screen "^saved .*/snap/monitor-[0-9]{8}T[0-9]{6}Z\.txt \(and \.json\)"' "s: the bottom line names the saved snapshot"
snap=$(ls "$LAB_TMP"/snap/monitor-*.json 2>/dev/null | head -1)
is "$("$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["command"], len(d["hosts"]))' "$snap" 2>&1)" \
	"monitor 2" "the JSON snapshot: command monitor, the 2 hosts"
probing=$("$PYTHON" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(any(h.get("host") == "b1-node" and h.get("probe", {}).get("active") for h in d["hosts"]))' "$snap" 2>/dev/null)
if [ "$probing" = True ]; then
	ok 'wait_for -t 10 udp_rate_is 100' "its UDP 2425 answer rate: 100"
	is "$(cell "$(host_row b1-node)" -1)" "open" "its TCP 2425: open"
fi
fid=$(lab fault add router drop udp 2425 both)
ok '[ -n "$fid" ]' "fault: the router drops UDP 2425"
keys r
if [ "$probing" = True ]; then
	ok 'wait_for -t 10 udp_rate_is 0' "after r: UDP 2425 answer rate 0"
	is "$(cell "$(host_row b1-node)" -1)" "open" "TCP 2425 still open (only UDP is dropped)"
else
	skip_test "the probe columns under the fault" "this monitor runs no probes (probe.active is not true for the selected b1-node in its snapshot)"
fi
ok 'wait_for -t 60 row_state_is b1-node lost' "the daemon loses the client: marked lost"
keys d d d
ok 'wait_screen "lost.*b1-node|b1-node.*lost"' "the Events view has the loss"
keys d
# the host's detail (Enter) and the doctor run from it (D): its verdict in place
ok select_b1 "the client's row selected again"
keys Enter
ok 'wait_screen "^\+- host detail -+\+$"' "Enter: the host detail, framed across the whole width"
ok 'wait_screen "^\| cli \(cli@b1-node\)  198\.18\.2\.11:2425 "' "the detail names the client"
ok 'wait_screen "^\| State offline \(lost\) "' "its state: offline (lost)"
keys D
ok 'wait_for -t 90 on_screen "^\| Doctor: verdict [a-z_]+: "' "D: the doctor's verdict shows in the detail"
diag "$(screen | grep -m1 'Doctor:')"
keys Escape
ok 'wait_screen "^\[Hosts\]"' "Esc: back to the Hosts view"
lab fault del "$fid" >/dev/null

# resize: 132x43, then too small, then back with the help open
tm resize-window -t mon -x 132 -y 43
ok 'wait_for -t 5 eval "[ \"\$(screen | wc -l)\" = 43 ]"' "132x43: 43 lines"
# tmux resizes the pane at once; the monitor redraws on its next turn (at most 100 ms later)
wait_for -t 5 eval 'line 3 | grep -q "PROGRAM *\$"'
like "$(line 3)" '^NICK +USER@HOST +ADDRESS +STATE +FLAP +SEEN +UDP% +RTT TCP +VIA +GROUP +LOSS +PING +PROGRAM *$' \
	"132 columns: every column, PROGRAM last"
is "$(width "$(line 0)")" "132" "the header spans 132 columns"
is "$(col_of "$(host_row a1-pc)" "198.18.1.11")" "$(col_of "$(line 3)" "ADDRESS")" \
	"132 columns: 太郎's row keeps the ADDRESS column aligned"
is "$(cell "$(host_row a1-pc)" 11)" "営業部" "132 columns: the GROUP column shows 営業部"
tm resize-window -t mon -x 50 -y 8
ok 'wait_screen "^terminal too small \(need 60x10\)$"' "50x8: terminal too small (need 60x10)"
keys '?'
tm resize-window -t mon -x 80 -y 24
ok 'wait_screen "^\+- camtrace monitor: keys -+\+$"' "80x24 again: the help box redrawn at the new size"
is "$(width "$(screen | grep -m1 -- '^+- camtrace monitor: keys')")" "80" "the help box is 80 wide"
keys Escape
keys c
ok 'wait_for -t 5 eval "! on_screen ^Keys:"' "c: compact, no key legend"
wait_for -t 5 eval 'line 2 | grep -Eq "^NICK +USER@HOST "' # the whole redraw, not its first half
like "$(line 2)" '^NICK +USER@HOST ' "compact: the titles move up to line 2"

keys q
ok 'wait_for -t 5 eval "! tm has-session -t mon 2>/dev/null"' "q quits"
is "$(cat "$LAB_TMP/mon.err")" "" "nothing on stderr"
ctd_done
