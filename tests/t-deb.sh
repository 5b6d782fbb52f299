#!/usr/bin/env bash
# t-deb.sh: the Debian package: built with dpkg-buildpackage, checked by lintian, installed and purged in a throwaway root (an overlay of this system: nothing here changes).
# With CT_DEB_CHROOT=1 (and the Debian archive reachable) it is also installed with apt into a
# clean Debian 12 made by `debootstrap --variant=minbase bookworm` (its dependencies come from the
# archive), checked and purged there; CI does not (it needs the network and takes minutes).
: "${top_srcdir:=.}" "${top_builddir:=.}"
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
is() { [ "$1" = "$2" ]; ok $? "$3"; [ "$1" = "$2" ] || echo "# got '$1', want '$2'"; }
skip() { echo "1..0 # SKIP $*"; exit 77; }
for t in dpkg-buildpackage dh lintian git; do command -v $t >/dev/null || skip "$t missing (contrib/install-deps installs it)"; done
# once per tree: the copy make distcheck tests is read-only and has no git
# (distcheck's copy may sit inside a clone: it must be the work tree's top itself)
[ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ] ||
	skip "not the top of a git work tree (make distcheck's copy)"
D=$(mktemp -d /tmp/ct-deb.XXXXXX)
R=$D/root
cleanup() {
	for m in dev/pts dev proc sys run; do mountpoint -q "$R/$m" && umount -l "$R/$m"; done
	mountpoint -q "$R" && umount -l "$R"
	mountpoint -q "$D/clean/proc" && umount -l "$D/clean/proc"
	rm -rf "$D"
}
trap cleanup EXIT

# the tracked files, as they are in the work tree
mkdir -p "$D/src/camtrace-0.1.0"
git -C "$top_srcdir" ls-files -z | (cd "$top_srcdir" && xargs -0 cp -a --parents -t "$D/src/camtrace-0.1.0")
(cd "$D/src/camtrace-0.1.0" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -b -us -uc) >"$D/build.log" 2>&1
st=$?
ok $st "dpkg-buildpackage -b -us -uc builds"
[ $st = 0 ] || { tail -n 30 "$D/build.log" | sed 's/^/# /'; echo "1..$n"; exit 1; }
deb=$(ls "$D"/src/camtrace_*.deb)
lintian --fail-on error --suppress-tags no-manual-page "$D"/src/camtrace_*.changes >"$D/lintian.out" 2>&1
ok $? "lintian finds no error ($(grep -c '^W:' "$D/lintian.out") warnings)"
sed 's/^/# /' "$D/lintian.out"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
for f in /usr/bin/camtrace /usr/sbin/camtraced /lib/systemd/system/camtraced.service /etc/logrotate.d/camtraced \
	/etc/camtraced/camtraced.conf /usr/share/man/man1/camtrace.1.gz /usr/share/man/man8/camtraced.8.gz \
	/usr/share/man/man5/camtraced.conf.5.gz /usr/share/bash-completion/completions/camtrace \
	/usr/share/bash-completion/completions/camtraced; do
	grep -qx "$f" <<<"$files"; ok $? "the package holds $f"
done
unit=$(dpkg-deb --fsys-tarfile "$deb" | tar -xO ./lib/systemd/system/camtraced.service)
grep -q '^ExecStart=/usr/sbin/camtraced -f -c /etc/camtraced/camtraced.conf$' <<<"$unit"; ok $? "the unit starts /usr/sbin/camtraced with /etc/camtraced/camtraced.conf"
grep -q '^StateDirectory=camtraced$' <<<"$unit"; ok $? "the unit's StateDirectory is camtraced (/var/lib/camtraced)"

# install and purge in an overlay of this system (root only)
if [ "$(id -u)" != 0 ]; then
	echo "1..$n"
	exit $fail
fi
mkdir -p "$D/upper" "$D/work" "$R"
if ! mount -t overlay overlay -o "lowerdir=/,upperdir=$D/upper,workdir=$D/work" "$R" 2>"$D/mount.err"; then
	echo "# SKIP the install check: no overlay mount here: $(cat "$D/mount.err")"
	echo "1..$n"
	exit $fail
