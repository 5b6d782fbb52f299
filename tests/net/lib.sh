# tests/net/lib.sh: shared helper for network scenarios: lab setup/cleanup, TAP output, traffic helpers.
# shellcheck shell=bash
# Source it from a tests/net/NNN-name.sh scenario (bash):
#
#   . "${top_srcdir:-.}/tests/net/lib.sh"   # skips (exit 77) unless root with ip, nft, python3
#   lab_up                                  # fresh lab with a unique prefix; removed on exit
#   ok 'in_host a1 ping -c1 -W1 198.18.2.11 >/dev/null' "a1 reaches b1"
#   done_testing
#
# API:
#   lab ARGS...                 contrib/lab/camlab on this test's lab ($LAB_PREFIX)
#   lab_up / lab_down           build / remove the lab (lab_down also runs on EXIT, INT, TERM)
#   in_host HOST CMD...         run CMD in HOST's namespace (rtr srv a1 a2 b1 b2 b3; c1 c2 with
#                               LAB_SITES=3 exported before lab_up: the third site, LAB.md)
#   addr HOST [6]               HOST's IPv4 (or IPv6) address
#   ok CMD-STRING DESC          pass when `eval CMD-STRING` succeeds
#   run_ok DESC CMD...          pass when CMD succeeds; run_fails DESC CMD...: when it fails
#   is GOT WANT DESC            string equality;  like GOT ERE DESC / unlike GOT ERE DESC
#   diag MSG, skip_test DESC REASON, skip_all REASON, bail_out REASON, done_testing
#   labnet ARGS...              contrib/lab/labnet (UDP/TCP send and listen, no camtrace needed)
#   listen_bg NAME HOST udp|tcp PORT [labnet listen options]   start a listener, wait until bound
#   listen_wait NAME [SECS]     give it SECS (default $NEG_WAIT; listeners started together
#                               share one window) to get what it expects, then end it;
#                               prints what it received; status 0 if all arrived
#   listen_stop NAME            kill it now; prints what it had received
#   reach HOST udp|tcp ADDR PORT [--to HOST2] [labnet send options]   0 when the
#                               datagram/connection from HOST arrives at HOST2 (default: the
#                               lab host owning ADDR); prints the listener's line
#   pid_alive PID               the process exists and is not a zombie
#   wait_for [-t SECS] CMD...   retry CMD every 0.1 s until it succeeds (default 10 s)
#   need_cmd PROG PACKAGE       skip the whole scenario when PROG is missing
#   need_iptux                  skip it unless iptux can run (iptux, Xvfb, dbus, gdbus)
#   iptux_cmds_from ADDR [HOST] the commands iptux on HOST (b1) handled from ADDR, in order
#   have_camtrace_cmd NAME      true when the built camtrace has subcommand NAME
#   $CAMTRACE $CAMTRACED        built binaries;  $CAMLAB $LABNET $PYTHON  lab tools
#   $LAB_TMP                    a scratch directory removed on exit
# Variables: NEG_WAIT (seconds listen_wait and reach give a packet to arrive, default 2: a packet
# that must NOT arrive costs that long; one that arrives returns at once).

: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
CAMLAB=$top_srcdir/contrib/lab/camlab
LABNET=$top_srcdir/contrib/lab/labnet
CAMTRACE=$top_builddir/src/camtrace/camtrace
CAMTRACED=$top_builddir/src/camtraced/camtraced
NEG_WAIT=${NEG_WAIT:-2}
if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
export CAMLAB LABNET CAMTRACE CAMTRACED PYTHON

_tap_n=0
_tap_fail=0
_lab_active=0

# ---- TAP --------------------------------------------------------------------

