#!/usr/bin/env bash
# 210-camtraced-ops.sh: camtraced operations in the lab: -n/-T, camtrace status/users/search/refresh, kill -9 and restart, bad state file, bad reload.
. "${top_srcdir:-.}/tests/net/lib.sh"
# the daemon's scenario helpers come with the daemon itself (node area)
if [ ! -f "$top_srcdir/tests/net/ctd-lib.sh" ]; then echo "1..0 # SKIP tests/net/ctd-lib.sh not in this tree yet"; exit 0; fi
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"

# ---- configuration checks (no lab needed) ----
printf 'port = 99999\nnotfiy = 198.18.2.*\nfetch_interval = 2 hours\n' >"$LAB_TMP/bad.conf"
run_fails "camtraced -n refuses a bad configuration" "$CAMTRACED" -n -c "$LAB_TMP/bad.conf"
out=$(cat "$LAB_TMP/run-out")
like "$out" "bad.conf:1: port must be between 1 and 65535" "-n: range error with file:line"
like "$out" "bad.conf:2: unknown keyword 'notfiy'; did you mean 'notify'\\?" "-n: unknown keyword with a suggestion"
like "$out" "bad.conf:3: '2 hours' is not a duration" "-n: every bad line is reported"
printf 'notify = 198.18.2.*\nfetch_interval = 90m\n' >"$LAB_TMP/good.conf"
run_ok "camtraced -n accepts a good configuration" "$CAMTRACED" -n -c "$LAB_TMP/good.conf"
run_ok "camtraced -T prints the effective configuration" "$CAMTRACED" -T -c "$LAB_TMP/good.conf"
out=$(cat "$LAB_TMP/run-out")
like "$out" $'\nfetch_interval = 1h30m\n' "-T shows the configured value"
like "$out" $'\nport = 2425\n' "-T shows defaults too"
like "$out" $'\nallow = [^\n]*198.18.2.0/24' "-T shows the computed allow list with the notified site"
is "$(sed -n 's/^\(# \)\{0,1\}\([a-z_]*\) = .*/\2/p' "$LAB_TMP/run-out" | sort -u | tr '\n' ' ')" \
	"$(sed -n 's/^#\([a-z_]*\) = .*/\1/p' "$top_srcdir/contrib/camtraced.conf.example" | sort -u | tr '\n' ' ')" \
	"-T prints every keyword the example configuration documents"

lab_up
ctd_start srv srv "nick = CAMServer" "user_name = srv" "search_rate = 400"
ctd_start alice a1 "nick = Alice" "user_name = alice" "group = Sales"
ctd_start bob a2 "nick = Bob" "user_name = bob"
ctd_start carol b1 "nick = Carol" "user_name = carol"
ctd_start dan b2 "nick = Dan" "user_name = dan"
C=("$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock")
ok 'wait_for -t 10 ctd_has srv alice online' "the server sees alice"
ok 'wait_for -t 10 ctd_has srv bob online' "the server sees bob"

