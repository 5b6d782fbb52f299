#!/bin/sh
# t-bundle.sh: `camtrace bundle` without a daemon: the promised files, a valid manifest, secrets and message texts absent, missing parts with reasons.
: "${top_builddir:=.}"
CT="$top_builddir/src/camtrace/camtrace"
n=0; fail=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
skip() { n=$((n+1)); echo "ok $n - # SKIP $1"; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/t-bundle.XXXXXX") || exit 99
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

cat >"$tmp/camtraced.conf" <<'EOF'
# test configuration
listen = 0.0.0.0
port = 2425
notify = 198.18.2.255
password = hunter2
upstream_token = "tok-Zq81xx"
# old_secret = n0tAg41n
log = /var/log/camtraced-test.log
EOF
cat >"$tmp/camtraced.log" <<'EOF'
2026-11-24T15:00:00Z camtraced[7]: notice: listening on 0.0.0.0:2425
2026-11-24T15:00:01Z camtraced[7]: debug: recv 198.18.2.11:2425 "1:100:alice:pc1:288:MeetMeAtNoonXyz\0"
2026-11-24T15:00:02Z camtraced[7]: info: message from alice text="SecondLineTextQwv"
2026-11-24T15:00:03Z camtraced[7]: warning: conf: password = hunter2 in use
EOF

# 1. the run itself
"$CT" bundle -o "$tmp/x.tar.gz" --json --config "$tmp/camtraced.conf" --log "$tmp/camtraced.log" \
	--ctl "$tmp/no-daemon.sock" >"$tmp/out.json" 2>"$tmp/err.txt"
rc=$?
t $rc "bundle exits 0 without a daemon (rc=$rc)"
[ "$rc" = 0 ] || sed 's/^/# /' "$tmp/err.txt"
[ -s "$tmp/x.tar.gz" ]; t $? "archive written"
perm=$(stat -c %a "$tmp/x.tar.gz" 2>/dev/null)
[ "$perm" = 600 ]; t $? "archive is private (mode $perm)"

tar tzf "$tmp/x.tar.gz" >"$tmp/list" 2>/dev/null; t $? "tar can list it"
top=$(head -n 1 "$tmp/list" | cut -d/ -f1)
[ "$top" = x ]; t $? "members live under one directory named after the archive ($top)"
! grep -qv "^$top/" "$tmp/list"; t $? "no member outside that directory"
for f in manifest.json versions.txt system/facts.json system/sysctl.txt daemon/camtraced.conf daemon/log.txt; do
	grep -qx "$top/$f" "$tmp/list"; t $? "archive holds $f"
done
mkdir "$tmp/x" && tar xzf "$tmp/x.tar.gz" -C "$tmp/x"; t $? "tar extracts it"
d="$tmp/x/$top"

# 2. secrets and message texts
for s in hunter2 tok-Zq81xx n0tAg41n MeetMeAtNoonXyz SecondLineTextQwv; do
	! grep -rq "$s" "$tmp/x"; t $? "'$s' absent from every member"
done
grep -q '^password = \[REDACTED\]$' "$d/daemon/camtraced.conf"; t $? "config: password line redacted in place"
grep -q '^notify = 198.18.2.255$' "$d/daemon/camtraced.conf"; t $? "config: other lines untouched"
grep -q 'listening on 0.0.0.0:2425' "$d/daemon/log.txt"; t $? "log: ordinary lines kept"
grep -q '1:100:alice:pc1:288:\[REDACTED\]' "$d/daemon/log.txt"; t $? "log: SENDMSG text redacted, header kept"

# 3. the manifest and the --json document
if command -v python3 >/dev/null 2>&1; then
	python3 - "$d/manifest.json" "$tmp/out.json" "$d" <<'EOF' >"$tmp/py.out" 2>&1
import json, os, sys
m = json.load(open(sys.argv[1]))
o = json.load(open(sys.argv[2]))
d = sys.argv[3]
def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
for k, ty in (("schema_version", int), ("created", str), ("camtrace_version", str), ("host", str),
              ("entries", list), ("missing", list), ("options", dict)):
    check(isinstance(m.get(k), ty), "manifest.%s is %s" % (k, ty.__name__))
check(m["schema_version"] == 1, "manifest schema_version 1")
check(m["created"].endswith("Z") and "T" in m["created"], "created is UTC ISO 8601")
for e in m["entries"]:
    p = os.path.join(d, e["path"])
    check(os.path.isfile(p) and os.path.getsize(p) == e["size"] and e["description"],
          "entry %s exists with its size and a description" % e["path"])
for e in m["missing"]:
    check(isinstance(e.get("reason"), str) and len(e["reason"]) > 10 and e.get("description"),
          "missing %s has a reason" % e["path"])
    check(not os.path.exists(os.path.join(d, e["path"])), "missing %s is not in the archive" % e["path"])
miss = {e["path"]: e["reason"] for e in m["missing"]}
check("control socket" in miss.get("daemon/status.json", ""), "daemon status missing: control socket named")
check("daemon/hosts.json" in miss and "daemon/instability.json" in miss, "host table and instability missing too")
check("--doctor" in miss.get("doctor/report.json", ""), "doctor missing: not requested")
check("--capture" in miss.get("capture/traffic.pcap", ""), "capture missing: not requested")
check(m["messages_redacted"] is True, "manifest says messages were redacted")
check(o.get("command") == "bundle" and o.get("schema_version") == 1, "--json: command and schema_version")
check(os.path.basename(o.get("path") or "") == "x.tar.gz", "--json: path")
check([e["path"] for e in o["entries"]] == [e["path"] for e in m["entries"]], "--json: same entries as the manifest")
check([e["path"] for e in o["missing"]] == [e["path"] for e in m["missing"]], "--json: same missing parts")
check(o.get("errors") == [], "--json: no errors")
EOF
	t $? "python3 read both documents"
	while read -r res what; do
		[ "$res" = ok ]; t $? "$what"
	done <"$tmp/py.out"
else
	skip "python3 not installed: manifest checks"
fi

# 4. --include-messages keeps texts but never secrets
"$CT" bundle -q -o "$tmp/m.tar.gz" --include-messages --config "$tmp/camtraced.conf" \
	--log "$tmp/camtraced.log" --ctl "$tmp/no-daemon.sock" >"$tmp/path.txt" 2>/dev/null
t $? "bundle --include-messages exits 0"
[ "$(cat "$tmp/path.txt")" = "$tmp/m.tar.gz" ]; t $? "text mode prints the archive path"
mkdir "$tmp/m" && tar xzf "$tmp/m.tar.gz" -C "$tmp/m"
grep -rq MeetMeAtNoonXyz "$tmp/m"; t $? "--include-messages keeps message texts"
! grep -rq hunter2 "$tmp/m"; t $? "--include-messages still redacts the password"

# 5. errors
"$CT" bundle -q -o "$tmp/x.tar.gz" --ctl "$tmp/no-daemon.sock" >/dev/null 2>"$tmp/err2.txt"
rc=$?
[ "$rc" = 73 ]; t $? "existing archive: exit 73 (rc=$rc)"
grep -q "already exists" "$tmp/err2.txt"; t $? "and says it already exists"
"$CT" bundle -o "$tmp/no/such/dir/y.tar.gz" >/dev/null 2>&1
[ $? = 73 ]; t $? "unwritable path: exit 73"
! ls "$tmp/no" >/dev/null 2>&1; t $? "nothing left behind"
ls "$tmp"/x.tar.gz.tmp* >/dev/null 2>&1; [ $? != 0 ]; t $? "no temporary files left behind"
"$CT" bundle --capture abc >/dev/null 2>&1
[ $? = 2 ]; t $? "bad --capture: usage error 2"
"$CT" bundle --bogus >/dev/null 2>&1
[ $? = 2 ]; t $? "unknown option: usage error 2"
mkdir "$tmp/dir"
(cd "$tmp/dir" && "$CT" bundle -q --ctl "$tmp/no-daemon.sock" >"$tmp/def.txt" 2>/dev/null)
case $(cat "$tmp/def.txt") in
camtrace-bundle-*-*T*Z.tar.gz) [ -f "$tmp/dir/$(cat "$tmp/def.txt")" ]; t $? "default name camtrace-bundle-HOST-STAMP.tar.gz in the current directory" ;;
*) t 1 "default name camtrace-bundle-HOST-STAMP.tar.gz (got $(cat "$tmp/def.txt"))" ;;
esac

