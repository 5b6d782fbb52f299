#!/usr/bin/env bash
# 303-doctor-router-tcp.sh: the router rejects TCP 2425 only (admin-prohibited): messages work, file transfer would not.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
lab fault add router reject=admin-prohibited tcp 2425 >/dev/null
doc_run tcp --user userb2
is "$(doc_rc tcp)" "1" "exit 1: a problem was found"
is "$(doc_get tcp '["verdict"]["class"]')" "tcp_blocked" "verdict: TCP 2425 blocked, UDP fine" || doc_show tcp
is "$(doc_get tcp '["users"][0]["address"]')" "198.18.2.12" "the user given by name is found in the server's list"
is "$(doc_get tcp '["users"][0]["probe"]["udp_2425"]')" "open" "UDP 2425 answers (messages work)"
is "$(doc_get tcp '["verdict"]["evidence"]["icmp"]["code"]')" "13" "evidence: ICMP code 13 (administratively prohibited)"
is "$(doc_get tcp '["verdict"]["evidence"]["hop_address"]')" "198.18.1.1" "from the router"
is "$(doc_get tcp '["verdict"]["evidence"]["hop"]')" "1" "hop 1: the router that answers at TTL 1 is the one rejecting"
is "$(doc_get tcp '["verdict"]["evidence"]["protocol"]')" "tcp" "protocol tcp"
like "$(doc_get tcp '["verdict"]["finding"]')" "File and folder transfers would fail" "the finding says what breaks"
like "$(doc_get tcp '["verdict"]["fix"]')" "^On 198\.18\.1\.1.*allow TCP 2425 in both directions" "the fix names the router and TCP 2425"
ctd_done
