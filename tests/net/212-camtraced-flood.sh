#!/usr/bin/env bash
# 212-camtraced-flood.sh: camtraced under floods: no reflection onto a forged source (<= 3x its bytes), bounded answers per source, legit fetches and ctl served during a flood from unused addresses.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
CHECK="$PYTHON $top_srcdir/tests/net/anslist-check.py"
FLOOD="$PYTHON $top_srcdir/tests/net/flood.py"
lab_up

# answer_rate 5 (burst 10) makes the per-source counts exact; a 64-source table fills up;
# confirm_claims = no: the 300 synthetic users of a1 (one address, 300 ports) cannot answer the
# presence checks (tests/net/211 tests those), and each BR_ENTRY of b2 is answered as before
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "answer_rate = 5" "guard_sources = 64" \
	"guard_log_interval = 1s" "message_log_rate = 1" "confirm_claims = no"
run_ok "300 users announce themselves from a1" in_host a1 $CHECK flood "$(addr srv)" 300 30000
ok 'wait_for -t 20 st_ge srv "r[\"hosts\"][\"online\"]" 300' "the server has 300 hosts online"
ctd_start cli b1 "server = $(addr srv)" "user_name = cli"
ok 'wait_for -t 20 st_ge cli "r[\"fetch\"][\"ok\"]" 1' "the client's first fetch completes"
hosts=$(ctd_q cli status | jq_py 'r["fetch"]["hosts"]')
is "$hosts" "301" "it merged the 300 users and the server"
is "$(ctd_q cli status | jq_py 'r["fetch"]["pages"]')" "3" "in 3 full pages: it answered the server's probe before its first page"
g() { ctd_q srv status | jq_py "r[\"guard\"]$1"; }
is "$(g '["verified_sources"]')" "1" "the server verified the client (it answered the probe GETINFO with SENDINFO)"
is "$(g '["probes_sent"]')" "1" "one probe sent"
# a summary window is closed by the first packet after guard_log_interval
flush_summary() { sleep 1.2; in_host b3 "$PYTHON" "$LABNET" send udp "$(addr srv)" 2425 --sport 2499 --data '1:1:t:t:0:' >/dev/null; sleep 0.3; }
flush_summary

# ---- reflection: list, info and message requests forged from a2 (no IP Messenger there) ----
in_host a2 $FLOOD count 2425 5.5 >"$LAB_TMP/victim.out" &
cpid=$!
wait_for -t 5 grep -q ready "$LAB_TMP/victim.out"
req=0
for kind in getlist isgetlist2 getinfo sendmsg; do
	out=$(in_host a1 $FLOOD forge "$(addr srv)" $kind "$(addr a2)" x100)
	req=$((req + $(echo "$out" | sed -n 's/^bytes=//p')))
done
wait "$cpid"
vb=$(sed -n 's/^answer_bytes=//p' "$LAB_TMP/victim.out")
ok '[ "$vb" -le $((3 * req)) ]' "bytes delivered to the victim ($vb) <= 3x the forged requests' bytes ($req)"
ok '[ "$vb" -gt 0 ]' "the victim got something (the probe): the test can see answers"
# (the probe's length follows its packet number's digits: its mode is what is exact)
mm=$(sed -n 's/^max_mode=//p' "$LAB_TMP/victim.out")
ok '[ "$mm" = 40 ] || [ "$mm" = 41 ]' "its largest datagram is the GETINFO probe or a SENDINFO answer (mode $mm), not a list page"
ok '[ "$(sed -n "s/^max=//p" "$LAB_TMP/victim.out")" -le 48 ]' "... at most 48 bytes"
is "$(grep -c '^by_mode_13=' "$LAB_TMP/victim.out")" "0" "no ANSLIST reached the victim"
is "$(sed -n 's/^by_mode_40=//p' "$LAB_TMP/victim.out")" "1" "exactly one probe GETINFO reached it"
is "$(grep -c '^by_mode_03=' "$LAB_TMP/victim.out")" "0" "no ANSENTRY reached it"
is "$(g '["probes_sent"]')" "2" "probes_sent counts it"
is "$(g '["verified_sources"]')" "1" "the victim was not verified (it never answered)"
ok '[ "$(g "[\"dropped_by\"][\"credit\"]")" -gt 0 ]' "the deferred GETLIST nobody verified was dropped at its 3 s expiry, counted under credit"
flush_summary

