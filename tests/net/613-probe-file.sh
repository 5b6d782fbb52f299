#!/usr/bin/env bash
# 613-probe-file.sh: camtrace probe --file both ways: the download (file) and the upload (file_up: the camtraced connects back to our TCP 2425 and fetches the test bytes); a router dropping the connection back fails only the upload (no_connect_back); a host outside allow is refused; 2425 taken here is said.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
lab_up

ctd_start b1d b1 "user_name = bob" "allow = 198.18.1.12/32"
B1=198.18.2.11

# ---- both directions from a2 (in allow) --------------------------------------------------
ct a2 probe --file --bytes 3000000 $B1; [ -s "$LAB_TMP/out.json" ] || diag "$(cat "$LAB_TMP/err.txt")"
is "$(r '["hosts"][0]["file"]["state"]'),$(r '["hosts"][0]["file"]["bytes"]')" done,3000000 "download: done, 3000000 bytes"
is "$(r '["hosts"][0]["file_up"]["state"]')" done "upload: done" || diag "$(cat "$LAB_TMP/out.json")"
is "$(r '["hosts"][0]["file_up"]["bytes"]')" 3000000 "upload: the camtraced fetched 3000000 bytes"
is "$(r '["hosts"][0]["file_up"]["bytes_asked"]')" 3000000 "upload: bytes_asked 3000000"
ok '[ "$(r "[\"hosts\"][0][\"file_up\"][\"mbit_s\"]" | cut -d. -f1)" -gt 0 ]' "upload: a throughput"
is "$(r '["hosts"][0]["file_up"]["error"]')" null "upload: no error"
is "$ct_status" 0 "probe exits 0"
ok '[ -z "$(find "$LAB_TMP/b1d" -type f -size +900k)" ]' "the camtraced wrote no test bytes"

# ---- the connection back dropped by the router: the upload fails, the download works -----
lab fault add router drop tcp 2425 b2a >/dev/null
ct a2 probe --file --bytes 1000000 $B1
is "$(r '["hosts"][0]["file"]["state"]')" done "SYNs b2a dropped: the download still done"
is "$(r '["hosts"][0]["file_up"]["state"]')" no_connect_back "the upload: no_connect_back" || diag "$(cat "$LAB_TMP/out.json")"
like "$(r '["hosts"][0]["file_up"]["error"]')" "^connect: no answer in 4000 ms" "with the reason"
is "$(r '["hosts"][0]["file_up"]["bytes"]')" 0 "upload: 0 bytes"
is "$ct_status" 1 "probe exits 1"
lab fault clear >/dev/null

# ---- a host outside allow: refused both ways ----------------------------------------------
ct a1 probe --file --bytes 1000 $B1
is "$(r '["hosts"][0]["file"]["state"]'),$(r '["hosts"][0]["file_up"]["state"]')" refused,refused \
	"a1 outside allow: refused both ways"

# ---- 2425 taken here by a camtraced: the upload says so -----------------------------------
ctd_start a2d a2 "user_name = a2" "allow = 198.18.0.0/15"
ct a2 probe --file --bytes 1000 $B1
is "$(r '["hosts"][0]["file"]["state"]'),$(r '["hosts"][0]["file_up"]["state"]')" done,not_tested \
	"a camtraced on a2: download done, upload not_tested"
is "$ct_status" 0 "the upload that could not run here does not fail the host (exit 0)"
like "$(r '["hosts"][0]["file_up"]["error"]')" "^TCP 2425 here is taken .*stop it, or probe from a host without one" "saying why and what to do"

ctd_stop a2d
ctd_stop b1d
ctd_done
