# tests/net/doctor-lib.sh: helpers for the doctor scenarios (3NN-doctor-*.sh): the server in site A notifying site B, users, running doctor.
# A scenario sources only this file (it brings lib.sh, ctd-lib.sh and probe-lib.sh), then calls doc_setup.
#   doc_setup               skips without camtraced or `camtrace doctor`; builds the lab (ICMP not rate-limited)
#   doc_sites [notify]      camtraced server on srv (with `notify = 198.18.2.*` unless "no-notify"),
#                           IP Messenger users on b1 b2 b3 (camtraced client nodes); waits until listed
#   doc_coop_sites          the benchmarks' sites: users on b1 b2 b3 with server = srv, RTP echo and the
#                           cooperative check (every check of step 4 runs), the server notifying site B
#   doc_run NAME ARGS...    camtrace doctor --json in a1 against the server; JSON in $LAB_TMP/NAME.json,
#                           exit status in $LAB_TMP/NAME.rc
#   doc_get NAME PATH       a field of that JSON (jget syntax)
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
DOC_USERS="b1 b2 b3"

doc_setup() {
	[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
	have_camtrace_cmd doctor || skip_all "camtrace doctor not built"
	lab_up
	lab_no_icmp_ratelimit
}

doc_sites() {
	local n
	for n in $DOC_USERS; do
		ctd_start "u$n" "$n" "user_name = user$n" "nick = User-$n"
	done
	if [ "${1:-}" = no-notify ]; then
		ctd_start srv srv "user_name = srv" "nick = CAMServer"
	else
		ctd_start srv srv "user_name = srv" "nick = CAMServer" "notify = 198.18.2.*" "notify_rate = 1000" \
			"allow = 198.18.1.0/24, 198.18.2.0/24"
		for n in $DOC_USERS; do
			wait_for -t 15 ctd_has srv "user$n" online || { diag "the server does not list user$n"; return 1; }
		done
	fi
}

doc_coop_sites() {
	local n
	for n in $DOC_USERS; do
		ctd_start "u$n" "$n" "user_name = user$n" "nick = User-$n" "server = 198.18.1.10" "rtp_echo = yes" "coop = yes"
	done
	ctd_start srv srv "user_name = srv" "nick = CAMServer" "notify = 198.18.2.*" "notify_rate = 1000" \
		"allow = 198.18.1.0/24, 198.18.2.0/24"
	for n in $DOC_USERS; do
		wait_for -t 15 ctd_has srv "user$n" online || diag "the server does not list user$n"
	done
}

doc_run() {
	local name=$1 st=0
	shift
	in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" doctor "$@" >"$LAB_TMP/$name.json" \
		2>"$LAB_TMP/$name.err" || st=$?
	echo "$st" >"$LAB_TMP/$name.rc"
	return 0
}
doc_rc() { cat "$LAB_TMP/$1.rc"; }
doc_get() { jget "$LAB_TMP/$1.json" "$2"; }
# doc_show NAME: the document on failure
doc_show() { diag "$(cat "$LAB_TMP/$1.json" "$LAB_TMP/$1.err")"; }
