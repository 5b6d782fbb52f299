# bench-netns.sh: sourced by the benchmarks that run daemons in a network namespace of their own: NS, T, dpids, cleanup on exit, ins, the -O2 check.
# bench_netns PREFIX: makes namespace PREFIX$$ (loopback up) and temporary folder T; every pid
# added to dpids is killed, the namespace and T removed on exit; ins CMD... runs CMD in it.
bench_netns() {
	NS=$1$$
	T=$(mktemp -d "/tmp/$1bench.XXXXXX") || exit 1
	dpids=()
	trap bench_cleanup EXIT
	ip netns add "$NS" || exit 1
	ins ip link set lo up
	grep -q '^SAN_CFLAGS = -fsanitize\|^CFLAGS = .*-O0' "$top_builddir/Makefile" 2>/dev/null &&
		echo "warning: $top_builddir looks like a debug or sanitizer build; figures need -O2"
}
bench_cleanup() {
	for p in "${dpids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
ins() { ip netns exec "$NS" "$@"; }
