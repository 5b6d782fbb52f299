#!/usr/bin/env bash
# verdict-cell.sh: one cell of the verdict matrix: a lab with the server and the three kinds of peer, one fault, every row of that cell run and checked.
#   verdict-cell.sh CELL-ID        (run by tests/net/400-verdicts.sh, several at once, each its own lab)
# Prints "ok - ..." / "not ok - ..." lines (the driver numbers them) and "# ..." diagnostics.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
CELL=$1
TAB=$top_srcdir/tests/net/verdicts.tab
VPY="$PYTHON $top_srcdir/tests/net/verdicts.py"
RUNS=$LAB_TMP/runs
mkdir -p "$RUNS"
say() { echo "$1 - $CELL: $2"; }

setup=$($VPY setup "$TAB" "$CELL") || { say "not ok" "the table has no such cell"; exit 1; }
has_setup() { grep -qx "setup $1" <<<"$setup"; }

lab_up
has_setup ratelimit || lab_no_icmp_ratelimit

# the list server at site A (notifying site B unless the cell says otherwise), answering RTP echo
notify=("notify = 198.18.2.*" "notify_rate = 1000")
has_setup nonotify && notify=()
start_srv() {
	ctd_start srv srv "user_name = srv" "nick = CAMServer" "${notify[@]}" "allow = 198.18.1.0/24, 198.18.2.0/24" \
		"rtp_echo = yes" || { say "not ok" "camtraced did not start on srv"; exit 1; }
}
# Without notify the server starts first: camtraced on b3 is its list client and registers
# itself with its first fetch (a BR_ENTRY to the server), as it would when started later. With
# notify the peers start first and the server's notify round finds them.
has_setup nonotify && start_srv

# the peers at site B: iptux on b1, a Windows-style peer on b2, camtraced on b3
if ! has_setup nomsg; then
	lab iptux start b1 --nick 太郎 --group 営業部 --hostname b1-pc >/dev/null ||
		{ say "not ok" "iptux did not start on b1"; exit 1; }
	# with encryption (setup wincrypto, winfpr: a user name whose fingerprint is not its key,
	# winderr: it answers every encrypted message with DecryptErr, winnocipher: an RSA-1024 key
	# offered with RC2 only, winbf: RSA-1024 with Blowfish-128 only), keys made for the cell
	win=()
	if has_setup wincrypto || has_setup winfpr || has_setup winderr || has_setup winnocipher || has_setup winbf; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$LAB_TMP/w2048.pem" 2>/dev/null
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$LAB_TMP/w1024.pem" 2>/dev/null
		win=(--crypto "$LAB_TMP/w2048.pem,$LAB_TMP/w1024.pem")
	fi
	has_setup winfpr && win+=(--user "hanako-<0123456789abcdef>")
	has_setup winderr && win+=(--decrypt-err 1000000)
	has_setup winnocipher && win+=(--capa 00801002) # RSA_1024|RC2_40|PACKETNO_IV
	has_setup winbf && win+=(--capa 00820002)       # RSA_1024|BLOWFISH_128|PACKETNO_IV
	in_host b2 "$PYTHON" "$top_srcdir/tests/net/winpeer.py" --delay-max 4 "${win[@]}" >"$LAB_TMP/winpeer.out" 2>&1 &
	wait_for -t 10 grep -q '^ready$' "$LAB_TMP/winpeer.out" || { say "not ok" "winpeer did not start on b2"; exit 1; }
	ctd_start ub3 b3 "user_name = userb3" "nick = User-b3" "rtp_echo = yes" "coop = yes" "server = 198.18.1.10" ||
		{ say "not ok" "camtraced did not start on b3"; exit 1; }
fi
has_setup nonotify || start_srv

