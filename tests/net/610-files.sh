#!/usr/bin/env bash
# 610-files.sh: file transfer in the lab: camtraced <-> camtraced a file and a directory both ways (send --file, accept_files), a send whose --wait-fetch (35 s) outlasts the control request timeout, a transfer cut by a router fault and resumed with camtrace get --resume (cmp), a hostile sender (a path-traversal name, more bytes than announced) refused with nothing written outside download_dir.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd get || skip_all "camtrace get not built"
lab_up

cts() { local h=$1; shift; ct "$h" --ctl "$LAB_TMP/$CTD/ctl.sock" "$@"; }
# f FILE PATH: a field of a JSON file
f() { jget "$1" "$2"; }

SRC=$LAB_TMP/src
mkdir -p "$SRC/tree/sub" "$LAB_TMP/getdir"
head -c 3000000 /dev/urandom >"$SRC/big.bin"
echo hello >"$SRC/tree/a.txt"
head -c 70000 /dev/urandom >"$SRC/tree/sub/b.bin"
: >"$SRC/tree/empty"
ln -s /etc/passwd "$SRC/tree/sub/link"
head -c 8000000 /dev/urandom >"$SRC/huge.bin"

ctd_start srv srv "user_name = srv" "allow = 198.18.0.0/15" "accept_files = yes" \
	"download_dir = $LAB_TMP/srv/dl" "notify = 198.18.2.11"
ctd_start b1d b1 "user_name = bob" "allow = 198.18.0.0/15" "accept_files = listed" \
	"accept_files_from = 198.18.1.10" "download_dir = $LAB_TMP/b1d/dl" "download_quota = 5000000"
ctd_start a1d a1 "user_name = alice" "allow = 198.18.0.0/15"
B1=198.18.2.11

# ---- srv -> bob: a file and a directory, fetched by bob's camtraced --------------------
CTD=srv
cts srv send --file "$SRC/big.bin" --file "$SRC/tree" --wait-fetch 20s $B1 "two files"
is "$ct_status" 0 "send exits 0"
is "$(r '["recipients"][0]["state"]')" delivered "bob: delivered"
is "$(r '["recipients"][0]["files"][0]["name"]'),$(r '["recipients"][0]["files"][0]["state"]')" big.bin,fetched \
	"big.bin: fetched by the peer"
is "$(r '["recipients"][0]["files"][0]["bytes"]')" 3000000 "3000000 bytes sent"
is "$(r '["recipients"][0]["files"][1]["name"]'),$(r '["recipients"][0]["files"][1]["state"]')" tree,fetched \
	"the directory: fetched by the peer"
ctd_q b1d inbox >"$LAB_TMP/ib.json"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["attachments"]')" true "bob's inbox: attachments"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][0]["name"]')" big.bin "file 0 big.bin"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][0]["type"]')" regular "type regular"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][0]["size"]')" 3000000 "size 3000000"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][0]["state"]')" fetched "state fetched"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][0]["path"]')" "$LAB_TMP/b1d/dl/big.bin" "path in download_dir"
is "$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][1]["type"]'),$(f "$LAB_TMP/ib.json" '["messages"][0]["files"][1]["state"]')" \
	dir,fetched "file 1: a directory, fetched"
run_ok "the file's bytes equal" cmp "$SRC/big.bin" "$LAB_TMP/b1d/dl/big.bin"
run_ok "the tree's files equal" cmp "$SRC/tree/sub/b.bin" "$LAB_TMP/b1d/dl/tree/sub/b.bin"
run_ok "a.txt too" cmp "$SRC/tree/a.txt" "$LAB_TMP/b1d/dl/tree/a.txt"
ok '[ -f "$LAB_TMP/b1d/dl/tree/empty" ] && [ ! -e "$LAB_TMP/b1d/dl/tree/sub/link" ]' "the empty file came, the symlink did not"
ok '[ -z "$(find "$LAB_TMP/b1d/dl" -name "*.part")" ]' "no .part left"

# over bob's quota (5 MB, 3 used): not fetched. The send waits 35 s for the fetch, longer than
# the control request's default 30 s: its answer (collected after the resume below) must come
in_host srv "$CAMTRACE" --json --ctl "$LAB_TMP/srv/ctl.sock" send --file "$SRC/huge.bin" --wait-fetch 35s \
	$B1 "too big" >"$LAB_TMP/quota.json" 2>"$LAB_TMP/quota.err" &
quota_pid=$!
ib_quota() { ctd_q b1d inbox >"$LAB_TMP/ib.json" && [ "$(f "$LAB_TMP/ib.json" '["messages"][1]["files"][0]["state"]')" = over_quota ]; }
ok 'wait_for -t 10 ib_quota' "bob's inbox: over_quota"

