#!/usr/bin/env bash
# 311-doctor-on-server.sh: doctor on the list server itself (its camtraced holds UDP 2425, no readable config): the control socket says it is the server, and the checks run from there.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
srv_run() {
	local name=$1 st=0
	shift
	in_host srv "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" doctor --config "$LAB_TMP/none.conf" "$@" \
		>"$LAB_TMP/$name.json" 2>"$LAB_TMP/$name.err" || st=$?
	echo "$st" >"$LAB_TMP/$name.rc"
}
srv_run on --user 198.18.2.12
is "$(doc_rc on)" "0" "on the server, no fault: exit 0 (not 68)"
is "$(doc_get on '["verdict"]["class"]')" "healthy" "verdict: healthy (not no_server)" || doc_show on
is "$(doc_get on '["server"]["found_by"]')/$(doc_get on '["server"]["address"]')/$(doc_get on '["server"]["on_this_host"]')" \
	"control socket/198.18.1.10/true" "the server found through the control socket: this machine, 198.18.1.10"
is "$(doc_get on '["server"]["config_file"]')" "$LAB_TMP/srv/conf" "its config path from the control socket's status"
is "$(doc_get on '["users"][0]["listed"]')/$(doc_get on '["users"][0]["flaps"]')" "true/0" "the server's records through the control socket"
is "$(doc_get on '["users"][0]["probe"]["udp_2425"]')" "open" "the user probed from the server (raw sockets; 2425 is the daemon's)"
is "$(doc_get on '["users"][0]["server_to_user"]["udp_2425"]')" "answered" "server -> user through its camtraced (control method probe)"
like "$(doc_get on '=d["steps"][3]["evidence"]')" "this host is the server 198\.18\.1\.10: not probed from itself" \
	"the evidence says why the server is not probed from itself"
ok '! ctd_users srv | grep -q "camtrace-doctor"' "the server does not list doctor"

# from the server, a fault on the user's PC is still found
lab fault add b2 drop udp 2425 >/dev/null
srv_run fw --user 198.18.2.12
is "$(doc_get fw '["verdict"]["class"]')/$(doc_rc fw)" "host_firewall/1" "on the server, b2 drops UDP 2425: host_firewall" || doc_show fw
is "$(doc_get fw '["users"][0]["peers_answering"]')" "2" "the other site-B users answer the server"
lab fault clear >/dev/null

in_host srv "$CAMTRACE" --ctl "$LAB_TMP/srv/ctl.sock" doctor --config "$LAB_TMP/none.conf" >"$LAB_TMP/on.txt" 2>&1
is "$?" "0" "text mode on the server, no --user: exit 0"

# bundle --doctor on the server holds a real report (not no_server)
in_host srv "$CAMTRACE" bundle --doctor --timeout 30 --ctl "$LAB_TMP/srv/ctl.sock" -o "$LAB_TMP/b.tar.gz" \
	>/dev/null 2>&1
mkdir -p "$LAB_TMP/b"
tar xzf "$LAB_TMP/b.tar.gz" -C "$LAB_TMP/b"
is "$(jget "$(echo "$LAB_TMP"/b/*/doctor/report.json)" '["verdict"]["class"]')" "healthy" \
	"bundle --doctor on the server: the report is healthy, not no_server"
ctd_done
