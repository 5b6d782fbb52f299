#!/usr/bin/env bash
# 400-verdicts.sh: the verdict matrix: camtrace(1) VERDICTS matches tests/net/verdicts.tab, and every row of it holds in the lab (cells in parallel labs).
# VERDICT_JOBS (default 4) labs run at once; VERDICT_CELLS="id id ..." runs only those cells.
. "${top_srcdir:-.}/tests/net/lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
have_camtrace_cmd doctor || skip_all "camtrace doctor not built"
need_iptux
TAB=$top_srcdir/tests/net/verdicts.tab
VPY="$PYTHON $top_srcdir/tests/net/verdicts.py"

# the page holds exactly the table's rendering
$VPY man "$TAB" >"$LAB_TMP/verdicts.man" || bail_out "verdicts.tab does not parse"
sed -n '/^\.Sh VERDICTS$/,/^\.Sh /p' "$top_srcdir/man/camtrace.1" | sed '$d' >"$LAB_TMP/page.man"
if cmp -s "$LAB_TMP/verdicts.man" "$LAB_TMP/page.man"; then
	_tap_result 0 "camtrace(1) VERDICTS is the table (tests/net/verdicts.py man tests/net/verdicts.tab)"
else
	diag "$(diff "$LAB_TMP/verdicts.man" "$LAB_TMP/page.man" | head -20)"
	_tap_result 1 "camtrace(1) VERDICTS is the table (tests/net/verdicts.py man tests/net/verdicts.tab)"
fi

cells=${VERDICT_CELLS:-$($VPY cells "$TAB")}
export top_srcdir top_builddir
# each cell in its own lab (lib.sh gives each process its own prefix); at most VERDICT_JOBS at once
printf '%s\n' $cells | xargs -P "${VERDICT_JOBS:-4}" -I{} \
	sh -c 'timeout 600 bash "$top_srcdir/tests/net/verdict-cell.sh" "$1" >"$2/cell-$1.out" 2>&1' _ {} "$LAB_TMP"
for c in $cells; do
	f=$LAB_TMP/cell-$c.out
	if ! grep -q '^\(not \)\?ok - ' "$f"; then
		diag "$(tail -n 30 "$f")"
		_tap_result 1 "$c: the cell did not run"
		continue
	fi
	while IFS= read -r line; do
		case $line in
		"ok - "*) _tap_result 0 "${line#ok - }" ;;
		"not ok - "*) _tap_result 1 "${line#not ok - }" ;;
		"#"*) [ "$(grep -c '^not ok' "$f")" = 0 ] || echo "$line" ;;
		esac
	done <"$f"
done
done_testing
