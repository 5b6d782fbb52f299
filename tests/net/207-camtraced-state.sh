#!/usr/bin/env bash
# 207-camtraced-state.sh: bounded state: 20,000 hosts over loopback, 20 kill -9 (at random and during saves) lose no host of a completed save; temp files, max_hosts, host_expiry in the daemon.
# Runs in a private network namespace with only loopback (unshare -n): nothing leaves the machine.
if [ "$(id -u)" = 0 ] && [ -z "${CT_STATE_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_STATE_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
[ -n "${CT_STATE_NETNS:-}" ] || skip_all "needs root and unshare -n"
ip link set lo up
FEED="$PYTHON $top_srcdir/tests/net/state-feed.py"
ROUNDS=${ROUNDS:-20}
HOSTS=${HOSTS:-20000}
D=$LAB_TMP/srv
mkdir -p "$D"
# confirm_claims (issue 12, another part): the fed hosts must be accepted without a confirmation
extra=()
"$CAMTRACED" -T -c /dev/null 2>/dev/null | grep -q '^confirm_claims' && extra+=("confirm_claims = no")
srv_pid=

# srv_start [conf lines]: camtraced on 127.0.0.1:2425 with its files in $D
srv_start() {
	printf '%s\n' "listen = 127.0.0.1" "port = 2425" "user = root" "pidfile =" "state_file = $D/state.json" \
		"ctl_socket = $D/ctl.sock" "log_level = info" "${extra[@]}" "$@" >"$D/conf"
	"$CAMTRACED" -f -c "$D/conf" >>"$D/log" 2>&1 &
	srv_pid=$!
	wait_for -t 60 _ctd_up "$D/ctl.sock"
}
q() { $CTLQ "$D/ctl.sock" status | jq_py "$1"; }
sq_is() { [ "$(q "$1")" = "$2" ]; } # sq_is PYTHON-EXPR-ON-STATUS WANT
file_has() { [ "$(grep -c '^,\?{"user":' "$D/state.json" 2>/dev/null)" = "$1" ]; } # file_has N: N host lines
# the save child of the daemon, if one runs
saving_child() {
	local c=
	read -r c <"/proc/$srv_pid/task/$srv_pid/children" 2>/dev/null
	[ -n "$c" ]
}
kill9() {
	kill -9 "$srv_pid"
	wait "$srv_pid" 2>/dev/null
	# the save child dies with it (PR_SET_PDEATHSIG): wait until no process writes a temp file
	local k
	for k in $(seq 50); do pgrep -f "camtraced -f -c $D/conf" >/dev/null || break; sleep 0.1; done
}

ok 'srv_start' "camtraced starts"
run_ok "$HOSTS hosts announce themselves over loopback" $FEED feed 2425 0 "$HOSTS"
ok 'wait_for -t 60 sq_is "r[\"hosts\"][\"total\"]" "$HOSTS"' "camtraced lists all $HOSTS"
ok 'wait_for -t 20 sq_is "r[\"state\"][\"saves\"] >= 1" True' "a first save completes"

# fed: hosts announced so far (user u<i> for i < fed); known: those the running daemon has (the
# hosts fed after the last completed save before a kill -9 are lost: the documented window)
fed=$HOSTS known=$HOSTS good=0 restarts=0 midsave=0 tmp_seen=0 tmp_removed=0 full=0 failures=()
: >"$D/prev.users"
for round in $(seq "$ROUNDS"); do
	$FEED feed 2425 "$fed" 250 >/dev/null
	fed=$((fed + 250)) known=$((known + 250))
	how=random
	t0=$SECONDS
	if [ $((round % 4)) = 0 ]; then
		# wait for a completed save with every host the daemon has (the file is replaced
		# atomically; one line per host), then kill at once
		wait_for -t 30 file_has "$known"
		how=after-save
	elif [ $((round % 2)) = 1 ]; then
		# kill while the save child streams the file
		for _ in $(seq 2000); do saving_child && break; sleep 0.003; done
		saving_child && how=mid-save
	else
		sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", r % 250 / 100 }')"
	fi
	kill9
	[ "$how" = mid-save ] && midsave=$((midsave + 1))
	ntmp=$(find "$D" -maxdepth 1 -name 'state.json.tmp*' | wc -l)
	tmp_seen=$((tmp_seen + ntmp))
	res=$($FEED check "$D/state.json" "$D/prev.users")
	nfile=${res#ok }
	if [ "$how" = after-save ] && [ "$nfile" != "$known" ]; then
		res="bad: the completed save has $nfile hosts, the daemon had $known"
	fi
	[ "$how" = after-save ] && [ "$nfile" = "$known" ] && full=$((full + 1))
	known=$nfile
	if srv_start; then
		restarts=$((restarts + 1))
		total=$(q 'r["hosts"]["total"]')
		removed=$(q 'r["state"]["tmp_removed"]')
		tmp_removed=$((tmp_removed + removed))
		[ "$total" = "$nfile" ] || res="bad: restarted with $total hosts, the file has $nfile"
	else
		res="bad: did not restart: $(tail -3 "$D/log")"
	fi
	case $res in
	ok*) good=$((good + 1)) ;;
	*) failures+=("round $round ($how): $res") ;;
	esac
	cp "$D/state.json.users" "$D/prev.users"
	diag "round $round: $how kill, $nfile hosts in the file, $ntmp temp file(s), $((SECONDS - t0)) s"
