#!/usr/bin/env bash
# 615-files-reload.sh: camtraced's file keywords on reload (accept_files turned on and off, accept_files_from, download_quota, offer_expiry; download_dir kept until a restart, said in the log), offers kept across a restart in the state file, and a fetch of an offer a restart lost refused with its own log line.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd get || skip_all "camtrace get not built"
lab_up

cts() { local h=$1; shift; ct "$h" --ctl "$LAB_TMP/$CTD/ctl.sock" "$@"; }
f() { jget "$1" "$2"; }
# conf NAME KEY VALUE: sets KEY in NAME's configuration file (replaced or added)
conf() {
	sed -i "/^$2 = /d" "$LAB_TMP/$1/conf"
	echo "$2 = $3" >>"$LAB_TMP/$1/conf"
}
# reload NAME: SIGHUP, then wait for the Nth "configuration reloaded"
reload() {
	local n
	n=$(grep -c "configuration reloaded" "$LAB_TMP/$1/log")
	kill -HUP "$(ctd_pid "$1")"
	wait_for -t 5 test "$(grep -c "configuration reloaded" "$LAB_TMP/$1/log")" -gt "$n"
}
# state N: the state of file 0 of bob's Nth inbox message (0 = the first)
state() { ctd_q b1d inbox | jq_py "r['messages'][$1]['files'][0]['state']"; }

SRC=$LAB_TMP/src
mkdir -p "$SRC" "$LAB_TMP/getdir"
for i in 1 2 3 4 5; do head -c 20000 /dev/urandom >"$SRC/f$i.bin"; done
head -c 300000 /dev/urandom >"$SRC/big.bin"

ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "notify = 198.18.2.11"
ctd_start b1d b1 "user_name = bob" "allow = 198.18.0.0/15" "accept_files = no" "download_dir = $LAB_TMP/b1d/dl"
B1=198.18.2.11
CTD=srv

# ---- accept_files = no at start: not fetched, no download_dir ----------------------------
cts srv send --file "$SRC/f1.bin" $B1 "one"
is "$(r '["recipients"][0]["state"]')" delivered "f1: delivered"
ok 'wait_for -t 5 test "$(state 0)" = not_accepted' "accept_files = no: not_accepted"
ok '[ ! -e "$LAB_TMP/b1d/dl" ]' "no download_dir made"

# ---- reload: accept_files = yes: the next one is fetched ---------------------------------
conf b1d accept_files yes
ok 'reload b1d' "SIGHUP: configuration reloaded"
like "$(cat "$LAB_TMP/b1d/log")" "reload: files: accept_files yes into $LAB_TMP/b1d/dl, download_quota 1073741824 bytes" \
	"the reload says what it applied"
cts srv send --file "$SRC/f2.bin" --wait-fetch 10s $B1 "two"
is "$(r '["recipients"][0]["files"][0]["state"]')" fetched "after the reload f2 is fetched"
run_ok "its bytes equal" cmp "$SRC/f2.bin" "$LAB_TMP/b1d/dl/f2.bin"
is "$(ctd_q b1d status | jq_py "r['files']['accept_files']")" yes "status: files.accept_files yes"

# ---- download_quota lowered: over_quota --------------------------------------------------
conf b1d download_quota 100000
ok 'reload b1d' "reloaded (download_quota 100000)"
cts srv send --file "$SRC/big.bin" --wait-fetch 3s $B1 "big"
ok 'wait_for -t 5 test "$(state 2)" = over_quota' "download_quota 100000 on reload: big.bin over_quota"
is "$(ctd_q b1d status | jq_py "r['files']['download_quota']")" 100000 "status: files.download_quota 100000"

# ---- accept_files = listed, a sender outside accept_files_from ---------------------------
conf b1d accept_files listed
conf b1d accept_files_from 198.18.9.0/24
ok 'reload b1d' "reloaded (listed, srv not in accept_files_from)"
cts srv send --file "$SRC/f3.bin" --wait-fetch 3s $B1 "three"
ok 'wait_for -t 5 test "$(state 3)" = not_accepted' "srv not in accept_files_from: not_accepted"
conf b1d accept_files_from 198.18.1.10/32
ok 'reload b1d' "reloaded (srv in accept_files_from)"
cts srv send --file "$SRC/f4.bin" --wait-fetch 10s $B1 "four"
is "$(r '["recipients"][0]["files"][0]["state"]')" fetched "srv in accept_files_from: fetched"

