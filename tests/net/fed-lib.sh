# tests/net/fed-lib.sh: helpers for the federation scenarios (24x-fed-*.sh). Source after ctd-lib.sh.
#   fed_user NAME USER PY-EXPR     PY-EXPR on USER's users record at daemon NAME (h); "absent" when not listed
#   fed_peer NAME ADDR PY-EXPR     PY-EXPR on NAME's status federation peer whose addr is ADDR:2425 (p)
#   fed_is NAME USER PY-EXPR VALUE the same compared (for wait_for)
#   fed_router_count SECS          UDP 2425 packets the router forwards in SECS seconds (no storm)
#   fed_lab_up                     the three-site lab (LAB_SITES=3); sets A B C (the server hosts
#                                  srv, b3, c2) and FED (a 2 s refresh, a 6 s lease)
fed_lab_up() {
	[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
	export LAB_SITES=3
	lab_up
	A=$(addr srv) B=$(addr b3) C=$(addr c2)
	FED=$'peer_refresh = 2s\npeer_lease = 6s'
}
fed_user() {
	ctd_q "$1" users '{"filter":"all"}' | "$PYTHON" -c '
import json, sys
hs = [h for h in json.load(sys.stdin)["hosts"] if h["user"] == sys.argv[1]]
print(eval(sys.argv[2], {"h": hs[0]}) if hs else "absent")' "$2" "$3"
}
fed_peer() {
	ctd_q "$1" status | "$PYTHON" -c '
import json, sys
ps = [p for p in json.load(sys.stdin)["federation"]["peers"] if p["addr"] == sys.argv[1] + ":2425"]
print(eval(sys.argv[2], {"p": ps[0]}) if ps else "absent")' "$2" "$3"
}
fed_is() { [ "$(fed_user "$1" "$2" "$3")" = "$4" ]; }
fed_peer_is() { [ "$(fed_peer "$1" "$2" "$3")" = "$4" ]; }
fed_router_count() {
	in_host rtr nft -f - <<'NFT'
table inet fedcount {
	chain fedfwd {
		type filter hook forward priority -10; policy accept;
		udp dport 2425 counter
	}
}
NFT
	sleep "$1"
	in_host rtr nft list chain inet fedcount fedfwd | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'
	in_host rtr nft delete table inet fedcount
}