# 6. --doctor: the report, or why not (doctor itself is exercised in the lab: it sends probes)
if "$CT" help doctor >/dev/null 2>&1; then
	skip "camtrace doctor is built: bundle --doctor is tested in tests/net/050-bundle.sh (it probes the network)"
else
	"$CT" bundle --json --doctor --ctl "$tmp/no-daemon.sock" -o "$tmp/doc.tar.gz" >"$tmp/doc.json" 2>/dev/null
	t $? "bundle --doctor without a doctor command exits 0"
	grep -q '"reason":.*"camtrace doctor is not part of this build' "$tmp/doc.json"
	t $? "doctor/report.json missing: not part of this build"
fi

# 7. the daemon's parts, from a control-socket server over a real host table (tests/unit/ctl-fake)
fake="$top_builddir/tests/unit/t-ctl-fake"
[ -x "$fake" ] || fake="$top_builddir/tests/unit/ctl-fake"
sock="$tmp/run/ctl.sock"
if [ -x "$fake" ]; then
	"$fake" serve "$sock" & pid=$!
	i=0; while [ ! -S "$sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	[ -S "$sock" ]; t $? "control-socket server listening"
	"$CT" bundle -q --ctl "$sock" -o "$tmp/d.tar.gz" --config "$tmp/camtraced.conf" \
		--log "$tmp/camtraced.log" >/dev/null 2>"$tmp/err3.txt"
	t $? "bundle with a daemon exits 0"
	mkdir "$tmp/d" && tar xzf "$tmp/d.tar.gz" -C "$tmp/d"
	for f in status hosts instability; do
		[ -s "$tmp/d/d/daemon/$f.json" ]; t $? "daemon/$f.json collected"
	done
	if [ -s "$tmp/d/d/daemon/process.json" ]; then
		"$fake" check-json "$tmp/d/d/daemon/process.json" name='"t-ctl-fake"' >/dev/null 2>&1; r=$?
		t $((r == 0 ? 1 : 0)) "daemon/process.json only for a process named camtraced"
	else
		grep -q '"reason":.*\(pid\|not visible\)' "$tmp/d/manifest.json" "$tmp/d/d/manifest.json" 2>/dev/null
		t $? "daemon/process.json missing with a reason (the fake is not camtraced)"
	fi
	"$fake" check-json "$tmp/d/d/daemon/status.json" hosts.total=3 >"$tmp/chk"; t $? "status.json is the daemon's status"
	"$fake" check-json "$tmp/d/d/daemon/hosts.json" filter='"all"' count=3 hosts.0.user='"alice"' >"$tmp/chk"
	t $? "hosts.json is the whole host table"; sed 's/^/# /' "$tmp/chk"
	"$fake" check-json "$tmp/d/d/daemon/instability.json" filter='"unstable"' count=1 hosts.0.user='"carol"' \
		hosts.0.unstable=true >"$tmp/chk"
	t $? "instability.json lists the unstable host"; sed 's/^/# /' "$tmp/chk"
	if grep -q '"reason".*control socket' "$tmp/d/d/manifest.json"; then r=1; else r=0; fi
	t $r "manifest lists no daemon part as missing"
	kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=
	"$CT" bundle --json --ctl "$sock" -o "$tmp/s.tar.gz" >"$tmp/s.json" 2>/dev/null
	grep -q "nobody listens on control socket $sock" "$tmp/s.json"; t $? "stale socket: reason says nobody listens"
else
	skip "tests/unit/t-ctl-fake (the daemon area's test server) not built: daemon parts"
fi

# 8. capture: needs CAP_NET_RAW; without it the reason says so
"$CT" bundle --json --capture 1 --ctl "$tmp/no-daemon.sock" -o "$tmp/c.tar.gz" >"$tmp/c.json" 2>/dev/null
t $? "bundle --capture 1 exits 0"
nobody_run() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all "$@"; }
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 && nobody_run true 2>/dev/null; then
	mkdir "$tmp/nb" && chmod 755 "$tmp" && chmod 777 "$tmp/nb"
	(cd "$tmp/nb" && nobody_run "$CT" bundle --json --capture 1 --ctl "$tmp/no-daemon.sock" -o nb.tar.gz) \
		>"$tmp/nb.json" 2>/dev/null
	t $? "as nobody: bundle --capture 1 still writes the archive"
	grep -q "capture skipped: needs root (CAP_NET_RAW)" "$tmp/nb.json"
	t $? "as nobody: capture missing, needs root (CAP_NET_RAW)"
	grep -q '"path":.*"system/facts.json"' "$tmp/nb.json"; t $? "as nobody: system facts collected"