# ---- download_dir moved: kept until a restart, said in the log --------------------------
conf b1d download_dir "$LAB_TMP/b1d/dl2"
ok 'reload b1d' "reloaded (download_dir moved)"
like "$(cat "$LAB_TMP/b1d/log")" "reload: a \`download_dir\` change needs a restart; keeping $LAB_TMP/b1d/dl" \
	"the log says download_dir needs a restart"
is "$(ctd_q b1d status | jq_py "r['files']['download_dir']")" "$LAB_TMP/b1d/dl" "status: still the old download_dir"
ok '[ ! -e "$LAB_TMP/b1d/dl2" ]' "the new one is not made"

# ---- accept_files = no again: bob fetches nothing; offers for camtrace get ---------------
conf b1d accept_files no
ok 'reload b1d' "reloaded (accept_files = no)"
cts srv send --file "$SRC/f5.bin" $B1 "five"
ok 'wait_for -t 5 test "$(state 5)" = not_accepted' "accept_files = no on reload: not_accepted"

# offer_expiry shortened on srv: the offer already made expires
conf srv offer_expiry 1s
CTD=srv
ok 'reload srv' "srv reloaded (offer_expiry 1s)"
like "$(cat "$LAB_TMP/srv/log")" "offers expire 1 s after they are made" "the reload says the new expiry"
sleep 2.5
CTD=b1d
cts b1 get --output "$LAB_TMP/getdir" 6
is "$ct_status" 1 "get of an offer expired by the new offer_expiry exits 1"
is "$(r '["files"][0]["state"]')" refused "state refused" || diag "$(cat "$LAB_TMP/out.json")"
ok '[ ! -e "$LAB_TMP/getdir/f5.bin" ] && [ ! -e "$LAB_TMP/getdir/f5.bin.part" ]' "nothing written (no empty .part)"
like "$(cat "$LAB_TMP/srv/log")" "refused: unknown packet number or file id" "srv logs the refusal (the offer is gone)"

# ---- offers kept across a restart (the state file) ---------------------------------------
conf srv offer_expiry 1h
ok 'reload srv' "srv reloaded (offer_expiry 1h)"
CTD=srv
cts srv send --file "$SRC/f1.bin" $B1 "before the restart"
is "$(r '["recipients"][0]["state"]')" delivered "delivered before the restart"
ok 'wait_for -t 5 test "$(state 6)" = not_accepted' "bob holds it (not fetched)"
ctd_stop srv
ok '[ "$(jget "$LAB_TMP/srv/state.json" "=len(d[\"sections\"][\"offers\"])")" = 1 ]' "the state file holds the offer"
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "notify = 198.18.2.11"
like "$(cat "$LAB_TMP/srv/log")" "files: 1 offer\(s\) of the last run restored, 0 expired meanwhile and 0 unreadable" \
	"srv says it took the offer back"
CTD=b1d
cts b1 get --output "$LAB_TMP/getdir" 7
is "$ct_status" 0 "after the restart bob still fetches it (camtrace get)" || diag "$(cat "$LAB_TMP/out.json")"
run_ok "its bytes equal" cmp "$SRC/f1.bin" "$LAB_TMP/getdir/f1.bin"

# ---- an offer the restart lost (no state file): a clean refusal and its own log line ---------
CTD=srv
cts srv send --file "$SRC/f2.bin" $B1 "lost by the restart"
ok 'wait_for -t 5 test "$(state 7)" = not_accepted' "bob holds it (not fetched)"
ctd_stop srv
rm -f "$LAB_TMP/srv/state.json"
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "notify = 198.18.2.11"
CTD=b1d
cts b1 get --output "$LAB_TMP/getdir" 8
is "$ct_status" 1 "get of an offer the restart lost exits 1"
is "$(r '["files"][0]["state"]')" refused "state refused" || diag "$(cat "$LAB_TMP/out.json")"
ok '[ ! -e "$LAB_TMP/getdir/f2.bin" ] && [ ! -e "$LAB_TMP/getdir/f2.bin.part" ]' "nothing written"
like "$(cat "$LAB_TMP/srv/log")" "refused: an offer of an earlier run that this one does not have \\(its state file did not keep it\\): the sender must send the file again" \
	"srv's log says the restart ended the offer"
is "$(ctd_q srv status | jq_py "r['files']['serve_refused']")" 1 "status: files.serve_refused 1"

ctd_done
