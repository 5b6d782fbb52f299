#!/bin/sh
# sniff-golden.sh: `camtrace sniff -r` on the golden captures must print exactly the expected text and NDJSON.
# The captures are synthetic (tests/gen-pcaps.c builds them with the codec's builders and the capture
# writer); to refresh the expected output after a deliberate change:
#   cd tests/data && for p in ipmsg-synth rtp-loss iptux-sll2; do camtrace sniff -r $p.pcap >$p.txt;
#   camtrace --json sniff -r $p.pcap >$p.ndjson; done
: "${top_srcdir:=.}" "${top_builddir:=.}"
CT="$top_builddir/src/camtrace/camtrace"
D="$top_srcdir/tests/data"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
n=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

for pcap in ipmsg-synth rtp-loss iptux-sll2; do
	(cd "$D" && "$CT" sniff -r "$pcap.pcap") >"$tmp/$pcap.txt" 2>"$tmp/err"
	t $? "sniff -r $pcap.pcap exits 0"
	diff -u "$D/$pcap.txt" "$tmp/$pcap.txt" >"$tmp/diff"; r=$?
	t $r "text output of $pcap.pcap matches $pcap.txt"
	[ $r = 0 ] || sed 's/^/# /' "$tmp/diff" | head -40
	(cd "$D" && "$CT" --json sniff -r "$pcap.pcap") >"$tmp/$pcap.ndjson" 2>"$tmp/err"
	diff -u "$D/$pcap.ndjson" "$tmp/$pcap.ndjson" >"$tmp/diff"; r=$?
	t $r "NDJSON output of $pcap.pcap matches $pcap.ndjson"
	[ $r = 0 ] || sed 's/^/# /' "$tmp/diff" | head -40
	if command -v python3 >/dev/null 2>&1; then
		python3 -c 'import json,sys
for i, l in enumerate(open(sys.argv[1]), 1):
    o = json.loads(l)
    assert isinstance(o, dict) and isinstance(o.get("type"), str), "line %d" % i' "$tmp/$pcap.ndjson"
		t $? "every NDJSON line of $pcap is a JSON object with a type"
	fi
done

# the committed captures are exactly what the generator writes
if [ -x "$top_builddir/tests/gen-pcaps" ]; then
	mkdir "$tmp/gen" && "$top_builddir/tests/gen-pcaps" "$tmp/gen"
	for pcap in ipmsg-synth rtp-loss iptux-sll2; do
		cmp -s "$D/$pcap.pcap" "$tmp/gen/$pcap.pcap"
		t $? "tests/gen-pcaps reproduces $pcap.pcap"
	done
fi

# -w writes what was read; -c stops; a filter expression narrows the default one
"$CT" sniff -q -r "$D/ipmsg-synth.pcap" -w "$tmp/copy.pcap" -Z root >/dev/null 2>"$tmp/err"
t $? "sniff -r -w exits 0"
"$CT" sniff -r "$tmp/copy.pcap" >"$tmp/copy.txt" 2>&1
diff -u "$D/ipmsg-synth.txt" "$tmp/copy.txt" >/dev/null
t $? "the pcap written with -w decodes like the original"
lines=$("$CT" sniff -r "$D/ipmsg-synth.pcap" -c 5 | grep -c '^[0-9]')
[ "$lines" = 5 ]; t $? "-c 5 prints 5 packets (got $lines)"
"$CT" sniff -r "$D/ipmsg-synth.pcap" host 198.18.1.12 >"$tmp/f.txt"
bad=$(grep '^[0-9]' "$tmp/f.txt" | grep -vc '198\.18\.1\.12')
total=$(grep -c '^[0-9]' "$tmp/f.txt")
[ "$bad" = 0 ] && [ "$total" -gt 3 ]; t $? "filter expression 'host 198.18.1.12' keeps only that host ($total packets, $bad others)"
"$CT" sniff -r "$D/ipmsg-synth.pcap" 'udp port and' >/dev/null 2>"$tmp/err"
[ $? = 2 ] && grep -q 'bad capture filter' "$tmp/err"; t $? "a bad filter expression is a usage error naming the filter"
"$CT" sniff -r "$tmp/nonexistent.pcap" >/dev/null 2>"$tmp/err"
[ $? = 66 ] && grep -q 'nonexistent.pcap' "$tmp/err"; t $? "a missing file exits 66 (EX_NOINPUT) naming it"
"$CT" sniff -r "$D/ipmsg-synth.txt" >/dev/null 2>"$tmp/err"
[ $? = 65 ]; t $? "a file that is not a capture exits 65 (EX_DATAERR)"
echo "1..$n"
