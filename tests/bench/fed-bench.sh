#!/usr/bin/env bash
# fed-bench.sh: the federation at scale (issue 17): 10 servers x 10,000 owned hosts, full mesh; convergence, bytes per refresh (unchanged, 1% changed), memory per server.
# Run by hand on an optimised build (configure CFLAGS="-O2 -g", not a sanitizer build): make bench-fed.
# As root it runs in a private network namespace with only loopback (unshare -n): nothing leaves.
# FED_N (servers, default 10), FED_HOSTS (owned hosts each, default 10000), FED_REFRESH_MS (2000).
if [ "$(id -u)" = 0 ] && [ -z "${CT_BENCH_NETNS:-}" ] && command -v unshare >/dev/null 2>&1; then
	CT_BENCH_NETNS=1 exec unshare -n "${BASH:-bash}" "$0" "$@"
fi
set -u
[ -n "${CT_BENCH_NETNS:-}" ] && ip link set lo up
top_builddir=${top_builddir:-.}
BIN=${FED_BENCH:-$top_builddir/tests/bench/fed-bench}
[ -x "$BIN" ] || { echo "fed-bench not built: make bench-fed"; exit 1; }
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "warning: $top_builddir looks like a sanitizer build: the figures are not the daemon's"
fi
exec "$BIN"