fi
if [ "$(id -u)" = 0 ]; then
	# SIGINT during a capture stops it early and the bundle is still written
	mkdir "$tmp/ctmp"
	TMPDIR="$tmp/ctmp" "$CT" bundle --json --capture 600 --ctl "$tmp/no-daemon.sock" -o "$tmp/i.tar.gz" \
		>"$tmp/i.json" 2>/dev/null &
	ipid=$!
	i=0; while ! ls "$tmp/ctmp"/camtrace-bundle-* >/dev/null 2>&1 && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
	kill -INT $ipid
	wait $ipid; rc=$?
	t $rc "SIGINT during --capture: exit 0 (rc=$rc)"
	grep -q "stopped early by a signal" "$tmp/i.json"; t $? "the capture entry says it was stopped early"
	[ -z "$(ls "$tmp/ctmp")" ]; t $? "the temporary pcap is removed"
	tar xzf "$tmp/c.tar.gz" -C "$tmp" c/capture/traffic.pcap 2>/dev/null
	magic=$(od -An -tx1 -N4 "$tmp/c/capture/traffic.pcap" 2>/dev/null | tr -d ' ')
	case $magic in
	d4c3b2a1|a1b2c3d4|4d3cb2a1|a1b23c4d) t 0 "root: capture/traffic.pcap is a pcap file" ;;
	*) t 1 "root: capture/traffic.pcap is a pcap file (magic '$magic')" ;;
	esac
