#!/usr/bin/env bash
# crypto-bench.sh: encrypted IP Messenger messages per second (encrypt, decrypt, verify: one loop, one core) against the limit the RSA operations set, measured by `openssl speed` in the same run.
# By hand (`make bench-crypto`), with an optimised build (configure CFLAGS="-O2 -g"): SECS=3.
# Each RSA-2048 message costs two private-key operations (the sender's signature, the
# receiver's unwrapping of the session key) and two public ones (wrapping, verifying); an
# RSA-1024 one a private and a public. The limit is 1 / (sum of those times) from openssl
# speed's sign/s and verify/s; the ratio ours/limit says what the rest (AES/Blowfish, hex or
# base64, parsing, allocation) and libcrypto's EVP layer cost. crypto-floor does the same
# libcrypto calls per message with nothing around them: ours/floor is what our code costs
# (goal: >= 0.9); floor/limit is libcrypto's own EVP overhead, not ours.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
SECS=${SECS:-3}
BENCH=$top_builddir/tests/bench/crypto-bench
[ -x "$BENCH" ] || { echo "crypto-bench: $BENCH not built (make bench-crypto)"; exit 1; }
T=$(mktemp -d /tmp/ctcrypto.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$BENCH" "$SECS" > "$T/ours" || exit 1
"$BENCH" pem 2048 > "$T/k2048.pem" && "$BENCH" pem 1024 > "$T/k1024.pem" || exit 1
"$top_builddir/tests/bench/crypto-floor" "$SECS" "$T/k2048.pem" "$T/k1024.pem" > "$T/floor" || exit 1
openssl speed -mr -seconds "$SECS" rsa2048 rsa1024 2>/dev/null > "$T/speed"
# +F2:<idx>:<bits>:<signs/s>:<verifies/s>
limit() { awk -F: -v b="$1" -v p="$2" '$1 == "+F2" && $3 == b { printf "%.1f", 1 / (p / $4 + p / $5) }' "$T/speed"; }
l2048=$(limit 2048 2)
l1024=$(limit 1024 1)
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
printf '%-24s %10s %10s %10s %10s %11s\n' suite "ours/s" "floor/s" "limit/s" ours/floor floor/limit
while read -r suite rate; do
	case $suite in rsa2048*) lim=$l2048 ;; *) lim=$l1024 ;; esac
	fl=$(awk -v s="$suite" '$1 == s { print $2 }' "$T/floor")
	printf '%-24s %10s %10s %10s %10s %11s\n' "$suite" "$rate" "$fl" "$lim" "$(div "$rate" "$fl")" "$(div "$fl" "$lim")"
done < "$T/ours"
