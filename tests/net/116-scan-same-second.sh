#!/usr/bin/env bash
# 116-scan-same-second.sh: two `camtrace scan` runs started in the same second both get every name (packet numbers are unique across runs: camtraced drops a repeated one as a duplicate).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd scan || skip_all "camtrace scan not built"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"

lab_up
# b2: a Windows-style peer answering BR_ENTRY at once; b3: camtraced (its duplicate filter keys on
# packet number, user and source address)
in_host b2 "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --delay-max 0 >"$LAB_TMP/winpeer.out" 2>&1 &
wait_for -t 10 grep -q '^ready$' "$LAB_TMP/winpeer.out" || bail_out "winpeer did not start on b2"
ctd_start ub3 b3 "user_name = userb3" "nick = User-b3"

# scan NAME: one scan of b2 and b3 from a1; its start (wall clock, s.ns) in $LAB_TMP/NAME.t
scan() {
	date +%s.%N >"$LAB_TMP/$1.t"
	in_host a1 "$CAMTRACE" --json scan --rate 1000 --grace-ms 3000 --quiet-ms 150 198.18.2.12-13 \
		>"$LAB_TMP/$1.json" 2>"$LAB_TMP/$1.err"
}
sec() { cut -d. -f1 "$LAB_TMP/$1.t"; }

# two runs back to back from the start of a second; again until both started in one second
# (a loaded machine may take longer than a second for the first)
same=0
for ((try = 0; try < 8 && !same; try++)); do
	"$PYTHON" -c 'import time; time.sleep(1.01 - time.time() % 1)'
	scan s1
	scan s2
	[ "$(sec s1)" = "$(sec s2)" ] && same=1
done
ok "[ $same = 1 ]" "two scans started in the same second (try $try)"
for s in s1 s2; do
	f=$LAB_TMP/$s.json
	is "$(jget "$f" '["found"]')" 2 "$s: both peers found"
	is "$(jget "$f" '["complete"]')" true "$s: the scan completed"
	is "$(jget "$f" '=[h["nick"] for h in d["hosts"] if h["address"] == "198.18.2.12"][0]')" "営業 花子" \
		"$s: the Windows-style peer's nick (its ANSENTRY came)"
	is "$(jget "$f" '=[h["user"] for h in d["hosts"] if h["address"] == "198.18.2.12"][0]')" hanako \
		"$s: its user name"
	is "$(jget "$f" '=[h["nick"] for h in d["hosts"] if h["address"] == "198.18.2.13"][0]')" User-b3 \
		"$s: camtraced's nick (its ANSENTRY came: not dropped as a duplicate)"
	is "$(jget "$f" '=[h["user"] for h in d["hosts"] if h["address"] == "198.18.2.13"][0]')" userb3 \
		"$s: camtraced's user name"
	is "$(jget "$f" '=d["elapsed_ms"] < 3000')" true "$s: it ended before the grace time (no answer missing)"
done
ctd_done
