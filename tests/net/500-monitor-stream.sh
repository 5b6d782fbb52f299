#!/usr/bin/env bash
# 500-monitor-stream.sh: `camtrace monitor` as a line stream (stdout not a terminal) against camtraced on srv and a real iptux on a2: its join, exit and flap appear as timestamped lines and as NDJSON with exact fields; without a daemon it says so; --replay of a recorded capture gives exactly sniff -r's packet lines; -c stops the stream.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd monitor || skip_all "camtrace monitor not built"
need_iptux
lab_up

PCAP=$top_srcdir/tests/data/lab-ipmsg.pcap
declare -a MON_PIDS=()
stop_monitors() { local p; for p in "${MON_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; MON_PIDS=(); }

# ev FILE OP HOST EXPR: EXPR (Python, on the event e) of the first NDJSON host event OP of HOST
# in FILE; "none" when there is none
ev() {
	"$PYTHON" - "$@" <<'PY'
import json, sys
path, op, host, expr = sys.argv[1:5]
for line in open(path, encoding="utf-8"):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("ev") == "host" and e.get("op") == op and e["host"].get("host") == host:
        v = eval(expr, {"e": e})
        print(json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v)
        break
else:
    print("none")
PY
}
has_ev() { [ "$(ev "$1" "$2" "$3" 'e["op"]')" = "$2" ]; }
# line FILE OP HOST: the first text line of OP for HOST
line() { grep -m1 -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z $2 +[^ ]+@$3 " "$1"; }
has_line() { [ -n "$(line "$@")" ]; }

# a quick liveness check: a restarted iptux is found again by it (its own BR_ENTRY may come late)
ctd_start srv srv "user_name = srv" "host_name = srv-box" "allow = 198.18.0.0/15" \
	"liveness_interval = 10s" "liveness_misses = 2"
CTL=$LAB_TMP/srv/ctl.sock
in_host srv "$CAMTRACE" monitor --ctl "$CTL" --interval 0.5 -d 120 >"$LAB_TMP/mon.txt" 2>"$LAB_TMP/mon.err" &
MON_PIDS+=($!)
in_host srv "$CAMTRACE" --json monitor --ctl "$CTL" --interval 0.5 -d 120 >"$LAB_TMP/mon.ndjson" 2>/dev/null &
MON_PIDS+=($!)
ok "wait_for -t 10 grep -q camtraced $LAB_TMP/mon.err" "the stream says on stderr where its data come from"
like "$(cat "$LAB_TMP/mon.err")" "^camtrace monitor: camtraced $CTL " "it names the daemon's socket"

run_ok "iptux starts on a2 as 花子" lab iptux start a2 --nick 花子 --group 営業部 --hostname a2-pc
ok "wait_for -t 20 has_ev $LAB_TMP/mon.ndjson join a2-pc" "NDJSON: iptux's join"
F=$LAB_TMP/mon.ndjson
is "$(ev "$F" join a2-pc 'e["v"]')" "1" "join: v 1"
is "$(ev "$F" join a2-pc 'type(e["t"]).__name__')" "int" "join: t in epoch milliseconds"
is "$(ev "$F" join a2-pc 'e["host"]["addr"]')" "$(addr a2)" "join: host.addr"
is "$(ev "$F" join a2-pc 'e["host"]["port"]')" "2425" "join: host.port"
is "$(ev "$F" join a2-pc 'e["host"]["nick"]')" "花子" "join: host.nick in UTF-8"
is "$(ev "$F" join a2-pc 'e["host"]["group"]')" "営業部" "join: host.group"
is "$(ev "$F" join a2-pc 'e["host"]["state"]')" "absent" "join: iptux sets ABSENCEOPT: state absent"
is "$(ev "$F" join a2-pc 'e["host"]["origin"]')" "local" "join: learned from the local segment"
is "$(ev "$F" join a2-pc 'e["host"]["flap_count"]')" "0" "join: no flap yet"
U=$(ev "$F" join a2-pc 'e["host"]["user"]')
ok "wait_for -t 10 has_line $LAB_TMP/mon.txt join a2-pc" "text: the join line"
is "$(line "$LAB_TMP/mon.txt" join a2-pc | cut -d' ' -f2-)" \
	"join    $U@a2-pc \"花子\" $(addr a2):2425 via local" "text: the join line's words"

run_ok "iptux on a2 quits (BR_EXIT)" lab iptux stop a2
ok "wait_for -t 20 has_ev $F exit a2-pc" "NDJSON: the exit"
is "$(ev "$F" exit a2-pc 'e["host"]["state"]')" "offline" "exit: state offline"
is "$(ev "$F" exit a2-pc 'e["host"]["offline_reason"]')" "left" "exit: offline_reason left"
ok "wait_for -t 10 has_line $LAB_TMP/mon.txt exit a2-pc" "text: the exit line"

run_ok "iptux on a2 starts again" lab iptux start a2 --nick 花子 --group 営業部 --hostname a2-pc
ok "wait_for -t 45 has_ev $F flap a2-pc" "NDJSON: the flap" ||
	diag "$(grep -v '"packet"' "$F" | tail -6)" "$(cat "$LAB_TMP/mon.err")" "$(ctd_users srv)"
is "$(ev "$F" flap a2-pc 'e["host"]["flap_count"]')" "1" "flap: flap_count 1"
is "$(ev "$F" flap a2-pc 'e["host"]["unstable"]')" "true" "flap: unstable true"
is "$(ev "$F" flap a2-pc 'e["host"]["state"]')" "absent" "flap: alive again (absent): the return is the flap"
ok "wait_for -t 10 has_line $LAB_TMP/mon.txt flap a2-pc" "text: the flap line"
like "$(line "$LAB_TMP/mon.txt" flap a2-pc)" "\(flap 1, 1 since reset\)$" "text: it counts the flap"
stop_monitors
run_ok "iptux on a2 stops" lab iptux stop a2

# without a daemon: said as one line of the stream, and UDP 2425 is heard instead
in_host b1 "$CAMTRACE" --json monitor --ctl "$LAB_TMP/none.sock" --no-capture -d 1 >"$LAB_TMP/nod.ndjson" 2>/dev/null
is "$?" "0" "no daemon: the stream runs for its duration and exits 0"
is "$("$PYTHON" -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["ev"] == "status" and e["msg"].startswith("no camtraced at"): print(e["level"]); break' "$LAB_TMP/nod.ndjson")" \
	"warning" "no daemon: a status event (level warning) says there is no camtraced"
like "$(cat "$LAB_TMP/nod.ndjson")" '"msg":"listening on UDP 2425 for BR_ENTRY, ANSENTRY, BR_ABSENCE and BR_EXIT"' \
	"no daemon: and that it listens on UDP 2425"

# --scan without a daemon: iptux on a2 found by the search, learned "scan"
run_ok "iptux starts on a2 again" lab iptux start a2 --nick 花子 --group 営業部 --hostname a2-pc
in_host a1 "$CAMTRACE" --json monitor --ctl "$LAB_TMP/none.sock" --no-capture --scan "$(addr a2)" -d 8 \
	>"$LAB_TMP/scan.ndjson" 2>/dev/null
is "$(ev "$LAB_TMP/scan.ndjson" join a2-pc 'e["host"]["origin"]')" "scan" "--scan: iptux found, origin scan"
is "$(ev "$LAB_TMP/scan.ndjson" join a2-pc 'e["host"]["nick"]')" "花子" "--scan: with its nick from ANSENTRY"
like "$(cat "$LAB_TMP/scan.ndjson")" '"msg":"search  --scan done: 1 probed, 1 found"' "--scan: the search's end"
run_ok "iptux on a2 stops" lab iptux stop a2

# --replay: the same packet lines as sniff -r (everything before sniff's summary)
"$CAMTRACE" sniff -r "$PCAP" | sed '/^--- /,$d' >"$LAB_TMP/sniff.txt"
"$CAMTRACE" monitor -r "$PCAP" >"$LAB_TMP/replay.txt" 2>/dev/null
is "$?" "0" "replay: exit 0 at the end of the file"
grep -v -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$LAB_TMP/replay.txt" >"$LAB_TMP/replay-pkts.txt"
ok "[ -s $LAB_TMP/sniff.txt ] && cmp -s $LAB_TMP/sniff.txt $LAB_TMP/replay-pkts.txt" \
	"replay: exactly sniff -r's packet lines ($(wc -l <"$LAB_TMP/sniff.txt") lines)"
is "$(grep -c -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z join ' "$LAB_TMP/replay.txt")" "3" \
	"replay: the three users' joins from their entry packets"
"$CAMTRACE" --json monitor -r "$PCAP" >"$LAB_TMP/replay.ndjson" 2>/dev/null
is "$(grep -c '"ev":"packet"' "$LAB_TMP/replay.ndjson")" "$(wc -l <"$LAB_TMP/sniff.txt")" \
	"replay NDJSON: one packet object per line of sniff"
is "$(ev "$LAB_TMP/replay.ndjson" join a1-pc 'e["host"]["origin"]')" "replay" "replay NDJSON: origin replay"
is "$(ev "$LAB_TMP/replay.ndjson" join a1-pc 'e["host"]["program"]')" "iptux 0.8.3" \
	"replay NDJSON: the program from the version field"
is "$(ev "$LAB_TMP/replay.ndjson" join a1-pc 'e["t"]')" "1795541144910" "replay NDJSON: t is the packet's time"
is "$("$CAMTRACE" monitor -r "$PCAP" -c 3 2>/dev/null | wc -l)" "3" "-c 3: three lines"
"$CAMTRACE" monitor -r "$LAB_TMP/missing.pcap" >/dev/null 2>&1
is "$?" "66" "a missing replay file: exit 66"

done_testing