if ! has_setup nomsg; then
	listed_hosts() { ctd_q srv users '{"filter":"all"}' | "$PYTHON" -c 'import json, sys
print(" ".join(sorted(h["host"] for h in json.load(sys.stdin)["hosts"] if h["state"] == "online")))'; }
	if ! has_setup nonotify; then
		listed() { ctd_q srv users '{"filter":"all"}' | "$PYTHON" -c '
import json, sys
hosts = {h["host"] for h in json.load(sys.stdin)["hosts"]}
sys.exit(not {"b1-pc", "WINPC"} <= hosts)' && ctd_has srv userb3 online; }
		wait_for -t 20 listed || { say "not ok" "the server did not list the three peers"; ctd_users srv | sed 's/^/# /'; exit 1; }
	else
		# the list client is listed; iptux and the Windows-style peer, which do not use the server, are not
		wait_for -t 20 ctd_has srv userb3 online || { say "not ok" "the server did not list its list client userb3"; exit 1; }
		case " $(listed_hosts) " in
		*" b1-pc "* | *" WINPC "*) say "not ok" "without notify the server lists a peer: $(listed_hosts)"; exit 1 ;;
		esac
	fi
fi

# the fault, once the server lists its users (as when a network changes under running users)
n=0
while read -r kind rest; do
	case $kind in
	fault) lab fault add $rest >/dev/null || { say "not ok" "camlab fault add $rest failed"; exit 1; } ;;
	nft)
		n=$((n + 1))
		{
			echo "add table inet verdicts"
			echo "add chain inet verdicts forward { type filter hook forward priority 0; policy accept; }"
			echo "add rule inet verdicts forward $rest"
		} | in_host rtr nft -f - || { say "not ok" "nft rule failed: $rest"; exit 1; }
		;;
	esac
done <<<"$setup"

# every row
while read -r i from addr cmd; do
	ctl=()
	case $cmd in
	doctor) args=(doctor --user "$addr") ctl=(--ctl "$LAB_TMP/srv/ctl.sock") ;;
	doctor-av) args=(doctor --av --user "$addr") ctl=(--ctl "$LAB_TMP/srv/ctl.sock") ;;
	doctor-deep) args=(doctor --deep --user "$addr") ctl=(--ctl "$LAB_TMP/srv/ctl.sock") ;;
	route-tcp) args=(route --tcp "$addr") ;;
	*) args=("$cmd" "$addr") ;;
	esac
	st=0
	in_host "$from" "$CAMTRACE" --json "${ctl[@]}" "${args[@]}" >"$RUNS/$i.json" 2>"$RUNS/$i.err" </dev/null || st=$?
	echo "$st" >"$RUNS/$i.rc"
done < <($VPY runs "$TAB" "$CELL")

$VPY check "$TAB" "$CELL" "$RUNS" | tee "$LAB_TMP/check.out"
if grep -q '^not ok' "$LAB_TMP/check.out"; then
	while read -r i from addr cmd; do
		echo "# == run $i: camtrace $cmd $addr from $from: exit $(cat "$RUNS/$i.rc")"
		"$PYTHON" -c 'import json,sys
d = json.load(open(sys.argv[1]))
v = d.get("verdict")
print(json.dumps(v if isinstance(v, dict) else d, ensure_ascii=False)[:1500])' "$RUNS/$i.json" 2>/dev/null | sed 's/^/#   /'
		sed 's/^/#   stderr: /' "$RUNS/$i.err" | head -5
	done < <($VPY runs "$TAB" "$CELL")
fi

# every command a doctor run suggested is runnable (not a usage error, exit 2): a usage error comes
# at once, so 3 seconds tell
while IFS=$'\t' read -r from line; do
	read -r -a words <<<"${line#camtrace }"
	st=0
	# in the scratch directory: a suggested `bundle` writes its archive into the current one
	(cd "$LAB_TMP" && in_host "$from" timeout 3 "$CAMTRACE" "${words[@]}") >"$LAB_TMP/sugg.out" 2>&1 </dev/null || st=$?
	if [ "$st" = 2 ]; then
		say "not ok" "the suggested command \`$line\` is a usage error: $(head -c 300 "$LAB_TMP/sugg.out")"
	else
		say "ok" "the suggested command \`$line\` is runnable (exit $st)"
	fi
done < <($VPY suggested "$TAB" "$CELL" "$RUNS")

# nothing camtrace announced is left in the server's list
ghosts=$(ctd_q srv users '{"filter":"all"}' | "$PYTHON" -c '
import json, sys
print(" ".join(h["user"] for h in json.load(sys.stdin)["hosts"] if h["user"].startswith("camtrace")))')
if [ -z "$ghosts" ]; then say "ok" "no camtrace run left a user in the server's list"; else
	say "not ok" "camtrace runs left users in the server's list: $ghosts"; fi
ctd_stop ub3 2>/dev/null
ctd_stop srv
exit 0
