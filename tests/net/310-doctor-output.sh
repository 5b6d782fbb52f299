#!/usr/bin/env bash
# 310-doctor-output.sh: what doctor prints can be used: every command it suggests (steps and verdict, from --json) runs without a usage error; text wraps to the width (COLUMNS) by display width; evidence is never cut.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
# a healthy run and two faulty ones give every kind of suggested command
doc_run ok --user 198.18.2.11 --user userb3
lab fault add router drop udp 2425 >/dev/null
doc_run net --user 198.18.2.12
lab fault clear >/dev/null
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
doc_run tcp --user 198.18.2.12 --av
lab fault clear >/dev/null

# every command from the JSON: not a usage error (exit 2, or EX_USAGE 64, or a "usage:" line)
for n in ok net tcp; do
	"$PYTHON" -c '
import json, sys
d = json.load(open(sys.argv[1]))
cmds = [s["command"] for s in d["steps"] if s["command"]] + d["verdict"]["commands"]
for c in cmds:
    print(c)' "$LAB_TMP/$n.json"
done | sort -u >"$LAB_TMP/cmds.txt"
ok '[ "$(wc -l <"$LAB_TMP/cmds.txt")" -ge 8 ]' "the runs suggest at least 8 different commands ($(wc -l <"$LAB_TMP/cmds.txt"))"
ok 'grep -q "^camtrace route --udp 198\.18\.2\.12$" "$LAB_TMP/cmds.txt"' "the route command of the UDP fault"
ok '! grep -q "^camtrace users --filter" "$LAB_TMP/cmds.txt"' "no camtrace users --filter (not an option)"
while read -r cmd; do
	case "$cmd" in camtrace\ *) ;; *) ok 0 "suggested command is a camtrace command: $cmd"; continue ;; esac
	st=0
	# shellcheck disable=SC2086
	# in the scratch directory: a suggested `bundle` writes its archive into the current one
	(cd "$LAB_TMP" && in_host a1 timeout 5 "$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock" ${cmd#camtrace }) </dev/null \
		>"$LAB_TMP/cmd.out" 2>&1 || st=$?
	ok '[ "$st" != 2 ] && [ "$st" != 64 ] && ! grep -q "^usage:" "$LAB_TMP/cmd.out"' "runs without a usage error (exit $st): $cmd" ||
		diag "$(head -n 5 "$LAB_TMP/cmd.out")"
done <"$LAB_TMP/cmds.txt"
is "$(doc_get ok '=[s["name"] for s in d["steps"] if s["command"] is None]')" "find_server,verdict" \
	"no command (null, not \"-\") only where none does it: the broadcast search and the verdict"

# evidence is never cut: the longest evidence line is longer than the old 255-byte cap somewhere,
# and each evidence line ends as a sentence or a value, never mid-word at 255 bytes
is "$(doc_get ok '=[e for e in d["steps"][3]["evidence"] if len(e.encode()) == 255]')" "" "no evidence line of exactly 255 bytes (the old cut)"
like "$(doc_get ok '=d["steps"][3]["evidence"]')" "to enable it, set .rtp_echo = yes. and .coop = yes. \(with .server = 198\.18\.1\.10.\) in camtraced\.conf on 198\.18\.2\.11" \
	"the how-to-enable text is whole"
is "$(doc_get ok '=[e for e in d["steps"][1]["evidence"] if "listed0" in e]')" "" "no \"state listed0\""

# text: wrapped to COLUMNS by display width, with a hanging indent
in_host a1 env COLUMNS=80 "$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock" doctor --user 198.18.2.11 >"$LAB_TMP/t80.txt" 2>&1
is "$("$PYTHON" -c '
import sys, unicodedata
w = lambda s: sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)
print(max(w(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")))' "$LAB_TMP/t80.txt")" "80" \
	"COLUMNS=80: the longest line is 80 columns (wrapped, none longer)"
ok 'grep -q "^   |   [^ ]" "$LAB_TMP/t80.txt"' "evidence continues under a hanging indent"
in_host a1 env COLUMNS=200 "$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock" doctor --user 198.18.2.11 >"$LAB_TMP/t200.txt" 2>&1
ok '[ "$(wc -l <"$LAB_TMP/t200.txt")" -lt "$(wc -l <"$LAB_TMP/t80.txt")" ]' "a wider terminal: fewer lines"
ctd_done
