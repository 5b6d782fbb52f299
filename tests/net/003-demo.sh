#!/usr/bin/env bash
# 003-demo.sh: `make demo` (contrib/demo.sh) runs to the end with every one of its checks passing.
. "${top_srcdir:-.}/tests/net/lib.sh"

out=$(DEMO_PREFIX=$LAB_PREFIX bash "$top_srcdir/contrib/demo.sh" 2>&1)
st=$?
is "$st" 0 "contrib/demo.sh exits 0"
like "$out" 'demo finished: everything behaved as expected' "the demo reports every check as expected"
unlike "$out" '\[!!\]' "no unexpected result in the demo's output"
like "$out" '== 1\. .*== 2\. .*== 3\. .*== 4\. .*== 5\. .*== 6\. .*== 7\. Cleaning up' "the demo shows its seven steps"
like "$out" 'unicast arrived with TTL 63' "the demo shows unicast crossing the router"
[ $st = 0 ] || diag "$out"
is "$(ip netns list | grep -c "^$LAB_PREFIX-")" 0 "the demo left no namespace behind"
ok '[ ! -e "/run/camlab/$LAB_PREFIX" ]' "the demo left no lab state behind"
done_testing
