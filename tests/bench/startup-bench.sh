#!/usr/bin/env bash
# startup-bench.sh: camtrace's start-up against traceroute's (best of N, ratio), shared libraries loaded, setsockopt calls of a probe.
# Run by hand (`make bench-startup`; root for the loopback probe and strace's counts). Use an
# optimised build: top_builddir=/path/to/build N=300 tests/bench/startup-bench.sh
# Goal (issue 13): camtrace --version within 1.5x of traceroute --version.
# BASELINE=/path/to/other/camtrace (e.g. the build before a change) adds its rows to the same run.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
CT=${CAMTRACE:-$top_builddir/src/camtrace/camtrace}
N=${N:-300}
TR=$(command -v traceroute || echo /usr/sbin/traceroute)
[ -x "$CT" ] || { echo "startup-bench: $CT not built"; exit 1; }
[ -x "$TR" ] || { echo "startup-bench: traceroute not installed (apt-get install traceroute)"; exit 1; }
grep -q '^SAN_CFLAGS = -fsanitize\|^CFLAGS = .*-O0' "$top_builddir/Makefile" 2>/dev/null &&
	echo "warning: $top_builddir looks like a debug or sanitizer build; figures need -O2"
[ "$(id -u)" = 0 ] && probe=1 || probe=0

echo "== start-up, best of $N runs each, interleaved (posix_spawn + wait4: wall time and the child's CPU)"
python3 - "$N" "$TR" "$CT" "$probe" "${BASELINE:-}" <<'PY'
import os, sys, time
n, tr, ct, probe, base = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == "1", sys.argv[5]
cmds = [("true (process floor)", ["/bin/true"]),
        ("traceroute --version", [tr, "--version"]),
        ("camtrace --version", [ct, "--version"]),
        ("camtrace route --help", [ct, "route", "--help"]),
        ("traceroute -n -q1 -m1 127.0.0.1", [tr, "-n", "-q", "1", "-m", "1", "127.0.0.1"])]
if probe:
    cmds.append(("camtrace route --tcp -m1 -q1 127.0.0.1", [ct, "route", "--tcp", "--wait", "1", "--max-ttl", "1", "--queries", "1", "127.0.0.1"]))
if base:
    cmds.append(("baseline --version", [base, "--version"]))
    if probe:
        cmds.append(("baseline route --tcp -m1 -q1 127.0.0.1", [base, "route", "--tcp", "--wait", "1", "--max-ttl", "1", "--queries", "1", "127.0.0.1"]))
dn = os.open("/dev/null", os.O_RDWR)
fa = [(os.POSIX_SPAWN_DUP2, dn, 0), (os.POSIX_SPAWN_DUP2, dn, 1), (os.POSIX_SPAWN_DUP2, dn, 2)]
best = {name: 1e9 for name, _ in cmds}
cpu = {name: 1e9 for name, _ in cmds}
for _ in range(n):
    for name, argv in cmds:
        t = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=fa)
        _, _, ru = os.wait4(pid, 0)
        best[name] = min(best[name], time.perf_counter() - t)
        cpu[name] = min(cpu[name], ru.ru_utime + ru.ru_stime)
print("%-46s %9s %9s" % ("", "wall", "CPU"))
for name, _ in cmds:
    print("%-46s %6.3f ms %6.3f ms" % (name, best[name] * 1000, cpu[name] * 1000))
for k, d in (("wall", best), ("CPU", cpu)):
    print("ratio camtrace --version / traceroute --version (%s): %.2f (goal <= 1.5)%s" %
          (k, d["camtrace --version"] / d["traceroute --version"],
           "; baseline: %.2f" % (d["baseline --version"] / d["traceroute --version"]) if base else ""))
f = best["true (process floor)"]
print("wall above the process floor (/bin/true): camtrace %.3f ms, traceroute %.3f ms" %
      ((best["camtrace --version"] - f) * 1000, (best["traceroute --version"] - f) * 1000))
PY

echo "== shared libraries loaded (ldd)"
for b in "$TR" "$CT" ${BASELINE:+"$BASELINE"}; do
	printf '%-40s %s: %s\n' "$(basename "$b")" "$(ldd "$b" | grep -c '=>\|ld-linux')" \
		"$(ldd "$b" | awk '{print $1}' | grep -v vdso | sed 's|.*/||' | tr '\n' ' ')"
done
# what each direct dependency (DT_NEEDED) drags in: a library one command needs costs them all
for need in $(readelf -d "$CT" 2>/dev/null | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
	l=$(ldd "$CT" | awk -v n="$need" '$1 == n {print $3}')
	[ -n "$l" ] || continue
	n=$(ldd "$l" | grep -c '=>')
	[ "$n" -gt 1 ] && echo "  $need brings $n: $(ldd "$l" | awk '/=>/{print $1}' | tr '\n' ' ')"
done
if command -v strace >/dev/null; then
	echo "== system calls (strace -f -c)"
	count() { strace -f -c -o "$1" "${@:2}" >/dev/null 2>&1; awk '$NF == "total" {print $4}' "$1"; }
	sso() { awk '$NF == "setsockopt" {print $4}' "$1"; }
	T=$(mktemp -d /tmp/ctstartup.XXXXXX)
	echo "camtrace --version: $(count "$T/v" "$CT" --version) calls"
	echo "traceroute --version: $(count "$T/t" "$TR" --version) calls"
	if [ "$probe" = 1 ]; then
		for b in "$CT" ${BASELINE:+"$BASELINE"}; do
			echo "$b route --tcp 127.0.0.1 (one probe): $(count "$T/r" "$b" route --tcp --wait 1 --max-ttl 1 --queries 1 127.0.0.1) calls, setsockopt $(sso "$T/r")"
		done
	fi
	rm -rf "$T"
fi
