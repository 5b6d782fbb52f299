#!/usr/bin/env bash
# xfer-bench.sh: file-transfer throughput (issue 16): the engine's GETFILEDATA against the same bytes over a plain TCP connection, on loopback and across the lab's router (srv -> b1), ratios printed (goal >= 0.9x).
# Run by hand on an optimised build (configure CFLAGS="-O2 -g", not a sanitizer build): make bench-xfer.
# XFER_MIB (file size, default 256), XFER_DIR (where files are written, default /dev/shm when it
# exists: on a disk the page cache's writeback of one run slows the next, whichever it is),
# XFER_LAB=0 skips the lab part (it needs root and contrib/lab/camlab).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
BIN=$top_builddir/tests/bench/xfer-bench
[ -x "$BIN" ] || { echo "xfer-bench not built: make bench-xfer"; exit 1; }
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "warning: $top_builddir looks like a sanitizer build: the figures are not the engine's"
fi
MIB=${XFER_MIB:-256}
dflt=/tmp
[ -d /dev/shm ] && dflt=/dev/shm
D=$(mktemp -d "${XFER_DIR:-$dflt}/xfer-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/src" "$D/dst"
head -c $((MIB << 20)) /dev/urandom >"$D/src/file.bin"
echo "file: $MIB MiB; received files written to $D/dst"
rc=0
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
	unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$BIN" loop "$D/src/file.bin" "$D/dst" || rc=1
else
	"$BIN" loop "$D/src/file.bin" "$D/dst" || rc=1
fi
if [ "${XFER_LAB:-1}" != 0 ] && [ "$(id -u)" = 0 ]; then
	LAB="$top_srcdir/contrib/lab/camlab -p xb$$"
	CAMLAB_QUIET=1 $LAB up >/dev/null || { echo "lab: cannot start"; exit 1; }
	ip netns exec "xb$$-srv" "$BIN" serve "$D/src/file.bin" 198.18.1.10 198.18.2.11 >"$D/serve.out" &
	sp=$!
	for _ in $(seq 50); do grep -q ready "$D/serve.out" 2>/dev/null && break; sleep 0.1; done
	read -r _ fid size <"$D/serve.out"
	ip netns exec "xb$$-b1" "$BIN" fetch 198.18.1.10 "$fid" "$size" "$D/dst" || rc=1
	kill "$sp" 2>/dev/null # the sender stops its plain child itself
	wait "$sp" 2>/dev/null
	CAMLAB_QUIET=1 $LAB down >/dev/null
fi
exit $rc