diag() { printf '%s\n' "$*" | sed 's/^/# /'; }
_tap_result() { # STATUS DESC
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_fail=$((_tap_fail + 1))
	fi
	return "$1"
}
ok() {
	local st=0
	eval "$1" || st=$?
	[ $st = 0 ] || diag "failed (status $st): $1"
	_tap_result $st "$2"
}
# run_ok/run_fails keep the command's output in $LAB_TMP/run-out and show it on failure
run_ok() {
	local d=$1 st=0
	shift
	"$@" >"$LAB_TMP/run-out" 2>&1 || st=$?
	[ $st = 0 ] || diag "failed (status $st): $*" "$(cat "$LAB_TMP/run-out")"
	_tap_result $st "$d"
}
run_fails() {
	local d=$1 st=0
	shift
	"$@" >"$LAB_TMP/run-out" 2>&1 || st=$?
	if [ $st = 0 ]; then
		diag "succeeded but should fail: $*" "$(cat "$LAB_TMP/run-out")"
		_tap_result 1 "$d"
	else
		_tap_result 0 "$d"
	fi
}
is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		diag "got:  '$1'" "want: '$2'"
		_tap_result 1 "$3"
	fi
}
like() {
	if [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
	else
		diag "got:  '$1'" "want match: /$2/"
		_tap_result 1 "$3"
	fi
}
unlike() {
	if [[ $1 =~ $2 ]]; then
		diag "got:  '$1'" "must not match: /$2/"
		_tap_result 1 "$3"
	else
		_tap_result 0 "$3"
	fi
}
skip_test() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n - $1 # SKIP $2"
}
skip_all() {
	echo "1..0 # SKIP $*"
	exit 77
}
bail_out() {
	echo "Bail out! $*"
	exit 99
}
done_testing() {
	echo "1..$_tap_n"
	[ $_tap_fail = 0 ] || diag "$_tap_fail of $_tap_n tests failed"
}

# ---- preconditions ----------------------------------------------------------

need_cmd() {
	command -v "$1" >/dev/null 2>&1 || skip_all "$1 not installed (Debian package $2; contrib/install-deps installs it)"
}
[ "$(id -u)" = 0 ] || skip_all "needs root (network namespaces); run the suite as root"
# configure --disable-lab-tests (make distcheck): only the scenarios marked LAB_SMOKE=1 run
[ "${CT_LAB_TESTS:-all}" != smoke ] || [ "${LAB_SMOKE:-0}" = 1 ] ||
	skip_all "lab scenarios disabled (configure --disable-lab-tests, as make distcheck does after make check ran them)"
need_cmd ip iproute2
need_cmd nft nftables
need_cmd ping iputils-ping
"$PYTHON" -c 'import socket, select, struct' 2>/dev/null || skip_all "python3 not installed (Debian package python3)"

# iptux_cmds_from ADDR [HOST]: the commands iptux on HOST (default b1) handled from ADDR, in order,
# comma-separated (its debug log: "received udp message from ADDR:PORT" then "command NO.: [0x...] NAME")
iptux_cmds_from() {
	lab iptux log "${2:-b1}" | "$PYTHON" -c '
import re, sys
want, cur, out = sys.argv[1], None, []
for line in sys.stdin:
    m = re.search(r"received udp message from ([0-9.]+):", line)
    if m:
        cur = m.group(1)
        continue
    m = re.search(r"command NO\.: \[0x[0-9a-f]+\] (\S+)", line)
    if m and cur == want:
        out.append(m.group(1))
        cur = None
print(",".join(out))' "$1"
}
# need_iptux: skip the whole scenario unless camlab can run a headless iptux peer
need_iptux() {
	need_cmd iptux iptux
	need_cmd Xvfb xvfb
	need_cmd dbus-run-session dbus-bin
	need_cmd gdbus libglib2.0-bin
}
have_camtrace_cmd() { [ -x "$CAMTRACE" ] && "$CAMTRACE" help "$1" >/dev/null 2>&1; }

# ---- the lab ----------------------------------------------------------------

# a short unique prefix: only namespace names carry it (t<pid>-rtr, ...)
LAB_PREFIX=${LAB_PREFIX:-t$$}
export CAMLAB_QUIET=1
LAB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/camlab-$LAB_PREFIX.XXXXXX") || bail_out "mktemp failed"

