#!/usr/bin/env bash
# 614-files-to-iptux.sh: a real iptux 0.8.3 fetches what camtrace offers: `camlab iptux accept` presses its "Accept" and "Save" over AT-SPI; a file and a directory (announced to iptux with its total size, saved into folders made beforehand) arrive equal (cmp, diff -r), send reports them fetched, camtraced's status counts the upload; a fetch cut by a router reset, and a directory iptux 0.8.3 crashes on (a folder to make: stack overflow), leave the offer offered.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd send || skip_all "camtrace send not built"
need_iptux
/usr/bin/python3 -c 'import pyatspi' 2>/dev/null || skip_all "python3-pyatspi not installed (contrib/install-deps installs it)"
lab_up

SRV=198.18.1.10
# send_bg OUT ARGS...: camtrace send through srv's camtraced in the background, JSON into OUT
send_bg() {
	local out=$1
	shift
	in_host srv "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" send "$@" >"$out" 2>"$out.err" &
	send_pid=$!
}
send_wait() { wait "$send_pid"; send_status=$?; }
# offered NAME: iptux has handled a message naming NAME (its debug log prints each datagram)
offered() { lab iptux log b2 | grep -qF "$1"; }
st() { ctd_q srv status | jq_py "$1"; }

run_ok "iptux starts on b2 with its window on the accessibility bus" lab iptux start b2 --hostname b2-pc --ui
RCV=$(lab iptux received b2)
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "notify = 198.18.2.12"
ok 'wait_for -t 15 has_host srv b2-pc' "srv knows iptux (it answered the notification)"

# ---- a file -----------------------------------------------------------------------------------
head -c 3000000 /dev/urandom >"$LAB_TMP/one.bin"
send_bg "$LAB_TMP/s1.json" --file "$LAB_TMP/one.bin" --wait-fetch 30s b2-pc "a file for iptux"
ok 'wait_for -t 10 offered one.bin' "iptux got the offer of one.bin"
run_ok "camlab presses Accept, then Save in iptux's folder chooser" lab iptux accept b2 $SRV --timeout 15
send_wait
is "$send_status" 0 "send exits 0 (delivered)"
is "$(jget "$LAB_TMP/s1.json" '["recipients"][0]["state"]')" delivered "delivered to iptux"
is "$(jget "$LAB_TMP/s1.json" '["recipients"][0]["files"][0]["name"]')" one.bin "the offer names one.bin"
is "$(jget "$LAB_TMP/s1.json" '["recipients"][0]["files"][0]["state"]')" fetched "iptux fetched it"
is "$(jget "$LAB_TMP/s1.json" '["recipients"][0]["files"][0]["bytes"]')" 3000000 "3000000 bytes sent"
ok 'wait_for -t 10 cmp -s "$LAB_TMP/one.bin" "$RCV/one.bin"' "the file iptux saved equals the one offered (cmp)"
is "$(st 'r["files"]["served"]')" 1 "camtraced's status: 1 served"
is "$(st 'r["files"]["served_bytes"]')" 3000000 "camtraced's status: 3000000 bytes served"

# ---- a directory (GETDIRFILES) ----------------------------------------------------------------
# camtraced knows b2 for iptux (its entries say "1_iptux 0.8.3"), so the offer gives the
# directory's total size, as iptux announces one: iptux 0.8.3 lists an entry of size 0 as received
# already and shows no Accept for it (Windows announces 0, and every other peer still gets 0).
# iptux 0.8.3 saves a directory only into folders that exist already: making a missing one
# recurses without end (AnalogFS::mkdir calls g_mkdir, a macro for mkdir, which resolves to the
# method itself: a stack overflow, iptux issue 472, fixed upstream after 0.8.3), so the folders
# are made here first; the last section shows the crash.
mkdir -p "$LAB_TMP/tree/sub/deeper" "$LAB_TMP/tree/empty"
head -c 200000 /dev/urandom >"$LAB_TMP/tree/a.bin"
echo "second" >"$LAB_TMP/tree/sub/b.txt"
head -c 70000 /dev/urandom >"$LAB_TMP/tree/sub/deeper/c.bin"
: >"$LAB_TMP/tree/sub/zero"
(cd "$LAB_TMP" && find tree -type d) | while read -r d; do mkdir -p "$RCV/$d"; done
send_bg "$LAB_TMP/s2.json" --file "$LAB_TMP/tree" --wait-fetch 20s b2-pc "a directory for iptux"
ok 'wait_for -t 10 offered tree' "iptux got the offer of tree"
like "$(lab iptux log b2 | grep -aoF ':tree:41eb7:' | head -1)" '^:tree:41eb7:$' \
	"the offer announces tree with its total size (270007 bytes = 0x41eb7)"