# ---- bob -> srv: the other way --------------------------------------------------------
CTD=b1d
echo "from bob" >"$SRC/note.txt"
cts b1 send --file "$SRC/note.txt" --file "$SRC/tree" --wait-fetch 20s 198.18.1.10 "back"
is "$(r '["recipients"][0]["files"][0]["state"]')" fetched "srv fetched bob's file"
is "$(r '["recipients"][0]["files"][1]["state"]')" fetched "and his directory"
run_ok "its bytes equal" cmp "$SRC/note.txt" "$LAB_TMP/srv/dl/note.txt"
run_ok "the directory's too" cmp "$SRC/tree/sub/b.bin" "$LAB_TMP/srv/dl/tree/sub/b.bin"
ctd_q srv status >"$LAB_TMP/st.json"
is "$(f "$LAB_TMP/st.json" '["files"]["fetched"]')" 2 "srv status: files.fetched 2"
is "$(f "$LAB_TMP/st.json" '["files"]["accept_files"]')" yes "files.accept_files yes"

# ---- a cut and a resume: alice's daemon does not fetch; camtrace get does -------------
CTD=srv
run_ok "srv's link slowed to 16 Mbit/s" in_host srv tc qdisc add dev eth0 root tbf rate 16mbit burst 100kb latency 1s
cts srv send --file "$SRC/huge.bin" alice "resume me"
is "$(r '["recipients"][0]["state"]')" delivered "alice: delivered"
ctd_q a1d inbox >"$LAB_TMP/ia.json"
is "$(f "$LAB_TMP/ia.json" '["messages"][0]["files"][0]["state"]')" not_accepted "alice's inbox: not_accepted (accept_files = no)"
CTD=a1d
in_host a1 "$CAMTRACE" --json --ctl "$LAB_TMP/a1d/ctl.sock" get --output "$LAB_TMP/getdir" --timeout 2 1 \
	>"$LAB_TMP/get1.json" 2>&1 &
gp=$!
ok 'wait_for -t 10 test -s "$LAB_TMP/getdir/huge.bin.part"' "the fetch began"
# camlab's faults match the destination port; the data comes from port 2425: a table of our own
in_host a1 nft -f - <<'NFT'
add table inet xfercut
add chain inet xfercut input { type filter hook input priority 0; policy accept; }
add rule inet xfercut input tcp sport 2425 drop
NFT
wait "$gp"
is "$?" 1 "get exits 1"
is "$(f "$LAB_TMP/get1.json" '["files"][0]["state"]')" timeout "cut by the fault: timeout" || diag "$(cat "$LAB_TMP/get1.json")"
part=$(stat -c %s "$LAB_TMP/getdir/huge.bin.part")
ok '[ "$part" -gt 0 ] && [ "$part" -lt 8000000 ]' "a partial huge.bin.part ($part bytes) kept"
ok '[ ! -e "$LAB_TMP/getdir/huge.bin" ]' "nothing under the final name"
in_host a1 nft delete table inet xfercut
in_host srv tc qdisc del dev eth0 root
cts a1 get --output "$LAB_TMP/getdir" --resume 1
is "$ct_status" 0 "get --resume exits 0"
is "$(r '["files"][0]["state"]')" done "resumed: done"
is "$(r '["files"][0]["offset"]')" "$part" "from the partial file's length"
is "$(( $(r '["files"][0]["bytes"]') + part ))" 8000000 "only the rest came"
run_ok "the bytes equal (cmp)" cmp "$SRC/huge.bin" "$LAB_TMP/getdir/huge.bin"

wait "$quota_pid"
is "$?" 0 "send --wait-fetch 35s: answered after its wait (exit 0), not timed out by the control socket"
is "$(f "$LAB_TMP/quota.json" '["recipients"][0]["state"]')" delivered "bob: delivered" || diag "$(cat "$LAB_TMP/quota.err")"
is "$(f "$LAB_TMP/quota.json" '["recipients"][0]["files"][0]["state"]')" offered "huge.bin: still offered (bob did not fetch it)"

# ---- a hostile sender on b2: '..' in the list, a path in the stream, too many bytes ---
cat >"$LAB_TMP/hostile.py" <<'EOF'
import socket, sys, time
mode = sys.argv[1]
tcp = socket.socket(); tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("0.0.0.0", 2425)); tcp.listen(4)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); udp.bind(("0.0.0.0", 2425))
def hdr(name, size, attr):
    body = ":%s:%09x:%x:" % (name, size, attr)
    return b"%04x" % (len(body) + 4) + body.encode()
if mode == "list":
    lst = "1:../evil:4:0:1:\a2:ok.txt:4:0:1:\a"
elif mode == "stream":
    lst = "1:d:0:0:2:\a"
else:
    lst = "1:small:4:0:1:\a"
