#!/usr/bin/env bash
# 112-probe-br-exit.sh: what camtrace announces it withdraws: after the BR_ENTRY|DIALUPOPT fallback (iptux ignores GETINFO) the probe sends BR_EXIT, and iptux handles it.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"
need_cmd iptux iptux
need_cmd Xvfb xvfb

lab_up
lab iptux start b1 >/dev/null 2>&1 || bail_out "iptux did not start on b1"
peer_up pb3 b3


ct a1 probe --no-tcp 198.18.2.11
is "$(r '["hosts"][0]["udp"]["state"]')" open "iptux: UDP 2425 open"
is "$(r '["hosts"][0]["udp"]["answered"]')" br_entry "iptux answered the BR_ENTRY|DIALUPOPT (it ignores GETINFO)"
is "$(r '["hosts"][0]["udp"]["br_exit_sent"]')" true "BR_EXIT sent after the BR_ENTRY"
is "$(r '["hosts"][0]["udp"]["probes_sent"]')" 3 "two GETINFO, one BR_ENTRY (no retry once answered)"
wait_for -t 3 sh -c "lab iptux log b1 | grep -q 'BR_EXIT'" 2>/dev/null
cmds=$(iptux_cmds_from 198.18.1.11)
diag "iptux handled from a1: $cmds"
like "$cmds" 'BR_ENTRY,BR_EXIT$' "iptux handled our BR_EXIT right after our BR_ENTRY: we left its list"
ok "lab iptux log b1 | grep -A1 'BR_EXIT' | grep -q 'event type 2'" \
	"iptux raised its pal-offline event (EventType 2) for us"

# GETINFO answered: nothing was announced, nothing to withdraw
ct a1 probe --no-tcp 198.18.2.13
is "$(r '["hosts"][0]["udp"]["answered"]')" getinfo "a peer that answers GETINFO"
is "$(r '["hosts"][0]["udp"]["br_exit_sent"]')" false "no BR_ENTRY sent, so no BR_EXIT"

# --getinfo-only never announces
n0=$(iptux_cmds_from 198.18.1.11)
ct a1 probe --no-tcp --getinfo-only 198.18.2.11
is "$(r '["hosts"][0]["udp"]["br_exit_sent"]')" false "--getinfo-only: no BR_ENTRY, no BR_EXIT"
sleep 0.3
n1=$(iptux_cmds_from 198.18.1.11)
is "${n1#"$n0"}" ",unknown,unknown" "--getinfo-only: iptux saw our two GETINFO (unknown to it), no BR_ENTRY, no BR_EXIT"

lab iptux stop b1 >/dev/null 2>&1
done_testing