# ---- camtrace status / users ----
run_ok "camtrace status" "${C[@]}" status
out=$(cat "$LAB_TMP/run-out")
like "$out" "^camtraced [0-9]" "status names the daemon and its version"
like "$out" "roles: +list server" "status shows the roles"
like "$out" "hosts: +[0-9]+ known" "status shows the host counts"
run_ok "camtrace users" "${C[@]}" users
like "$(cat "$LAB_TMP/run-out")" $'\nalice +[^ ]+ +Alice +Sales +[0-9.]+:2425 +online +local' "users: alice's line"
"${C[@]}" --json users >"$LAB_TMP/users.json"
ok '"$PYTHON" -c "
import json,sys
d=json.load(open(sys.argv[1]))
keys={\"user\",\"host\",\"nick\",\"group\",\"addr\",\"port\",\"state\",\"origin\",\"flap_count\",\"last_seen\"}
a=[h for h in d[\"hosts\"] if h[\"user\"]==\"alice\"][0]
assert all(keys <= set(h) for h in d[\"hosts\"]), d
assert (a[\"nick\"],a[\"group\"],a[\"state\"],a[\"origin\"],a[\"port\"])==(\"Alice\",\"Sales\",\"online\",\"local\",2425), a
assert d[\"schema_version\"]==1 and d[\"command\"]==\"users\"
" "$LAB_TMP/users.json"' "users --json: every host has user host nick group addr port state origin flap_count last_seen"
run_fails "refresh on a server without \`server\` fails" "${C[@]}" refresh
like "$(cat "$LAB_TMP/run-out")" "no .server. configured" "... saying why"

# ---- search: exactly the IP Messenger hosts of site B ----
"${C[@]}" --json search '198.18.2.*' >"$LAB_TMP/search.json" 2>"$LAB_TMP/search.err"
is "$?" "0" "camtrace search 198.18.2.* completes"
is "$("$PYTHON" -c 'import json,sys; print(" ".join(sorted(h["addr"] for h in json.load(open(sys.argv[1]))["hosts"])))' "$LAB_TMP/search.json")" \
	"$(printf '%s\n' "$(addr b1)" "$(addr b2)" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"search found exactly the two IP Messenger hosts of site B (b3 and the router run none)"
is "$("$PYTHON" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["state"], d["probed"], d["total"])' "$LAB_TMP/search.json")" \
	"done 254 254" "search probed the whole range"
ok 'wait_for -t 10 ctd_has srv carol online' "carol (site B) is now in the server's table"
"${C[@]}" --json users --network 198.18.2.0/24 >"$LAB_TMP/b.json"
is "$("$PYTHON" -c 'import json,sys; print(" ".join(sorted(h["user"] for h in json.load(open(sys.argv[1]))["hosts"])))' "$LAB_TMP/b.json")" \
	"carol dan" "users --network 198.18.2.0/24 lists site B's users only"

# ---- kill -9 and restart: nothing that was saved is lost ----
first=$(ctd_q srv users | jq_py '[h["first_seen"] for h in r["hosts"] if h["user"]=="alice"][0]')
ok 'wait_for -t 10 grep -q "\"dan\"" "$LAB_TMP/srv/state.json"' "the state file holds the searched hosts"
ok 'wait_for -t 10 grep -q "\"found\":\[\"198.18.2" "$LAB_TMP/srv/state.json"' "and the addresses the search found"
ok '"$PYTHON" -c "import json,sys; json.load(open(sys.argv[1]))" "$LAB_TMP/srv/state.json"' "the state file is valid JSON while running"
ctd_stop srv KILL
ok '"$PYTHON" -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"format\"]==\"camtraced-state\"" "$LAB_TMP/srv/state.json"' \
	"after kill -9 the state file is intact"
ok '[ ! -e "$LAB_TMP/srv/state.json.tmp" ] || ! cmp -s "$LAB_TMP/srv/state.json.tmp" "$LAB_TMP/srv/state.json"' "no half-written file replaced it"
ok '[ -S "$LAB_TMP/srv/ctl.sock" ]' "kill -9 left a stale control socket"
ctd_start srv srv "nick = CAMServer" "user_name = srv" "search_rate = 400"
ok 'wait_for -t 10 ctd_q srv status >/dev/null 2>&1' "the restarted daemon replaced the stale socket and answers"
is "$(ctd_q srv users | jq_py '[h["first_seen"] for h in r["hosts"] if h["user"]=="alice"][0]')" "$first" \
	"after restart alice's record is the saved one (same first_seen)"
ok '[ "$(ctd_q srv status | jq_py "r[\"search\"][\"found\"]")" -ge 2 ]' "the addresses found by the search were reloaded"
ok 'wait_for -t 10 ctd_has srv dan online' "dan is notified again and online (found address kept)"

# ---- a damaged state file is kept aside, the daemon starts empty ----
ctd_stop srv
printf '{"format":"camtraced-state","version":1,"sections":{"hosts":[' >"$LAB_TMP/srv/state.json"
ctd_start srv srv "nick = CAMServer" "user_name = srv"
ok 'ls "$LAB_TMP"/srv/state.json.bad-* >/dev/null 2>&1' "the damaged state file was moved aside as state.json.bad-TIME"
ok 'grep -q "sections\":{\"hosts\":\[$" "$LAB_TMP"/srv/state.json.bad-*' "... with its content intact"
ok 'grep -q "kept it as" "$LAB_TMP/srv/log"' "the log says where it went"
run_ok "the daemon runs and answers" "${C[@]}" status

# ---- a bad configuration on SIGHUP is refused, the daemon keeps running ----
echo "notfiy = 198.18.2.*" >>"$LAB_TMP/srv/conf"
kill -HUP "$(ctd_pid srv)"
ok 'wait_for -t 5 grep -q "conf:[0-9]*: unknown keyword .notfiy.; did you mean .notify." "$LAB_TMP/srv/log"' \
	"SIGHUP with a bad file: file:line error logged"
run_ok "and the daemon still answers" "${C[@]}" status

# ---- leaving ----
ctd_stop srv
is "$?" "0" "SIGTERM: exit status 0"
ok '[ ! -S "$LAB_TMP/srv/ctl.sock" ]' "the control socket is removed"
run_fails "camtrace status afterwards fails" "${C[@]}" status
like "$(cat "$LAB_TMP/run-out")" "camtraced is not running" "... with the not-running message"

# ---- background mode, pid file, log file rotated with SIGHUP, socket mode ----
d=$LAB_TMP/bg
mkdir -p "$d"
printf '%s\n' "state_file = $d/state.json" "pidfile = $d/pid" "ctl_socket = $d/ctl.sock" "user = root" \
	"log = $d/camtraced.log" "log_level = info" >"$d/conf"
run_ok "camtraced starts in the background and returns" in_host b3 "$CAMTRACED" -c "$d/conf"
ok '[ -s "$d/pid" ] && pid_alive "$(cat "$d/pid")"' "the pid file names the running daemon"
is "$(stat -c %a "$d/ctl.sock")" "660" "control socket mode 0660"
ok 'wait_for -t 5 grep -q "started" "$d/camtraced.log"' "it logs to the configured file"
mv "$d/camtraced.log" "$d/camtraced.log.1"
kill -HUP "$(cat "$d/pid")"
ok 'wait_for -t 5 grep -q "configuration reloaded" "$d/camtraced.log"' "after SIGHUP it writes to a new log file (logrotate)"
ok 'grep -q "started" "$d/camtraced.log.1" && ! grep -q "started" "$d/camtraced.log"' "earlier lines stay in the rotated file"
kill "$(cat "$d/pid")"
ok 'wait_for -t 5 test ! -e "$d/pid"' "SIGTERM: the pid file is removed"
ctd_done