else
	grep -q "capture skipped: needs root (CAP_NET_RAW)" "$tmp/c.json"; t $? "not root: capture missing, needs root (CAP_NET_RAW)"
fi

# 6. a monitor snapshot (the s key writes monitor-STAMP.json and .txt): --monitor adds both
printf '{"command":"monitor","hosts":[]}\n' >"$tmp/monitor-20261206T120000Z.json"
printf 'camtrace monitor snapshot\n' >"$tmp/monitor-20261206T120000Z.txt"
"$CT" bundle -o "$tmp/mon.tar.gz" --json --monitor "$tmp/monitor-20261206T120000Z.json" \
	--config "$tmp/camtraced.conf" --ctl "$tmp/no-daemon.sock" >"$tmp/mon.json" 2>/dev/null
t $? "bundle --monitor exits 0"
tar xzf "$tmp/mon.tar.gz" -C "$tmp" mon/monitor/snapshot.json mon/monitor/snapshot.txt 2>/dev/null
cmp -s "$tmp/mon/monitor/snapshot.json" "$tmp/monitor-20261206T120000Z.json"; t $? "monitor/snapshot.json is the snapshot"
cmp -s "$tmp/mon/monitor/snapshot.txt" "$tmp/monitor-20261206T120000Z.txt"; t $? "monitor/snapshot.txt is its text twin"
if command -v python3 >/dev/null 2>&1; then
	"$CT" bundle -o "$tmp/m2.tar.gz" --json --monitor "$tmp/nothere.json" --config "$tmp/camtraced.conf" \
		--ctl "$tmp/no-daemon.sock" >"$tmp/m2.json" 2>/dev/null
	python3 -c 'import json,sys; m={e["path"]: e["reason"] for e in json.load(open(sys.argv[1]))["missing"]}; sys.exit(0 if m["monitor/snapshot.json"].startswith(sys.argv[2] + ": No such file") else 1)' \
		"$tmp/m2.json" "$tmp/nothere.json"
	t $? "a snapshot that is not there: missing, with the path and the reason"
	python3 -c 'import json,sys; m={e["path"]: e["reason"] for e in json.load(open(sys.argv[1]))["missing"]}; sys.exit(0 if m["monitor/snapshot.json"].startswith("not requested") else 1)' \
		"$tmp/out.json"
	t $? "without --monitor: missing, not requested"
fi

echo "1..$n"
exit 0