done
for f in "${failures[@]}"; do diag "$f"; done
is "$good" "$ROUNDS" "$ROUNDS kill -9: the file always parses, keeps every host of the save before, and the restart lists exactly its hosts"
is "$restarts" "$ROUNDS" "camtraced restarted after every kill -9"
is "$full" "$((ROUNDS / 4))" "kills right after a completed save: every host the daemon had is in the file"
ok '[ "$midsave" -ge $((ROUNDS / 4)) ]' "kills while the save child was writing: $midsave"
is "$tmp_removed" "$tmp_seen" "every temp file a kill left ($tmp_seen) was removed at the next start"
is "$(find "$D" -maxdepth 1 -name 'state.json.bad*' | wc -l)" "0" "never a corrupt file moved aside"
ok '[ "$tmp_seen" = 0 ] || grep -q "notice: removed .*/state.json.tmp.[0-9]*, left by a save that a crash or kill interrupted" "$D/log"' \
	"the removal is logged with the file name"

# the daemon's saves in status
is "$(q 'r["state"]["failed"]')" "0" "no save failed"
$FEED feed 2425 "$fed" 10 >/dev/null
fed=$((fed + 10)) known=$((known + 10))
ok 'wait_for -t 20 sq_is "r[\"state\"][\"saves\"] >= 1 and r[\"hosts\"][\"total\"] == $known" True' "a save after new hosts"
ok 'wait_for -t 20 file_has "$known"' "... the file has all $known hosts"
is "$(q 'r["state"]["last_bytes"] == __import__("os").path.getsize("'"$D"'/state.json")')" "True" \
	"state.last_bytes is the size of the file"
kill -TERM "$srv_pid"
wait "$srv_pid"
is "$?" "0" "TERM: clean exit"
is "$($FEED check "$D/state.json")" "ok $known" "the exit save has all $known hosts"

# max_hosts: a restart with a smaller cap keeps the hosts heard from last
ok 'srv_start "max_hosts = 1000"' "restart with max_hosts = 1000"
is "$(q 'r["hosts"]["max"]')" "1000" "hosts.max"
is "$(q 'r["hosts"]["total"] <= 1000 and r["hosts"]["total"] + r["hosts"]["evicted"] == '"$known")" "True" \
	"the load stopped at the cap: total + evicted = $known"
# the hosts of the file in the order they were heard from (u<i>: announced in order of i)
kept=$(sort -t u -k2n "$D/state.json.users" | tail -n "$(q 'r["hosts"]["total"]')" | tr '\n' ' ')
is "$($CTLQ "$D/ctl.sock" users | jq_py '" ".join(sorted((h["user"] for h in r["hosts"]), key=lambda u: int(u[1:]))) + " "')" "$kept" \
	"the hosts kept are exactly the ones heard from last"
is "$(grep -c 'warning: host table full (max_hosts 1000)' "$D/log")" "1" "one warning with a count, not one per host"
kill9

# host_expiry: offline hosts unseen for longer are removed by the upkeep timer
now=$(date +%s)
{
	printf '{"format":"camtraced-state","version":1,"seq":1,"sections":{\n"hosts":[\n'
	for i in 1 2 3 4; do
		st=offline seen=$((now - 3 * 86400))
		[ $i = 4 ] && seen=$((now - 3600))
		[ $i = 1 ] && st=online
		[ $i = 1 ] || printf ','
		printf '{"user":"x%d","host":"h","nick":"","group":"","addr":"127.9.0.%d","port":2425,"state":"%s","gone":1,"first_seen":%d,"last_seen":%d,"last_change":%d}\n' \
			$i $i $st $seen $seen $seen
	done
	printf ']\n}}\n'
} >"$D/state.json"
echo partial >"$D/state.json.tmp.12345"
ok 'srv_start "host_expiry = 1d"' "restart with host_expiry = 1d"
ok 'wait_for -t 10 sq_is "r[\"hosts\"][\"expired\"]" 2' "hosts.expired 2: the two offline hosts unseen for 3 days"
is "$($CTLQ "$D/ctl.sock" users | jq_py '" ".join(sorted(h["user"] for h in r["hosts"]))')" "x1 x4" \
	"kept: the online host (lost first by liveness) and the offline one seen an hour ago"
is "$(q 'r["state"]["tmp_removed"]')" "1" "state.tmp_removed 1"
ok '[ ! -e "$D/state.json.tmp.12345" ]' "the leftover temp file is gone"
kill -TERM "$srv_pid"
wait "$srv_pid"
done_testing