# ---- GETINFO and SENDMSG bursts from one real source: bounded answers, exact counts ----
d0=$(g '["dropped"]["sendinfo"]')
out=$(in_host b2 $FLOOD burst "$(addr srv)" getinfo 200 1)
is "$(echo "$out" | sed -n 's/^by_mode_41=//p')" "10" "200 GETINFO at once from b2: 10 SENDINFO (answer_rate 5, burst 10)"
is "$(( $(g '["dropped"]["sendinfo"]') - d0 ))" "190" "190 SENDINFO dropped, counted under dropped.sendinfo"
flush_summary
like "$(cat "$LAB_TMP/srv/log")" "dropped in the last [0-9]+ s: 190 SENDINFO answers \(190 over the per-source rate\) to 1 source$" \
	"one summary line: 190 SENDINFO over the per-source rate to 1 source"
d0=$(g '["dropped"]["recvmsg"]')
s0=$(g '["log_suppressed"]')
m0=$(grep -c 'message from fl@fh (198\.18\.2\.13' "$LAB_TMP/srv/log")
out=$(in_host b3 $FLOOD burst "$(addr srv)" sendmsg 100 1)
is "$(echo "$out" | sed -n 's/^by_mode_21=//p')" "10" "100 SENDMSG (SENDCHECKOPT) at once from b3: 10 RECVMSG"
is "$(( $(g '["dropped"]["recvmsg"]') - d0 ))" "90" "90 RECVMSG dropped"
is "$(( $(grep -c 'message from fl@fh (198\.18\.2\.13' "$LAB_TMP/srv/log") - m0 ))" "5" "5 message log lines (message_log_rate 1, burst 5)"
is "$(( $(g '["log_suppressed"]') - s0 ))" "95" "95 log lines suppressed and counted"
flush_summary
like "$(cat "$LAB_TMP/srv/log")" "dropped in the last [0-9]+ s: 90 RECVMSG answers \(90 over the per-source rate\) to 1 source; 95 SENDMSG log lines over the message_log_rate$" \
	"its summary line counts the RECVMSG drops and the suppressed log lines"

# ---- a flood from 128 unused addresses of site A (ARP never resolves) ----
in_host a1 $FLOOD forge "$(addr srv)" requests 198.18.1.100-227 8 >"$LAB_TMP/flood.out" &
fpid=$!
sleep 1
okf=0 oks=0
for i in 1 2 3 4 5; do
	h=$(ctd_q cli refresh | jq_py 'r["hosts"]' 2>/dev/null)
	[ "$h" = "$hosts" ] && okf=$((okf + 1))
	ctd_q srv status >/dev/null 2>&1 && oks=$((oks + 1))
	sleep 0.3
done
is "$okf" "5" "the client's 5 fetches during the flood each got the whole list ($hosts hosts)"
is "$oks" "5" "the server's control socket answered status 5 times during the flood"
wait "$fpid"
diag "flood: $(tr '\n' ' ' <"$LAB_TMP/flood.out")"
is "$(g '["tracked_sources"]')" "64" "the source table stays at guard_sources (64)"
ok '[ "$(g "[\"evicted_sources\"]")" -gt 0 ]' "forged sources were evicted from it"
is "$(g '["verified_sources"]')" "1" "the verified client survived the eviction (unverified sources go first)"
ok 'pid_alive "$(ctd_pid srv)"' "the server is still running"

# ---- BR_ENTRY burst from one source: ANSENTRY answers bounded ----
out=$(in_host b2 $FLOOD burst "$(addr srv)" entry 100 2)
n=$(echo "$out" | sed -n 's/^by_mode_03=//p')
ok '[ "${n:-0}" -ge 10 ] && [ "${n:-0}" -le 20 ]' "100 BR_ENTRY from b2: ${n:-0} ANSENTRY in 2 s (burst 10 + 5/s while the answers' delays run out)"
lines=$(grep -c 'dropped in the last' "$LAB_TMP/srv/log")
ok '[ "$lines" -ge 3 ] && [ "$lines" -le $((SECONDS + 1)) ]' "summary lines: $lines (at most one per second in $SECONDS s)"
ctd_done
