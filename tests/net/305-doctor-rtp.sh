#!/usr/bin/env bash
# 305-doctor-rtp.sh: the router drops the RTP ports between the sites: doctor --av names the ports and the hop.
. "${top_srcdir:-.}/tests/net/doctor-lib.sh"
doc_setup

doc_sites
lab fault add router drop udp 22224-22227 >/dev/null
doc_run av --user 198.18.2.11
is "$(doc_get av '["verdict"]["class"]')" "healthy" "without --av the RTP ports are not checked" || doc_show av
doc_run av2 --av --user 198.18.2.11
is "$(doc_rc av2)" "1" "with --av: exit 1"
is "$(doc_get av2 '["verdict"]["class"]')" "rtp_blocked" "verdict: RTP blocked" || doc_show av2
is "$(doc_get av2 '["verdict"]["evidence"]["ports"]')" "22224-22227" "evidence: the four RTP ports"
is "$(doc_get av2 '=[p["state"] for p in d["users"][0]["rtp"]]')" "open_filtered,open_filtered,open_filtered,open_filtered" \
	"every RTP port silent"
is "$(doc_get av2 '["verdict"]["evidence"]["hop_address"]')" "198.18.1.1" "the RTP route trace dies after the router"
like "$(doc_get av2 '["verdict"]["fix"]')" "allow UDP 22224-22227 in both directions" "the fix names the ports"
lab fault clear >/dev/null
doc_run av3 --av --user 198.18.2.11
is "$(doc_get av3 '["verdict"]["class"]')" "healthy" "fault removed: the RTP ports pass" || doc_show av3
ctd_done