pkt = "1:%d:mallory:b2:%d:hi\0%s\0" % (int(time.time() * 1000) % 2000000000, 0x20 | 0x100 | 0x200000, lst)
udp.sendto(pkt.encode(), ("198.18.1.10", 2425))
tcp.settimeout(5)
for _ in range(2):
    try:
        c, _a = tcp.accept()
    except socket.timeout:
        break
    req = c.recv(1000)
    if mode == "stream":
        c.sendall(hdr("d", 0, 2) + hdr("../../x", 4, 1) + b"abcd" + hdr(".", 0, 3))
    elif mode == "toomuch":
        c.sendall(b"12345678")
    else:
        c.sendall(b"okok")
    time.sleep(0.3)
    c.close()
print("done", flush=True)
EOF
for mode in list stream toomuch; do
	ip netns exec "$LAB_PREFIX-b2" "$PYTHON" "$LAB_TMP/hostile.py" $mode >"$LAB_TMP/hostile-$mode.log" 2>&1
done
ctd_q srv inbox >"$LAB_TMP/is.json"
n=$(f "$LAB_TMP/is.json" '["count"]')
is "$(f "$LAB_TMP/is.json" "[\"messages\"][$((n - 3))][\"files\"][0][\"state\"]")" bad_name "'../evil' in the list: bad_name"
is "$(f "$LAB_TMP/is.json" "[\"messages\"][$((n - 3))][\"files\"][1][\"state\"]")" fetched "its sibling ok.txt: fetched"
is "$(f "$LAB_TMP/is.json" "[\"messages\"][$((n - 2))][\"files\"][0][\"state\"]")" bad_name "'../../x' in a directory stream: bad_name"
is "$(f "$LAB_TMP/is.json" "[\"messages\"][$((n - 1))][\"files\"][0][\"state\"]")" too_much "8 bytes for 4 announced: too_much"
ok '[ ! -e "$LAB_TMP/srv/evil" ] && [ ! -e "$LAB_TMP/srv/x" ] && [ ! -e "$LAB_TMP/x" ] && [ ! -e "$LAB_TMP/srv/dl/small" ] && [ ! -e "$LAB_TMP/srv/dl/small.part" ]' \
	"nothing written outside download_dir, nothing kept of the refused file"
like "$(cat "$LAB_TMP/srv/log")" "more than the 4 bytes announced" "the refusal is logged"

# ---- an encrypted message with a file: the list goes in the clear after the encrypted body ----
CTD=srv
cts srv send --encrypt require --file "$SRC/tree/a.txt" --wait-fetch 20s $B1 "secret with a file"
is "$(r '["recipients"][0]["state"]')" delivered "encrypted with a file: delivered"
like "$(r '["recipients"][0]["encryption"]')" '^rsa2048\+aes256/sha' "encrypted with RSA-2048 + AES-256"
is "$(r '["recipients"][0]["files"][0]["state"]')" fetched "a.txt fetched by the peer"
ctd_q b1d inbox >"$LAB_TMP/ib.json"
sel='=[m for m in d["messages"] if m["text"] == "secret with a file"]'
is "$(f "$LAB_TMP/ib.json" "$sel[0][\"encrypted\"]"),$(f "$LAB_TMP/ib.json" "$sel[0][\"readable\"]")" true,true \
	"bob's inbox: encrypted and read"
is "$(f "$LAB_TMP/ib.json" "$sel[0][\"files\"][0][\"name\"]"),$(f "$LAB_TMP/ib.json" "$sel[0][\"files\"][0][\"state\"]")" \
	a.txt,fetched "bob's inbox: a.txt fetched"

# ---- probe --file: the test transfer from a camtraced ----------------------------------
ct a2 probe --file --bytes 5000000 198.18.1.10 || true; [ -s "$LAB_TMP/out.json" ] || diag "$(cat "$LAB_TMP/err.txt")"
is "$(r '["hosts"][0]["file"]["state"]')" done "probe --file from srv's camtraced: done"
is "$(r '["hosts"][0]["file"]["bytes"]')" 5000000 "5000000 bytes"
is "$(r '["hosts"][0]["file"]["bytes_asked"]')" 5000000 "bytes_asked 5000000"
ok '[ "$(r "[\"hosts\"][0][\"file\"][\"mbit_s\"]" | cut -d. -f1)" -gt 0 ]' "a throughput"
is "$ct_status" 0 "probe exits 0"
ct a2 probe --file --no-udp --bytes 1000 198.18.2.13
is "$(r '["hosts"][0]["file"]["state"]')" refused "no camtraced on b3: refused"
is "$ct_status" 1 "probe exits 1"

ctd_stop srv
ctd_stop b1d
ctd_stop a1d
ctd_done
