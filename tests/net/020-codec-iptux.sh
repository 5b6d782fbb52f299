#!/usr/bin/env bash
# 020-codec-iptux.sh: the codec against a real iptux in the lab: its packets decode, our Windows-form entry and SENDMSG are answered.
. "${top_srcdir:-.}/tests/net/lib.sh"
need_iptux
need_cmd unshare util-linux
[ -x "$CAMTRACE" ] || bail_out "build camtrace first ($CAMTRACE)"

# exchange HOST ADDR ESCAPED-DATAGRAM SECONDS: send from HOST's UDP 2425, write every reply
# datagram received within SECONDS to $LAB_TMP/reply.N (raw bytes); prints how many came
exchange() {
	in_host "$1" "$PYTHON" - "$2" "$3" "$4" "$LAB_TMP/reply" <<'PY'
import codecs, socket, sys, time
addr, text, secs, out = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
data = codecs.escape_decode(text.encode())[0]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 2425))
s.sendto(data, (addr, 2425))
n, end = 0, time.monotonic() + secs
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    s.settimeout(left)
    try:
        d, a = s.recvfrom(65535)
    except socket.timeout:
        break
    if a[0] != addr:
        continue
    n += 1
    open("%s.%d" % (out, n), "wb").write(d)
print(n)
PY
}

lab_up
b1=$(addr b1)

# ---- iptux's own BR_ENTRY, heard on its site, decodes field by field --------------
listen_bg ann b2 udp 2425 --timeout 15
run_ok "iptux start b1 --nick 太郎 --group 営業部" lab iptux start b1 --nick 太郎 --group 営業部
listen_wait ann >"$LAB_TMP/ann.out"
got=$(head -n 1 "$LAB_TMP/ann.out")
text=${got#* data }
line=$("$CAMTRACE" decode "$text")
like "$line" '^BR_ENTRY\|ABSENCEOPT #[0-9]+ [^@]+@b1-pc ver="1_iptux 0\.8\.3" nick="太郎" group="営業部" icon="[^"]*" charset="utf-8"$' \
	"iptux's BR_ENTRY decodes: 257, version, nick 太郎, group 営業部, icon, utf-8"
json=$("$CAMTRACE" --json decode "$text")
like "$json" '"form":[[:space:]]*"iptux"' "JSON names the iptux entry form"
like "$json" '"legacy_charset":[[:space:]]*"utf-8"' "the charset field selects UTF-8"

# ---- a Windows v4.99-style BR_ENTRY (CP932 names + UTF-8 block) from site A ----------
win='1:1700000100:dave:a2-pc:16777217:\x83\x5f\x83\x43\x83\x75\0\x8a\x4a\x94\xad\0\nUN:dave\nHN:a2-pc\nNN:\xe3\x83\x80\xe3\x82\xa4\xe3\x83\x96\nGN:\xe9\x96\x8b\xe7\x99\xba\nVS:00010002:4:99:103'
is "$("$CAMTRACE" decode "$win")" \
	'BR_ENTRY|CAPUTF8OPT #1700000100 dave@a2-pc nick="ダイブ" group="開発" vs="00010002:4:99:103"' \
	"our Windows-form BR_ENTRY decodes (CP932 legacy fields, block wins)"
n=$(exchange a2 "$b1" "$win" 2)
ok '[ "${n:-0}" -ge 1 ]' "iptux answers the Windows-form BR_ENTRY across the router ($n datagrams)"
ans=
for f in "$LAB_TMP"/reply.*; do
	[ -e "$f" ] || continue
	l=$("$CAMTRACE" decode --file "$f")
	diag "reply: $l"
	case $l in ANSENTRY*) ans=$l ;; esac
done
like "$ans" '^ANSENTRY\|ABSENCEOPT #[0-9]+ [^@]+@b1-pc ver="1_iptux 0\.8\.3" nick="太郎" group="営業部" icon="[^"]*" charset="utf-8"$' \
	"its ANSENTRY (259) decodes with the same fields"

# ---- SENDMSG|SENDCHECKOPT is acknowledged with RECVMSG carrying our packet number ---
rm -f "$LAB_TMP"/reply.*
msg='1:1700000101:dave:a2-pc:288:\xe3\x81\x93\xe3\x82\x93\xe3\x81\xab\xe3\x81\xa1\xe3\x81\xaf\0'
is "$("$CAMTRACE" decode "$msg")" 'SENDMSG|SENDCHECKOPT #1700000101 dave@a2-pc text="こんにちは"' "our SENDMSG decodes"
n=$(exchange a2 "$b1" "$msg" 2)
rcv=
for f in "$LAB_TMP"/reply.*; do
	[ -e "$f" ] || continue
	l=$("$CAMTRACE" decode --file "$f")
	case $l in RECVMSG*) rcv=$l ;; esac
done
like "$rcv" '^RECVMSG\|SENDCHECKOPT #[0-9]+ [^@]+@b1-pc ver="1_iptux 0\.8\.3" packet=1700000101$' \
	"iptux acknowledges with RECVMSG (289) whose body is our packet number in decimal"
like "$(lab iptux log b1)" 'received udp message from 198\.18\.1\.12:2425' "iptux logged our packets"

done_testing