lab() { "$CAMLAB" -p "$LAB_PREFIX" "$@"; }
lab_up() {
	_lab_active=1
	lab down >/dev/null 2>&1
	lab up || bail_out "camlab up failed for prefix $LAB_PREFIX"
}
lab_down() {
	[ $_lab_active = 1 ] || return 0
	lab down
	_lab_active=0
}
_lab_cleanup() {
	local st=$?
	trap - EXIT INT TERM
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	lab_down
	rm -rf "$LAB_TMP"
	exit $st
}
trap _lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_host() {
	local h=$1
	shift
	ip netns exec "$LAB_PREFIX-$h" "$@"
}
addr() { "$CAMLAB" -p "$LAB_PREFIX" addr "$1" "${2:-4}"; }
labnet() { "$PYTHON" "$LABNET" "$@"; }

# host_of ADDR: the lab host that owns ADDR (empty for broadcast or unknown addresses)
host_of() {
	local h
	for h in rtr srv a1 a2 b1 b2 b3; do
		if [ "$(addr "$h")" = "$1" ] || [ "$(addr "$h" 6)" = "$1" ]; then echo "$h"; return; fi
	done
	case $1 in 198.18.2.1 | 2001:2:0:2::1) echo rtr ;; esac
}

wait_for() {
	local t=10 i
	if [ "$1" = -t ]; then t=$2; shift 2; fi
	for ((i = 0; i < t * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# pid_alive PID: the process exists and is not a zombie
pid_alive() {
	local st
	st=$(sed 's/^.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

declare -A _listen_pid _listen_out
listen_bg() { # NAME HOST PROTO PORT [labnet listen options]
	local name=$1 h=$2 proto=$3 port=$4
	shift 4
	_listen_out[$name]=$LAB_TMP/listen-$name
	: >"${_listen_out[$name]}"
	# no shell in between: $! is the listener itself, so listen_wait/listen_stop can end it.
	# Its own timeout is only a safety net: listen_wait decides how long to wait.
	ip netns exec "$LAB_PREFIX-$h" "$PYTHON" "$LABNET" listen "$proto" "$port" --timeout 60 "$@" \
		>"${_listen_out[$name]}" 2>&1 &
	_listen_pid[$name]=$!
	rm -f "$LAB_TMP/listen-deadline"
	wait_for -t 10 grep -q '^ready$' "${_listen_out[$name]}" ||
		{ diag "listener $name on $h did not start:" "$(cat "${_listen_out[$name]}")"; return 1; }
}
# listen_wait NAME [SECS]: give the listener until SECS (default $NEG_WAIT) after the first
# listen_wait since the last listen_bg (listeners started together share one window) to get what
# it expects (--count, default 1), then end it; prints what it received; status 0 if all arrived
_now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
listen_wait() {
	local pid=${_listen_pid[$1]} st=0 end
	if [ -n "${2:-}" ]; then
		end=$(($(_now_ms) + $2 * 1000))
	else
		# kept in a file: listen_wait often runs in a $(...) subshell
		[ -s "$LAB_TMP/listen-deadline" ] || echo $(($(_now_ms) + NEG_WAIT * 1000)) >"$LAB_TMP/listen-deadline"
		read -r end <"$LAB_TMP/listen-deadline"
	fi
	while kill -0 "$pid" 2>/dev/null && [ "$(_now_ms)" -lt "$end" ]; do
		sleep 0.05
	done
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || st=$?
	grep -v -e '^ready$' -e '^timeout$' "${_listen_out[$1]}"
	return $st
}
listen_stop() { # NAME: end a listener now; prints what it had received
	listen_wait "$1" 0
	return 0
}
reach() { # HOST PROTO ADDR PORT [--to HOST2] [send options]
	local from=$1 proto=$2 a=$3 port=$4 to st=0
	shift 4
	to=$(host_of "$a")
	if [ "${1:-}" = --to ]; then to=$2; shift 2; fi
	[ -n "$to" ] || { diag "reach: no lab host owns $a (use --to HOST)"; return 2; }
	listen_bg reach "$to" "$proto" "$port" || return 2
	[ "$proto" = tcp ] && set -- --wait "$NEG_WAIT" "$@"
	in_host "$from" "$PYTHON" "$LABNET" send "$proto" "$a" "$port" "$@" >"$LAB_TMP/send-out" 2>&1 || st=$?
	listen_wait reach || st=1
	return $st
}
