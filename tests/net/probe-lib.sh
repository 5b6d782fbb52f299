# tests/net/probe-lib.sh: helpers for the probe-area scenarios (JSON field access, answering peers).
# Source after tests/net/lib.sh.

# jget FILE PATH: prints a field of a JSON document, e.g. jget out.json 'hosts[0]["udp"]["state"]'
# or a whole expression over d after "=", e.g. jget out.json '=[h["address"] for h in d["hosts"]]'
# (None prints as "null", booleans as true/false, lists comma-joined); fails on invalid JSON.
jget() {
	"$PYTHON" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = sys.argv[2]
v = eval(e[1:] if e.startswith("=") else "d" + e, {"d": d})
if isinstance(v, list):
    v = ",".join(str(x) for x in v)
print("null" if v is None else ("true" if v is True else "false" if v is False else v))
PY
}

# peer_up NAME HOST: an IP Messenger-like peer on HOST's UDP 2425 that answers every datagram
# with a SENDINFO (labnet, not camtrace code); it runs until the scenario ends.
peer_up() {
	listen_bg "$1" "$2" udp 2425 --count 1000 --timeout 120 --reply "1:1:peer:$2:65:labnet peer on $2"
}

# no ICMP rate limit on the router: consecutive traces in one scenario must all get their answers
lab_no_icmp_ratelimit() {
	local h
	for h in rtr srv a1 a2 b1 b2 b3; do
		in_host "$h" sysctl -qw net.ipv4.icmp_ratelimit=0
		in_host "$h" sysctl -qw net.ipv6.icmp.ratelimit=0
	done
}

# ct HOST ARGS...: camtrace in HOST's namespace, JSON output kept in $LAB_TMP/out.json; status kept
ct() {
	local h=$1
	shift
	ct_status=0
	in_host "$h" "$CAMTRACE" --json "$@" >"$LAB_TMP/out.json" 2>"$LAB_TMP/err.txt" || ct_status=$?
	return 0
}
# r PATH: a field of the last ct's JSON output (jget on $LAB_TMP/out.json)
r() { jget "$LAB_TMP/out.json" "$1"; }
valid_json() { "$PYTHON" -c 'import json,sys; json.load(open(sys.argv[1]))' "$LAB_TMP/out.json"; }
