#!/usr/bin/env bash
# 117-probe-answers-end.sh: a step ends when its answers are in: no retry after an answer, echoes paced by their replies, silence still retried and waited for (issue 13).
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
. "$top_srcdir/tests/net/probe-lib.sh"
have_camtrace_cmd probe || skip_all "camtrace probe not built"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"

lab_up
lab_no_icmp_ratelimit
ctd_start ub1 b1 "user_name = userb1" "nick = User-b1"
ctd_start ub2 b2 "user_name = userb2" "nick = User-b2"

# every path answers: one GETINFO and one SYN, no retry
ct a1 probe 198.18.2.11 198.18.2.12
for i in 0 1; do
	is "$(r "[\"hosts\"][$i][\"udp\"][\"state\"]")" open "host $i: UDP open"
	is "$(r "[\"hosts\"][$i][\"udp\"][\"answered\"]")" getinfo "host $i: GETINFO answered"
	is "$(r "[\"hosts\"][$i][\"udp\"][\"probes_sent\"]")" 1 "host $i: one GETINFO, no retry after its answer"
	is "$(r "[\"hosts\"][$i][\"tcp\"][\"state\"]")" open "host $i: TCP open"
	is "$(r "[\"hosts\"][$i][\"tcp\"][\"probes_sent\"]")" 1 "host $i: one SYN, no retry after the SYN-ACK"
done
is "$ct_status" 0 "exit 0"

# a RST is final too (b2's port closed: camtraced stopped)
ctd_stop ub2
ct a1 probe --no-udp 198.18.2.12
is "$(r '["hosts"][0]["tcp"]["state"]')" closed "b2 without a listener: TCP closed"
is "$(r '["hosts"][0]["tcp"]["responder"]["role"]')" target "the RST is the target's"
is "$(r '["hosts"][0]["tcp"]["probes_sent"]')" 1 "one SYN: no retry after the RST"

# silence: the retry still goes, and the state is the same as ever
lab fault add router drop tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.11
is "$(r '["hosts"][0]["tcp"]["state"]')" filtered "dropped SYNs: TCP filtered"
is "$(r '["hosts"][0]["tcp"]["probes_sent"]')" 2 "two SYNs: the retry goes when nothing answered"
# with the UDP answer first the host is known up: the SYNs' silence is timed from its round
# trip, and the verdict is the same
ct a1 probe 198.18.2.11
is "$(r '["hosts"][0]["udp"]["state"]')" open "UDP still open"
is "$(r '["hosts"][0]["tcp"]["state"]')" filtered "dropped SYNs after a UDP answer: TCP filtered"
is "$(r '["hosts"][0]["tcp"]["reason"]')" "no answer to the SYN" "the reason: silence"
is "$(r '["hosts"][0]["tcp"]["probes_sent"]')" 2 "two SYNs"
is "$(r '["hosts"][0]["host_down"]')" false "not down"
# an ICMP error does not make the retry moot (host-down patterns compare two probes)
lab fault clear >/dev/null
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
ct a1 probe --no-udp 198.18.2.11
is "$(r '["hosts"][0]["tcp"]["state"]')" filtered "rejected SYNs: TCP filtered"
is "$(r '["hosts"][0]["tcp"]["icmp"]["code"]')" 13 "ICMP 3/13 from the router"
is "$(r '["hosts"][0]["tcp"]["probes_sent"]')" 2 "two SYNs: an ICMP error is not a final answer"
lab fault clear >/dev/null

# reach: the echoes are paced by their replies, all answered; several hosts at once
ct a1 reach 198.18.2.11 198.18.1.10
for i in 0 1; do
	is "$(r "[\"hosts\"][$i][\"icmp\"][\"sent\"]")" 4 "reach host $i: 4 echo requests"
	is "$(r "[\"hosts\"][$i][\"icmp\"][\"received\"]")" 4 "reach host $i: 4 echo replies"
done
is "$(r '["hosts"][0]["ipmsg"]["answered"]')" getinfo "reach: b1 answered GETINFO"
is "$(r '["hosts"][0]["ipmsg"]["user"]')" userb1 "reach: b1's user"
is "$(r '["hosts"][1]["ipmsg"]["state"]')" closed "reach: nothing on srv's UDP 2425 (port unreachable)"
is "$(r '["hosts"][1]["ipmsg"]["program"]')" null "reach: no program on srv"
ctd_done
