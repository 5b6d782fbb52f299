#!/usr/bin/env bash
# 230-camtraced-subscribe.sh: camtraced's event subscription: snapshot and synced, iptux's join and exit, a fetch that times out behind a fault, notification rounds, a search, a reload warning.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
need_iptux
lab_up

SUB="$PYTHON $top_srcdir/tests/net/ctlsub.py"
# ev FILE PY-EXPR [KEY-EXPR]: the first event e of FILE where PY-EXPR holds (waits up to 20 s), then KEY-EXPR of it
ev() { wait_for -t 20 $SUB --find "$1" "$2" >/dev/null && $SUB --find "$1" "$2" | jq_py "${3:-json.dumps(r, ensure_ascii=False)}"; }
subscribe() { # NAME OUT [EVENTS-JSON]: a subscriber of daemon NAME writing into OUT
	$SUB "$LAB_TMP/$1/ctl.sock" "$2" "${3:-[]}" &
	wait_for -t 10 grep -q '"ev": *"synced"\|"ev":"synced"' "$2"
}

# a Windows-style peer on a2 is there before anyone subscribes
in_host a2 "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --host WINPC --user hanako --delay-max 0 \
	>"$LAB_TMP/winpeer.log" 2>&1 &
ctd_start srv srv "user_name = srv" "nick = CAMServer" "allow = 198.18.0.0/15" "notify = $(addr b2)" \
	"notify_interval = 10s"
ok 'wait_for -t 15 has_host srv WINPC' "the server knows the Windows-style peer"
n_before=$(ctd_q srv status | jq_py 'r["hosts"]["total"]')

E=$LAB_TMP/srv.ev
ok 'subscribe srv "$E"' "a subscriber of every kind gets its snapshot"
is "$(head -n 1 "$E" | jq_py 'json.dumps(r["reply"]["subscribed"])')" '["host", "fetch", "notify", "search", "warn"]' \
	"reply: subscribed lists the five kinds"
is "$(head -n 1 "$E" | jq_py 'r["reply"]["hosts"]')" "$n_before" "reply: hosts is the table's count"
w=$(ev "$E" 'e["ev"] == "host" and e["op"] == "present" and e["host"]["host"] == "WINPC"')
is "$(echo "$w" | jq_py 'r["v"], r["host"]["user"], r["host"]["addr"], r["host"]["nick"], r["host"]["state"]')" \
	"1 hanako 198.18.1.12 営業 花子 online" "snapshot: present hanako@WINPC at 198.18.1.12, nick 営業 花子, online"
same_fields() { echo "$w" | "$PYTHON" -c 'import json,sys
w = json.load(sys.stdin); u = json.loads(sys.argv[1])
print(sorted(w["host"]) == sorted([h for h in u["hosts"] if h["host"] == "WINPC"][0]))' "$(ctd_q srv users)"; }
is "$(same_fields)" "True" "snapshot: the host record has exactly the fields of users --json"
is "$(ev "$E" 'e["ev"] == "synced"' 'r["hosts"]')" "$n_before" "synced: hosts is the count of present events"
is "$(grep -c '"op": *"present"\|"op":"present"' "$E")" "$n_before" "one present event per host"
like "$(ev "$E" 'e["ev"] == "synced"' 'r["t"]')" "^1[0-9]{12}$" "t: UTC epoch milliseconds"

# iptux joins, then leaves
run_ok "iptux starts on a1 as 太郎 / 営業部" lab iptux start a1 --nick 太郎 --group 営業部 --hostname a1-pc
j=$(ev "$E" 'e["ev"] == "host" and e["op"] == "join" and e["host"]["host"] == "a1-pc"')
ok '[ -n "$j" ]' "iptux's arrival: a join event"
iuser=$(ctd_q srv users | jq_py '[h["user"] for h in r["hosts"] if h["host"] == "a1-pc"][0]')
is "$(echo "$j" | jq_py 'r["host"]["user"], r["host"]["host"], r["host"]["addr"], r["host"]["port"], r["host"]["nick"], r["host"]["group"], r["host"]["origin"]')" \
	"$iuser a1-pc 198.18.1.11 2425 太郎 営業部 local" \
	"join: user $iuser, host a1-pc, addr 198.18.1.11:2425, nick 太郎, group 営業部, origin local"
run_ok "iptux quits gracefully" lab iptux stop a1
x=$(ev "$E" 'e["ev"] == "host" and e["op"] == "exit" and e["host"]["host"] == "a1-pc"')
is "$(echo "$x" | jq_py 'r["host"]["user"], r["host"]["state"], r["host"]["offline_reason"]')" "$iuser offline left" \
	"its BR_EXIT: an exit event, offline, offline_reason left"

# a notification round (every 10 s, to b2)
nt=$(ev "$E" 'e["ev"] == "notify" and e["round"] >= 2')
is "$(echo "$nt" | jq_py 'r["targets"], r["kind"]')"  "1 entry" "a notification round: targets 1, kind entry"

# a search of site B
sid=$(ctd_q srv search.start "{\"ranges\":[\"$(addr b1)-$(addr b3)\"]}" | jq_py 'r["search_id"]')
s=$(ev "$E" "e['ev'] == 'search' and e['search_id'] == $sid and e['state'] == 'done'")
is "$(echo "$s" | jq_py 'r["probed"], r["found"]')" "3 0" "the search: a done event, 3 probed, 0 found"

# a reload with a setting that needs a restart: a warning
listen=$(ctd_q srv status | jq_py 'r["listen"]')
echo "port = 2426" >>"$LAB_TMP/srv/conf"
ctd_q srv reload >/dev/null
wv=$(ev "$E" 'e["ev"] == "warn"')
is "$(echo "$wv" | jq_py 'r["level"], r["msg"]')" \
	"warning reload: \`listen\` and \`port\` changes need a restart; keeping $listen:2425" "the reload warning: a warn event"

# a site-B client whose fetch fails behind a fault on the router
ctd_start cli b1 "server = $(addr srv)" "user_name = cli"
F=$LAB_TMP/cli.ev
ok 'subscribe cli "$F" "[\"fetch\"]"' "a subscriber of fetch events on the client"
is "$(head -n 1 "$F" | jq_py 'r["reply"]["subscribed"]')" "['fetch']" "reply: subscribed [fetch]"
ctd_q cli refresh >/dev/null
f=$(ev "$F" 'e["ev"] == "fetch" and e["result"] == "ok"')
is "$(echo "$f" | jq_py 'r["server"], repr(r["error"]), r["hosts"] >= 2, r["ms"] >= 0')" "198.18.1.10:2425 '' True True" \
	"a fetch: result ok, server 198.18.1.10:2425, no error"
fid=$(lab fault add router drop udp 2425 both)
ctd_q cli refresh >/dev/null
t=$(ev "$F" 'e["ev"] == "fetch" and e["result"] != "ok"')
is "$(echo "$t" | jq_py 'r["result"], r["server"], r["hosts"]')" "timeout 198.18.1.10:2425 0" \
	"behind the fault: result timeout, hosts 0"
like "$(echo "$t" | jq_py 'r["error"]')" "^the server did not answer BR_ISGETLIST2" "... and the error says what failed"
is "$(grep -vc '"ev": *"fetch"\|"ev":"fetch"\|"reply"\|"ev": *"synced"\|"ev":"synced"' "$F")" "0" \
	"the fetch subscriber gets nothing else (no host events)"
lab fault del "$fid" >/dev/null
ctd_done