run_ok "camlab accepts tree" lab iptux accept b2 $SRV --timeout 15
send_wait
is "$send_status" 0 "send exits 0"
is "$(jget "$LAB_TMP/s2.json" '["recipients"][0]["files"][0]["name"]')" tree "the offer names tree"
is "$(jget "$LAB_TMP/s2.json" '["recipients"][0]["files"][0]["state"]')" fetched "iptux fetched the directory"
ok 'wait_for -t 10 diff -r "$LAB_TMP/tree" "$RCV/tree" >/dev/null 2>&1' "every file and folder of tree arrived equal (diff -r)"
like "$(lab iptux log b2 | grep -aF 'Receive the directory' | tail -1)" 'tree.*successfully' "iptux logs the directory received"
is "$(st 'r["files"]["served"]')" 2 "camtraced's status: 2 served"
served=$(st 'r["files"]["served"]')

# ---- a fetch cut mid-way ----------------------------------------------------------------------
# srv sends at 16 Mbit/s, so 12 MB take 6 s (more than a socket buffer holds is still to send at
# the cut); the router resets iptux's side for a second (its ACKs to TCP 2425 rejected with a
# reset), then camtraced's retransmissions meet b2's resets
head -c 12000000 /dev/urandom >"$LAB_TMP/cut.bin"
in_host srv tc qdisc add dev eth0 root tbf rate 16mbit burst 32kbit latency 400ms
send_bg "$LAB_TMP/s3.json" --file "$LAB_TMP/cut.bin" --wait-fetch 12s b2-pc "a file whose fetch is cut"
ok 'wait_for -t 10 offered cut.bin' "iptux got the offer of cut.bin"
run_ok "camlab accepts cut.bin" lab iptux accept b2 $SRV --timeout 15
got() { local s; s=$(stat -c %s "$RCV/cut.bin" 2>/dev/null) && [ "$s" -gt 500000 ]; }
ok 'wait_for -t 10 got' "iptux is receiving cut.bin"
fid=$(lab fault add router reject=tcp-reset tcp 2425 b2a)
sleep 1
lab fault del "$fid"
send_wait
in_host srv tc qdisc del dev eth0 root
is "$send_status" 0 "send exits 0 (delivered; the fetch is reported, not a failure)"
is "$(jget "$LAB_TMP/s3.json" '["recipients"][0]["files"][0]["state"]')" offered "the cut file is offered again"
b=$(jget "$LAB_TMP/s3.json" '["recipients"][0]["files"][0]["bytes"]')
ok '[ "$b" -gt 0 ] && [ "$b" -lt 12000000 ]' "bytes counts what went before the cut ($b of 12000000)"
is "$(st 'r["files"]["served"]')" "$served" "camtraced's status: the cut fetch is not counted as served"
run_fails "iptux's copy is not the whole file" cmp -s "$LAB_TMP/cut.bin" "$RCV/cut.bin"
# iptux 0.8.3 neither retries nor resumes: it logs the failure, keeps the partial copy under the
# final name, and its peer window stays "receiving" (Accept disabled, even for a new offer)
like "$(lab iptux log b2 | grep -F 'Failed to receive the file' | tail -1)" 'cut\.bin.*expect length 12000000' "iptux logs the failed fetch"

# ---- a directory iptux has no folder for: iptux 0.8.3 crashes, camtraced does not say fetched --
# (the peer window above stays "receiving": a fresh iptux takes the offer; it only broadcasts its
# BR_ENTRY on site B, so camtraced starts again to notify it, as at the beginning)
restart_iptux() { lab iptux stop b2 && lab iptux start b2 --hostname b2-pc --ui; }
run_ok "iptux restarts on b2" restart_iptux
ctd_stop srv
ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "notify = 198.18.2.12"
# (iptux's entries always say ABSENCEOPT: it is listed absent)
ok 'wait_for -t 15 has_host srv b2-pc absent' "camtraced, started again, knows the new iptux"
mkdir -p "$LAB_TMP/tree2/new"
head -c 100000 /dev/urandom >"$LAB_TMP/tree2/new/d.bin"
send_bg "$LAB_TMP/s4.json" --file "$LAB_TMP/tree2" --wait-fetch 10s b2-pc "a directory iptux cannot save"
ok 'wait_for -t 10 offered tree2' "iptux got the offer of tree2"
run_ok "camlab accepts tree2" lab iptux accept b2 $SRV --timeout 15
send_wait
is "$send_status" 0 "send exits 0 (delivered)" || diag "$(cat "$LAB_TMP/s4.json" "$LAB_TMP/s4.json.err")"
is "$(jget "$LAB_TMP/s4.json" '["recipients"][0]["files"][0]["state"]')" offered \
	"the directory iptux crashed on is offered, not fetched (the peer never confirmed it)"
is "$(lab status --json | jq_py '[h for h in r["hosts"] if h["name"] == "b2"][0]["iptux_pid"]')" None \
	"iptux 0.8.3 is gone (stack overflow making the folder tree2)"
is "$(st 'r["files"]["served"]')" 0 "camtraced's status: not counted as served"

# ---- cleanup: nothing of the instance is left (the accessibility bus included) ----------------
run_ok "iptux stops" lab iptux stop b2
left() { ip netns pids "$LAB_PREFIX-b2" | xargs -r ps -o comm= -p | grep -E 'iptux|Xvfb|dbus|at-spi'; }
is "$(left)" "" "no iptux, Xvfb, D-Bus or AT-SPI process left on b2"
ctd_stop srv
ctd_done
