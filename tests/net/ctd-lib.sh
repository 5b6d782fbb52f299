# tests/net/ctd-lib.sh: helpers for the camtraced scenarios (2NN-*.sh): start daemons in lab hosts, query them.
# Source after lib.sh.
#   ctd_start NAME HOST [conf lines...]   camtraced in HOST's namespace, foreground, own files in $LAB_TMP/NAME
#   ctd_stop NAME [SIGNAL]                 signal it (default TERM) and wait for it to exit
#   ctd_q NAME METHOD [PARAMS-JSON]        control call; prints the result JSON
#   jq_py EXPR                             evaluates a Python expression on the JSON read from stdin (r)
#   ctd_users NAME [FILTER]                "user host nick state origin flaps" lines
CTLQ="$PYTHON $top_srcdir/tests/net/ctlq.py"
declare -A _ctd_pid

ctd_start() {
	local name=$1 h=$2 d=$LAB_TMP/$1
	shift 2
	mkdir -p "$d"
	{
		echo "state_file = $d/state.json"
		echo "pidfile = $d/pid"
		echo "ctl_socket = $d/ctl.sock"
		echo "user = root"
		echo "log_level = ${CTD_LOG_LEVEL:-info}"
		printf '%s\n' "$@"
	} >"$d/conf"
	ip netns exec "$LAB_PREFIX-$h" "$CAMTRACED" -f -c "$d/conf" >>"$d/log" 2>&1 &
	_ctd_pid[$name]=$!
	wait_for -t 10 _ctd_up "$d/ctl.sock" || { diag "camtraced $name on $h did not start:" "$(cat "$d/log")"; return 1; }
}
_ctd_up() { $CTLQ "$1" status >/dev/null 2>&1; }
# ctd_state_hosts NAME: host records in NAME's state file (0 when none)
ctd_state_hosts() {
	"$PYTHON" -c 'import json,sys
try: print(len(json.load(open(sys.argv[1]))["sections"]["hosts"]))
except Exception: print(0)' "$LAB_TMP/$1/state.json"
}
ctd_pid() { echo "${_ctd_pid[$1]}"; }
ctd_stop() {
	local p=${_ctd_pid[$1]}
	kill -"${2:-TERM}" "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	local st=$?
	unset "_ctd_pid[$1]"
	return $st
}
ctd_q() {
	local p=${3:-}
	[ -n "$p" ] || p='{}'
	$CTLQ "$LAB_TMP/$1/ctl.sock" "$2" "$p"
}
jq_py() { "$PYTHON" -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
ctd_users() {
	ctd_q "$1" users "{\"filter\":\"${2:-all}\"}" | "$PYTHON" -c '
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
for h in json.load(sys.stdin)["hosts"]:
    print(h["user"], h["host"], h["nick"] or "-", h["state"], h["origin"], h["flap_count"])'
}
# ctd_has NAME USER STATE: the daemon lists USER (exact user field) in STATE (exact state field)
ctd_has() {
	ctd_q "$1" users '{"filter":"all"}' | "$PYTHON" -c '
import json, sys
sys.exit(not any(h["user"] == sys.argv[1] and h["state"] == sys.argv[2] for h in json.load(sys.stdin)["hosts"]))' "$2" "$3"
}
# has_host NAME HOST [STATE]: NAME lists a user whose host field is exactly HOST (in STATE)
has_host() { ctd_users "$1" | awk -v h="$2" -v s="${3:-}" '$2 == h && (s == "" || $4 == s) {f=1} END {exit !f}'; }
# ctd_done: done_testing, showing the daemons' logs when something failed
ctd_done() {
	local f
	if [ "$_tap_fail" != 0 ]; then
		for f in "$LAB_TMP"/*/log; do [ -f "$f" ] && diag "== $f" "$(tail -n 25 "$f")"; done
	fi
	done_testing
}
# st_ge NAME PY-EXPR N: NAME's status, evaluated by PY-EXPR, is >= N (re-evaluated on every wait_for try)
st_ge() { local v; v=$(ctd_q "$1" status | jq_py "$2") && [ "$v" -ge "$3" ]; }
# state_ge NAME N: NAME's state file holds at least N hosts
state_ge() { [ "$(ctd_state_hosts "$1")" -ge "$2" ]; }
