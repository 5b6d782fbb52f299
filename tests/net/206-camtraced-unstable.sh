#!/usr/bin/env bash
# 206-camtraced-unstable.sh: flaps (exit and return, silence and return) of a camtraced client and a real iptux in site B, seen by the server within a minute; a steady iptux is not unstable; counts and flap times survive a restart; a flap older than unstable_window no longer makes a host unstable.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
[ -x "$CAMTRACE" ] || skip_all "camtrace not built"
need_iptux
lab_up

SRV_CONF=("user_name = srv" "host_name = srv-box" "allow = 198.18.0.0/15" "notify = 198.18.2.*"
	"liveness_interval = 10s" "liveness_misses = 2")
CLI_CONF=("server = $(addr srv)" "user_name = cli" "host_name = b1-node")

# uget FILTER HOST FIELD: FIELD of HOST in `camtrace users [--FILTER] --json` run on srv against
# the server's control socket; "absent" when HOST is not listed
uget() {
	local f=()
	[ "$1" = all ] || f=("--$1")
	ct srv users "${f[@]}" --ctl "$LAB_TMP/srv/ctl.sock"
	[ "$ct_status" = 0 ] || { echo "status $ct_status"; return; }
	r "=([h[\"$3\"] for h in d[\"hosts\"] if h[\"host\"] == \"$2\"] or [\"absent\"])[0]"
}
# ustate HOST STATE [REASON]: the server has HOST in STATE (and offline_reason REASON)
ustate() {
	[ "$(uget all "$1" state)" = "$2" ] && { [ -z "${3:-}" ] || [ "$(uget all "$1" offline_reason)" = "$3" ]; }
}
# unstable_flaps HOST N: HOST is listed by --unstable with flap_count N
unstable_flaps() { [ "$(uget unstable "$1" flap_count)" = "$2" ]; }
# flap_age HOST: seconds since HOST's last_flap (as the server shows it), or what uget said
flap_age() {
	local t
	t=$(uget all "$1" last_flap)
	"$PYTHON" -c 'import sys, time, calendar
try: print(int(time.time() - calendar.timegm(time.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ"))))
except ValueError: print(sys.argv[1])' "$t"
}
# young HOST: HOST's last_flap is an ISO 8601 UTC time 0 to 59 s ago
young() { local a; a=$(flap_age "$1"); [ "$a" -ge 0 ] 2>/dev/null && [ "$a" -lt 60 ]; }
# state_flap_at NAME HOST EPOCH: in NAME's (stopped) state file, HOST's only flap was at EPOCH;
# prints that time as the users method shows it
state_flap_at() {
	"$PYTHON" - "$LAB_TMP/$1/state.json" "$2" "$3" <<'PY'
import json, sys, time
p, host, t = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = json.load(open(p))
for h in d["sections"]["hosts"]:
    if h["host"] == host:
        h["last_flap"] = t
        h["recent_flaps"] = "%d.000" % t
json.dump(d, open(p, "w"))
print(time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t)))
PY
}

run_ok "steady iptux starts on b3" lab iptux start b3 --hostname b3-pc
run_ok "flapping iptux starts on b2" lab iptux start b2 --hostname b2-pc
ctd_start srv srv "${SRV_CONF[@]}"
ctd_start cli b1 "${CLI_CONF[@]}"
ok "wait_for -t 20 ustate b1-node online" "the server lists the camtraced client b1-node online"
# iptux always sets ABSENCEOPT: its users are "absent", which is alive
for h in b2-pc b3-pc; do
	ok "wait_for -t 20 ustate $h absent" "the server lists iptux $h (absent)"
done
is "$(uget all b3-pc origin)" "notified" "b3-pc was learned by notification (another site)"

# 1. exit and return: a camtraced client restarts (BR_EXIT to its server, then BR_ENTRY)
ctd_stop cli
ok "wait_for -t 12 ustate b1-node offline left" "the client's BR_EXIT: offline, reason left"
ctd_start cli b1 "${CLI_CONF[@]}"
ok "wait_for -t 10 unstable_flaps b1-node 1" "the client back: listed by users --unstable within 10 s"
is "$(uget unstable b1-node flap_count)" "1" "with flap_count 1"
is "$(uget unstable b1-node state)" "online" "and online"
is "$(uget unstable b1-node flaps_in_window)" "1" "flaps_in_window 1"
is "$(uget unstable b1-node unstable)" "true" "unstable true"
ok "young b1-node" "last_flap is an ISO 8601 UTC time less than a minute ago ($(uget all b1-node last_flap))"

# 2. exit and return of iptux: BR_EXIT to its peers; its BR_ENTRY broadcast stays in site B, so
#    the server sees the return through its liveness check of the offline host (unicast BR_ENTRY)
run_ok "iptux on b2 quits (BR_EXIT)" lab iptux stop b2
ok "wait_for -t 12 ustate b2-pc offline left" "b2-pc offline, reason left"
is "$(uget unstable b2-pc flap_count)" "absent" "having left is not yet unstable"
run_ok "iptux on b2 starts again" lab iptux start b2 --hostname b2-pc
ok "wait_for -t 25 unstable_flaps b2-pc 1" "b2-pc back: listed by users --unstable with flap_count 1"
is "$(uget unstable b2-pc missed_answers)" "0" "iptux answered every liveness check (missed_answers 0)"

# 3. silence and return: b2's answers to port 2425 are dropped, then let through again
fid=$(lab fault add b2 drop udp 2425 out)
ok '[ -n "$fid" ]' "fault: b2 drops its outgoing UDP 2425"
ok "wait_for -t 60 ustate b2-pc offline lost" "silent b2-pc is lost within a minute"
is "$(uget unstable b2-pc offline_reason)" "lost" "users --unstable lists it, offline_reason lost"
is "$(uget unstable b2-pc missed_answers)" "2" "after exactly liveness_misses = 2 missed answers"
is "$(uget unstable b2-pc flap_count)" "1" "flap_count still 1 while it is away"
run_ok "fault removed" lab fault del "$fid"
ok "wait_for -t 25 unstable_flaps b2-pc 2" "b2-pc answers again: back, flap_count 2"
is "$(uget unstable b2-pc state)" "absent" "b2-pc alive again (absent, as iptux always is)"
is "$(uget unstable b2-pc missed_answers)" "2" "missed_answers stays 2 (not counted while offline)"
is "$(uget unstable b2-pc flaps_in_window)" "2" "flaps_in_window 2 (both returns are minutes old)"
ok "young b2-pc" "b2-pc last_flap: its return a moment ago"

# 4. the neighbour: the steady iptux on b3 (same site, same checks) is not unstable
is "$(uget unstable b3-pc flap_count)" "absent" "steady b3-pc is not listed by users --unstable"
is "$(uget all b3-pc unstable)" "false" "unstable false"
is "$(uget all b3-pc flap_count)" "0" "flap_count 0"
is "$(uget all b3-pc missed_answers)" "0" "missed_answers 0: iptux answers the liveness BR_ENTRY"
is "$(uget all b3-pc last_flap)/$(uget all b3-pc flaps_in_window)" "null/0" "b3-pc: last_flap null, flaps_in_window 0"
is "$(uget unstable b1-node flap_count)" "1" "the client still has flap_count 1"
ct srv users --unstable --ctl "$LAB_TMP/srv/ctl.sock"
is "$(r '["count"]')" "2" "users --unstable lists exactly the two flapping users"
is "$(r '=[h["host"] for h in d["hosts"]]')" "b2-pc,b1-node" "most flaps first"

# 5. the counts survive a restart of the server, and the restart adds no flap
lf_b2=$(uget all b2-pc last_flap)
ctd_stop srv
ctd_start srv srv "${SRV_CONF[@]}"
is "$(uget all b2-pc flap_count)" "2" "after a restart b2-pc keeps flap_count 2"
is "$(uget all b2-pc last_flap)" "$lf_b2" "and its last_flap, to the millisecond"
is "$(uget all b2-pc flaps_in_window)/$(uget all b2-pc unstable)" "2/true" "and flaps_in_window 2, unstable true"
is "$(uget all b2-pc missed_answers)" "2" "and missed_answers 2"
is "$(uget all b1-node flap_count)" "1" "b1-node keeps flap_count 1"
is "$(uget all b3-pc flap_count)" "0" "b3-pc keeps 0"
sleep 22 # two liveness rounds after the restart
is "$(uget all b2-pc flap_count)/$(uget all b1-node flap_count)/$(uget all b3-pc flap_count)" "2/1/0" \
	"two rounds after the restart: flap counts unchanged (2/1/0)"
is "$(uget all b3-pc unstable)/$(uget all b3-pc state)" "false/absent" "b3-pc still stable and alive (absent)"

# 6. the window (unstable_window = 1d): b1-node's only flap moved to just over a day ago in the
#    state file is history (flap_count kept, not unstable); moved to just under a day ago it is
#    unstable again. b2-pc flapped minutes ago: unstable throughout.
ctd_stop srv
want=$(state_flap_at srv b1-node $(( $(date +%s) - 86400 - 120 )))
ctd_start srv srv "${SRV_CONF[@]}" "unstable_window = 1d"
is "$(uget all b1-node unstable)/$(uget all b1-node flaps_in_window)/$(uget all b1-node flap_count)" "false/0/1" \
	"b1-node, last flap a day and 2 minutes ago: unstable false, flaps_in_window 0, flap_count 1"
is "$(uget all b1-node last_flap)" "$want" "last_flap is that time ($want)"
is "$(uget unstable b1-node flap_count)" "absent" "users --unstable leaves it out"
is "$(uget unstable b2-pc flaps_in_window)/$(uget unstable b2-pc unstable)" "2/true" "b2-pc still listed (2 recent flaps)"
ct srv users --unstable --ctl "$LAB_TMP/srv/ctl.sock"
is "$(r '["count"]')/$(r '=[h["host"] for h in d["hosts"]]')" "1/b2-pc" "users --unstable: exactly b2-pc"
ct srv status --ctl "$LAB_TMP/srv/ctl.sock"
is "$(r '["daemon"]["hosts"]["unstable"]')" "1" "status counts 1 unstable host by the same rule"
ctd_stop srv
want=$(state_flap_at srv b1-node $(( $(date +%s) - 86400 + 120 )))
ctd_start srv srv "${SRV_CONF[@]}" "unstable_window = 1d"
is "$(uget all b1-node unstable)/$(uget all b1-node flaps_in_window)/$(uget all b1-node flap_count)" "true/1/1" \
	"b1-node, last flap 2 minutes less than a day ago: unstable true, flaps_in_window 1, flap_count 1"
is "$(uget all b1-node last_flap)" "$want" "last_flap is that time"
ct srv users --unstable --ctl "$LAB_TMP/srv/ctl.sock"
is "$(r '["count"]')/$(r '=[h["host"] for h in d["hosts"]]')" "2/b2-pc,b1-node" "users --unstable: b2-pc then b1-node"

ctd_stop cli
ctd_stop srv
lab iptux stop b2 >/dev/null 2>&1
lab iptux stop b3 >/dev/null 2>&1
ctd_done
