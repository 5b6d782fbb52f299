#!/bin/sh
# t-repo.sh: repository checks: man pages lint clean, .ci/run runs the README's test command, the
# engine's layering and confinement rules (tests/repo-rules.py).
: "${top_srcdir:=.}"
n=0; fail=0
t() { n=$((n+1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
for m in "$top_srcdir"/man/*.[0-9]; do
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -Tlint -W warning "$m" 2>&1)
		[ -z "$out" ]; t $? "mandoc -Tlint clean: $(basename "$m")"
		[ -n "$out" ] && echo "$out" | sed 's/^/# /'
	else
		n=$((n+1)); echo "ok $n - # SKIP mandoc not installed"
	fi
done
if [ -f "$top_srcdir/.ci/run" ]; then
	cmd=$(grep -o '( \./contrib/install-deps[^)]*)' "$top_srcdir/.ci/run" | sed 's/^( //; s/ )$//')
	grep -qF "    $cmd" "$top_srcdir/README"; t $? "README shows the exact command .ci/run runs"
fi
if command -v git >/dev/null 2>&1 && git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	bins=$(cd "$top_srcdir" && git ls-files -z | xargs -0 grep -l -m1 "^.ELF" 2>/dev/null | head -5)
	[ -z "$bins" ]; t $? "no built binary is tracked by git"
	[ -n "$bins" ] && echo "$bins" | sed 's/^/#   tracked binary: /'
fi
if command -v python3 >/dev/null 2>&1; then
	rules=$(python3 "$top_srcdir/tests/repo-rules.py" "$top_srcdir" $((n+1)))
	echo "$rules" | grep -v '^# count '
	echo "$rules" | grep -q '^not ok' && fail=1
	n=$(echo "$rules" | sed -n 's/^# count //p')
fi
echo "1..$n"
exit 0