fi
for m in proc sys dev dev/pts; do mount --bind "/$m" "$R/$m"; done
mount -t tmpfs tmpfs "$R/run"
cp "$deb" "$R/tmp/camtrace.deb"
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }
in_root dpkg -i /tmp/camtrace.deb >"$D/install.log" 2>&1
ok $? "dpkg -i installs it" || sed 's/^/# /' "$D/install.log"
is "$(in_root getent passwd camtraced | cut -d: -f6,7)" "/nonexistent:/usr/sbin/nologin" "the camtraced system user exists, without a home or shell"
ok "$(in_root getent group camtraced >/dev/null; echo $?)" "the camtraced group exists"
like_cap=$(in_root getcap /usr/bin/camtrace)
case $like_cap in *cap_net_raw=ep*) ok 0 "camtrace has cap_net_raw=ep ($like_cap)" ;; *) ok 1 "camtrace has cap_net_raw=ep (got '$like_cap')" ;; esac
is "$(in_root stat -c '%U:%G %a' /etc/camtraced/camtraced.conf)" "root:camtraced 640" "the configuration is root:camtraced 0640"
in_root camtraced -n >"$D/check.out" 2>&1
ok $? "camtraced -n accepts the shipped configuration at its built-in path" || sed 's/^/# /' "$D/check.out"
[ -L "$R/etc/systemd/system/multi-user.target.wants/camtraced.service" ]
ok $? "the unit is enabled: multi-user.target wants it (not started: --no-start)" ||
	{ grep -n systemd "$R/var/lib/dpkg/info/camtrace.postinst" | sed 's/^/# /'; ls -la "$R/etc/systemd/system" | sed 's/^/# /'; }
mkdir -p "$R/var/lib/camtraced" "$R/var/log/camtraced"
touch "$R/var/lib/camtraced/state.json" "$R/var/log/camtraced/camtraced.log"
in_root dpkg --purge camtrace >"$D/purge.log" 2>&1
ok $? "dpkg --purge removes it" || sed 's/^/# /' "$D/purge.log"
for f in /usr/bin/camtrace /usr/sbin/camtraced /etc/camtraced /var/lib/camtraced /var/log/camtraced \
	/lib/systemd/system/camtraced.service /etc/logrotate.d/camtraced; do
	[ ! -e "$R$f" ]; ok $? "after purge $f is gone"
done
! in_root getent passwd camtraced >/dev/null; ok $? "after purge the camtraced user is gone"
# a clean Debian 12 (CT_DEB_CHROOT=1): apt installs the package and what it depends on
if [ "${CT_DEB_CHROOT:-0}" = 1 ] && command -v debootstrap >/dev/null; then
	C=$D/clean
	if debootstrap --variant=minbase bookworm "$C" "${CT_DEB_MIRROR:-http://deb.debian.org/debian}" >"$D/debootstrap.log" 2>&1; then
		cp "$deb" "$C/tmp/camtrace.deb"
		cp /etc/resolv.conf "$C/etc/resolv.conf" 2>/dev/null
		mount --bind /proc "$C/proc"
		in_clean() { chroot "$C" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
		in_clean sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends /tmp/camtrace.deb' \
			>"$D/clean-install.log" 2>&1
		ok $? "a clean Debian 12 (debootstrap minbase): apt installs the package and its dependencies" ||
			tail -n 20 "$D/clean-install.log" | sed 's/^/# /'
		in_clean camtraced -n >/dev/null 2>&1; ok $? "... camtraced -n accepts the shipped configuration there"
		in_clean camtrace --version >/dev/null 2>&1; ok $? "... camtrace runs there"
		in_clean dpkg --purge camtrace >/dev/null 2>&1; ok $? "... and dpkg --purge removes it"
		! in_clean getent passwd camtraced >/dev/null; ok $? "... with its user"
		umount -l "$C/proc"
	else
		ok 1 "debootstrap bookworm (see $D/debootstrap.log)"; tail -n 5 "$D/debootstrap.log" | sed 's/^/# /'
	fi
fi
echo "1..$n"
exit $fail
