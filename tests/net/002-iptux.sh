#!/usr/bin/env bash
# 002-iptux.sh: camlab runs real headless iptux peers in the lab: announce, answer, quit, cleanup.
. "${top_srcdir:-.}/tests/net/lib.sh"
need_iptux
need_cmd unshare util-linux
need_cmd nsenter util-linux

lab_up
hdr='1_iptux 0\.8\.3:[0-9]+:[^:]+'

# ---- start: BR_ENTRY broadcast inside its site only ------------------------------
listen_bg ann_b2 b2 udp 2425 --count 2 --timeout 15
listen_bg ann_a1 a1 udp 2425 --timeout 15
run_ok "iptux start b1 --nick bob --group Support" lab iptux start b1 --nick bob --group Support
got=$(listen_wait ann_b2)
like "$got" "from 198\.18\.2\.11 2425 ttl 64 len [0-9]+ data $hdr:b1-pc:257:bob\\\\0Support\\\\0" \
	"b2 hears iptux's BR_ENTRY (257) with host name b1-pc, nick bob, group Support"
like "$got" "data $hdr:b1-pc:257:.*
from 198\.18\.2\.11 2425 .*data $hdr:b1-pc:257:" "it broadcasts BR_ENTRY twice (255.255.255.255 and 198.18.2.255)"
is "$(listen_stop ann_a1)" "" "a1 (site A) does not hear b1's BR_ENTRY"
pid=$(lab status --json | sed -n 's/.*"name":"b1"[^}]*"iptux_pid":\([0-9]*\).*/\1/p')
like "$pid" '^[0-9]+$' "status --json reports iptux's pid on b1"
like "$(in_host b1 ss -uanp)" '0\.0\.0\.0:2425 .*"iptux"' "iptux is bound to UDP 2425 in b1's namespace"
like "$(in_host b1 ss -tlnp)" ':2425 .*"iptux"' "iptux listens on TCP 2425 in b1's namespace"
is "$(tr '\0' ' ' <"/proc/$pid/cmdline")" "iptux -l DEBUG -c /run/camlab/$LAB_PREFIX/iptux-b1/home/.iptux/config.json " \
	"iptux runs with camlab's config file"
like "$(cat "/run/camlab/$LAB_PREFIX/iptux-b1/home/.iptux/config.json")" '"candidacy_encode": "cp932"' "its config asks for cp932 as candidate encoding"
run_fails "a second start on b1 is refused while it runs" lab iptux start b1

# ---- it answers across the router, and faults bite --------------------------------
out=$(in_host a2 "$PYTHON" "$LABNET" send udp 198.18.2.11 2425 --sport 2425 --wait 3 \
	--data '1:100:dave:a2-pc:1:dave\0SiteA\0')
like "$out" "^reply from 198\.18\.2\.11 2425 data $hdr:b1-pc:259:bob\\\\0Support\\\\0" \
	"a unicast BR_ENTRY from a2 (site A) is answered with ANSENTRY (259) across the router"
like "$(lab iptux log b1)" 'received udp message from 198\.18\.1\.12:2425' "iptux log shows the packet from a2"

lab fault add router drop udp 2425 b2a >/dev/null
out=$(in_host a2 "$PYTHON" "$LABNET" send udp 198.18.2.11 2425 --sport 2425 --wait 1 \
	--data '1:101:dave:a2-pc:1:dave\0SiteA\0')
is "$out" "sent" "with the router dropping UDP 2425 b2a, the ANSENTRY never comes back"
lab fault clear

# ---- a Japanese nick goes out as UTF-8 ----------------------------------------------
listen_bg ann_srv srv udp 2425 --timeout 15
run_ok "iptux start a1 --nick 太郎 --group 営業部" lab iptux start a1 --nick 太郎 --group 営業部
like "$(listen_wait ann_srv)" "data $hdr:a1-pc:257:太郎\\\\0営業部\\\\0" "srv hears a1's BR_ENTRY with 太郎 / 営業部 in UTF-8"

# ---- graceful stop: BR_EXIT to the peers it knows -------------------------------------
listen_bg exit_a2 a2 udp 2425 --timeout 10
run_ok "iptux stop b1" lab iptux stop b1
like "$(listen_wait exit_a2)" "data $hdr:b1-pc:(65538|2):" "a2, a known peer, receives b1's BR_EXIT on a graceful stop"
is "$(ip netns pids "$LAB_PREFIX-b1" | wc -l)" 0 "nothing of iptux (Xvfb, dbus, iptux) is left in b1's namespace"
is "$(lab status --json | sed -n 's/.*"name":"b1"[^}]*"iptux_pid":\([a-z0-9]*\).*/\1/p')" null "status shows no iptux on b1"
run_ok "iptux stop on a host without iptux is harmless" lab iptux stop b3

# ---- down removes running peers --------------------------------------------------
a1procs=$(ip netns pids "$LAB_PREFIX-a1")
ok '[ "$(echo "$a1procs" | wc -w)" -ge 3 ]' "a1 runs its iptux instance (Xvfb, dbus, iptux)"
run_ok "camlab down with iptux still running on a1" lab down
alive=
for p in $a1procs; do pid_alive "$p" && alive="$alive $p"; done
is "$alive" "" "down killed every process of a1's iptux instance"
ok '[ ! -e "/run/camlab/$LAB_PREFIX" ]' "down removed the lab's state directory"

done_testing
