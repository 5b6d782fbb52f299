#!/bin/sh
# t-options.sh: camtrace's option parser end to end (--opt=value everywhere, short groups, "--",
# usage errors as text and as one JSON document), and camtrace(1) lists exactly the options of
# the tables (`camtrace help --options-dump`). Needs neither root nor a network.
: "${top_srcdir:=.}" "${top_builddir:=.}"
CT="$top_builddir/src/camtrace/camtrace"
MAN="$top_srcdir/man/camtrace.1"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
show() { sed 's/^/# /' "$1"; }

# run ARGS...: camtrace with stdout in $tmp/out, stderr in $tmp/err, the exit code in $rc
run() { "$CT" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
# usage_err WHAT PATTERN ARGS...: exit 2 and stderr says PATTERN
usage_err() {
	what=$1 pat=$2; shift 2
	run "$@"
	[ $rc = 2 ] && grep -q -- "$pat" "$tmp/err"; r=$?
	t $r "$what (exit $rc)"
	[ $r = 0 ] || show "$tmp/err"
}
# one_json WHAT ARGS...: exactly one JSON document on stdout, with a usage error, and exit 2
one_json() {
	what=$1; shift
	run "$@"
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
assert d["errors"][0]["code"] == "usage", d' "$tmp/out" 2>"$tmp/py"
	else
		grep -q '"code":.*"usage"' "$tmp/out"
	fi
	r=$?
	[ $rc = 2 ] && [ $r = 0 ] && [ ! -s "$tmp/err" ]; r=$?
	t $r "$what: one JSON document with the usage error, exit 2 (exit $rc)"
	[ $r = 0 ] || { show "$tmp/out"; show "$tmp/err"; show "$tmp/py"; }
}

# --- the parser: values are checked before anything is sent, so these need no network
usage_err "reach --count=x: --opt=value is parsed and checked" \
	"reach: --count wants a whole number from 1 to 1000, not 'x'" reach --count=x 192.0.2.1
usage_err "reach --count x: --opt value, the same message" \
	"reach: --count wants a whole number from 1 to 1000, not 'x'" reach --count x 192.0.2.1
usage_err "reach -cx: a short option with its value attached" "reach: -c wants a whole number" reach -cx 192.0.2.1
usage_err "route --port=99999" "route: --port wants a port number from 1 to 65535, not '99999'" \
	route --port=99999 192.0.2.1
usage_err "probe --tries 0 (the value in the next word)" "probe: --tries wants a whole number from 1 to 8, not '0'" \
	probe --tries 0 192.0.2.1
usage_err "probe --tries=9" "probe: --tries wants a whole number from 1 to 8, not '9'" probe --tries=9 192.0.2.1
usage_err "a missing value" "reach: --count needs a value" reach 192.0.2.1 --count
usage_err "an unknown option names itself and the help" "reach: unknown option '--bogus'" reach --bogus 192.0.2.1
grep -q "camtrace help reach" "$tmp/err"; t $? "... and says where the options are"
usage_err "an unknown short option" "sniff: unknown option '-y'" sniff -y
usage_err "an ambiguous abbreviation names the candidates" "option '--no' is ambiguous: --no-udp, --no-tcp" \
	probe --no 192.0.2.1
usage_err "a flag given a value" "decode: --hex takes no value" decode --hex=1 31
usage_err "a value out of a seconds range" "reach: --wait wants seconds from 0.01 to 60" reach --wait 61 192.0.2.1
usage_err "a rate" "scan: --rate wants a rate from 1 to 100000 per second" scan --rate=0 192.0.2.1
usage_err "a port range too wide" "rtp: --ports wants a port or a range LOW-HIGH of at most 256 ports" \
	rtp --ports 1-1000 192.0.2.1
usage_err "a network (CIDR)" "users: --network wants a network in CIDR form" users --network=nonsense
usage_err "an enumerated value" "sniff: -Z wants one of root, not 'x'" sniff -Z x
usage_err "a repeatable option has its limit" "doctor: --user may be given at most 8 times" \
	doctor --user a --user b --user c --user d --user e --user f --user g --user h --user i
usage_err "too many arguments" "route: one HOST at a time ('192.0.2.1' and '192.0.2.2')" route 192.0.2.1 192.0.2.2
usage_err "no argument where one is needed" "reach: give at least one HOST" reach
usage_err "an argument where none is taken" "status: unexpected argument 'x'" status x
usage_err "a bad global value" "--timeout wants seconds from 0 to 86400" --timeout=x version
usage_err "--source wants an address" "--source wants an IPv4 or IPv6 address" reach --source nowhere 192.0.2.1
usage_err "an unknown command" "unknown command 'bogus'" bogus

# short options alone, grouped, with values attached; the first word ends sniff's options
run sniff -c1 -r "$top_srcdir/tests/data/ipmsg-synth.pcap"
[ $rc = 0 ] && [ "$(grep -c '^[0-9!]' "$tmp/out")" -ge 1 ]; t $? "sniff -c1 -r FILE: -c1 is -c 1 (exit $rc)"
run sniff -qc1 -r "$top_srcdir/tests/data/ipmsg-synth.pcap"
[ $rc = 2 ] && grep -q "unknown option '-q' (in '-qc1')" "$tmp/err"
t $? "a group is taken apart letter by letter (-q is global, alone only)"
run sniff -Ac 1 -r "$top_srcdir/tests/data/ipmsg-synth.pcap" udp
[ $rc = 0 ]; t $? "sniff -Ac 1: a flag and a valued option in one group (exit $rc)"
run sniff --count=1 --read="$top_srcdir/tests/data/ipmsg-synth.pcap"
[ $rc = 0 ]; t $? "sniff --count=1 --read=FILE (exit $rc)"
run sniff --cou 1 -r "$top_srcdir/tests/data/ipmsg-synth.pcap"
[ $rc = 0 ]; t $? "a unique abbreviation of a long option is taken (exit $rc)"

# "--" ends the options, global ones included: the words after it are arguments
run decode -- -x
[ $rc = 1 ] && grep -q 'malformed (malformed input, 2 bytes): "-x"' "$tmp/out"
t $? "decode -- -x: -x is a packet, not --hex"
run decode -- -q
[ $rc = 1 ] && grep -q '"-q"' "$tmp/out"; t $? "decode -- -q: a global option after -- stays an argument"
run --json decode -- --json
[ $rc = 1 ] && grep -q '"input":.*"--json"' "$tmp/out"; t $? "--json before --, the text --json after it"
run decode -x 313a323a753a683a33323a6869 -q
[ $rc = 0 ] && grep -q '^SENDMSG #2 u@h text="hi"' "$tmp/out"; r=$?
run decode -x -q 313a323a753a683a33323a6869
[ $rc = 0 ] && grep -q '^SENDMSG #2 u@h text="hi"' "$tmp/out"
t $((r + $?)) "global options anywhere before --, after the command and its arguments too"
run decode --timeout=5 -x 313a323a753a683a333a3a00
[ $rc = 0 ]; t $? "--timeout=5 (a global option with =) (exit $rc)"
run decode 31 -x
[ $rc = 1 ] && grep -q '"-x"' "$tmp/out"; t $? "decode: the first packet ends the options (the next -x is a packet)"

# --json: a usage error is one JSON document on stdout, nothing on stderr
one_json "--json reach --count=x" --json reach --count=x 192.0.2.1
one_json "--json after the command" reach --bogus 192.0.2.1 --json
one_json "a bad global value" --json --timeout=x version
one_json "an unknown command" --json bogus
one_json "a daemon command" --json users --network=x
grep -q '"ctl_socket"' "$tmp/out"; t $? "... which names the control socket like its other errors"
one_json "too few arguments" --json route

# help is made from the tables
run help reach
[ $rc = 0 ] && grep -q "^  -c, --count N  *echo requests per host (default 4)" "$tmp/out"
t $? "camtrace help reach: the option lines come from the table"
cp "$tmp/out" "$tmp/help-reach"
run reach --count=x --help
[ $rc = 0 ] && cmp -s "$tmp/out" "$tmp/help-reach"; t $? "camtrace reach --help is camtrace help reach"
run help
[ $rc = 0 ] && grep -q "^  --timeout SECONDS  *overall time limit" "$tmp/out" && grep -q "^  --version " "$tmp/out"
t $? "camtrace help: the global options from their table"

# camtrace(1) and the tables agree: the .Fl items of each command's entry (its synopsis line
# and its .It lines) against `camtrace help --options-dump`
run help --options-dump
[ $rc = 0 ] && [ -s "$tmp/out" ]; t $? "help --options-dump"
sort -u "$tmp/out" >"$tmp/tables"
awk '
function fl(line, cmd,   i, nw, w) {
	nw = split(line, w, /[ \t]+/)
	for (i = 1; i < nw; i++)
		if (w[i] == "Fl" && w[i + 1] != "" && w[i + 1] !~ /^[|,]/) {
			sub(/[,;:.)]+$/, "", w[i + 1])
			print cmd, "-" w[i + 1]
		}
}
/^\.Sh / { sec = substr($0, 5); depth = 0; next }
sec == "GLOBAL OPTIONS" && /^\.It / { fl($0, "global"); next }
sec != "COMMANDS" { next }
/^\.Bl/ { depth++; next }
/^\.El/ { depth--; next }
xo && /^\.Xc/ { xo = 0; next }
xo && cmd == "" && /^\.Cm / { cmd = $2; next }
xo { fl($0, cmd); next }
depth == 1 && /^\.It Xo/ { xo = 1; cmd = ""; next }
depth == 1 && /^\.It Cm / { cmd = $3; print cmd, "(command)"; fl($0, cmd); next }
depth >= 2 && /^\.It / && cmd != "" { fl($0, cmd) }
' "$MAN" | sort -u >"$tmp/man.all"
grep -v "(command)" "$tmp/man.all" >"$tmp/man"
diff "$tmp/tables" "$tmp/man" >"$tmp/diff"; r=$?
t $r "camtrace(1) lists exactly the options of the tables (< only in the tables, > only in the manual)"
[ $r = 0 ] || show "$tmp/diff"
"$CT" help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' | sort >"$tmp/cmds"
awk '
/^\.Sh / { sec = substr($0, 5); next }
sec != "COMMANDS" { next }
/^\.Bl/ { depth++; next }
/^\.El/ { depth--; next }
depth == 1 && /^\.It Cm / { print $3 }
xo && /^\.Cm / { print $2; xo = 0 }
depth == 1 && /^\.It Xo/ { xo = 1 }
' "$MAN" | sort -u >"$tmp/mancmds"
diff "$tmp/cmds" "$tmp/mancmds" >"$tmp/diff"; r=$?
t $r "camtrace(1) has an entry for every command"
[ $r = 0 ] || show "$tmp/diff"

echo "1..$n"
exit 0
