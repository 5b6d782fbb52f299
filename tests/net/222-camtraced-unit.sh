#!/usr/bin/env bash
# 222-camtraced-unit.sh: the systemd unit made from the configured paths agrees with camtraced's and camtrace's defaults, scores 2.0 or lower in systemd-analyze security, and its command line starts the build's camtraced under the unit's sandbox (emulated: read-only / but ReadWritePaths, directories made for User= as systemd does, no capability, no groups, no_new_privs), where camtrace status answers on the default socket.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
U=$top_builddir/contrib/systemd/camtraced.service
[ -f "$U" ] || skip_all "$U not built (make)"
need_cmd unshare util-linux
need_cmd setpriv util-linux

key() { sed -n "s/^$1=//p" "$U" | tail -n 1; }
T=$LAB_TMP
chmod 711 "$T"
"$CAMTRACED" -T -c /dev/null >"$T/defaults"
def() { sed -n "s/^$1 = //p" "$T/defaults"; }
state_dir=$(dirname "$(def state_file)")
run_dir=$(dirname "$(def ctl_socket)")
log_dir=/var/log/$(key LogsDirectory)

# ---- the paths agree: the unit, camtraced's built-in defaults, camtrace's default --ctl ----
is "/var/lib/$(key StateDirectory)" "$state_dir" "StateDirectory= is the directory of the default state_file"
is "/run/$(key RuntimeDirectory)" "$run_dir" "RuntimeDirectory= is the directory of the default ctl_socket"
is "$(dirname "$(def pidfile)")" "$run_dir" "... and of the default pid file"
is "$(key ReadWritePaths)" "$state_dir $run_dir $log_dir" "ReadWritePaths= are exactly these and LogsDirectory="
st=0
env -u CAMTRACED_CTL "$CAMTRACE" status >"$T/out" 2>&1 || st=$?
is "$st" "69" "camtrace status without a daemon: exit 69"
like "$(cat "$T/out")" "$run_dir/ctl.sock" "camtrace's default --ctl is camtraced's default ctl_socket"
exec_start=$(key ExecStart)
exec_pre=$(key ExecStartPre)
conf=${exec_start##* -c }
like "$exec_start" "^[^ ]*/sbin/camtraced -f -c /[^ ]*/camtraced.conf$" "ExecStart= runs sbin/camtraced -f -c the configured file"
is "$exec_pre" "${exec_start%% *} -n -c $conf" "ExecStartPre= checks the same file with -n"
is "$(key User)/$(key Group)" "camtraced/camtraced" "User= and Group= camtraced: no root at any time"
is "$(key CapabilityBoundingSet)" "" "CapabilityBoundingSet= empty: no capability to keep or gain"
# systemd's own judgement of the sandbox (offline: no systemd as PID 1 needed)
if systemd-analyze security --help 2>/dev/null | grep -q -- --offline; then
	score=$(systemd-analyze security --offline=true "$U" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	ok "awk -v s='$score' 'BEGIN { exit !(s != \"\" && s <= 2.0) }'" "systemd-analyze security: exposure $score (2.0 or lower)"
else
	skip_test "systemd-analyze security" "no systemd-analyze with --offline here"
fi

# ---- the unit's command lines under its sandbox, in srv's network and a mount namespace of their own ----
# What systemd does for the unit, emulated where systemd is not PID 1 (containers): /run, /var/lib
# and /var/log are fresh tmpfs (of this namespace only) where the unit's directories are made
# root:root as systemd makes them without User=; the configuration is the shipped example at the
# unit's -c path (an overlay); ProtectSystem=strict: every mount read-only but /proc, /sys, /dev
# and ReadWritePaths=; CapabilityBoundingSet=, NoNewPrivileges=, UMask= by setpriv and umask.
mkdir "$T/probe"
if ! unshare -m sh -c 'mount --make-rprivate / && mount -t tmpfs none "$1" && mkdir "$1/l" "$1/u" "$1/w" &&
	mount -t overlay overlay -o "lowerdir=$1/l,upperdir=$1/u,workdir=$1/w" "$1/l"' sh "$T/probe" >"$T/out" 2>&1; then
	diag "$(cat "$T/out")"
	skip_test "the unit's command lines under its sandbox" "no mount namespace with tmpfs and overlay here"
	done_testing
	exit 0
fi
lab_up
cat >"$T/sandbox.sh" <<'EOS'
set -u
T=$1 U_CONF=$2 RUN_UID=$3 D=$4 C=$5 EX=$6; shift 6
RW="$*"
mount --make-rprivate /
# what this script writes goes to a mount of its own (a file open for writing on / would keep it
# from being made read-only)
mkdir -p "$T/box" && mount --bind "$T/box" "$T/box" || exit 89
RW="$RW $T/box"
exec 3>"$T/box/daemon.out"
for m in /run /var/lib /var/log; do mount -t tmpfs -o mode=755 ct-sandbox "$m" || exit 90; done
install -d -m 0750 -o "$RUN_UID" -g "$RUN_GID" "$RW_RUN" "$RW_STATE" "$RW_LOG" || exit 91
# the configuration at the unit's path: an overlay on its nearest existing directory
up=$(dirname "$U_CONF"); while [ ! -d "$up" ]; do up=$(dirname "$up"); done
mkdir -p "$T/ov" && mount -t tmpfs none "$T/ov" && mkdir "$T/ov/u" "$T/ov/w" &&
	mount -t overlay overlay -o "lowerdir=$up,upperdir=$T/ov/u,workdir=$T/ov/w" "$up" || exit 92
mkdir -p "$(dirname "$U_CONF")" && cp "$EX" "$U_CONF" || exit 93
echo "badconf=$(printf 'state_file = /usr/local/var/lib/camtraced/state.json\n' >"$(dirname "$U_CONF")/old.conf"; echo ok)"
# ProtectSystem=strict with ReadWritePaths=
for p in $RW; do mount --bind "$p" "$p" || exit 94; done
awk '{print $5}' /proc/self/mountinfo | sort -ru | while read -r m; do
	case " $RW " in *" $m "*) continue ;; esac
	case $m in /proc | /proc/* | /sys | /sys/* | /dev | /dev/*) continue ;; esac
	[ -d "$m" ] || continue # under the fresh /run
	mount -o remount,bind,ro "$m" || echo "remount-failed=$m"
done
echo "ro=$(awk '$5 == "/" {print substr($6, 1, 2)}' /proc/self/mountinfo)"
umask 0027
# User=, Group=, no supplementary groups, CapabilityBoundingSet= (empty), NoNewPrivileges=
run() { setpriv --no-new-privs --reuid "$RUN_UID" --regid "$RUN_GID" --clear-groups --inh-caps -all \
	--bounding-set -all "$@"; }
run "$D" -n -c "$U_CONF" >"$T/box/pre.out" 2>&1; echo "pre=$?"
run "$D" -n -c "$(dirname "$U_CONF")/old.conf" >"$T/box/old.out" 2>&1; echo "old=$?"
setpriv --no-new-privs --reuid "$RUN_UID" --regid "$RUN_GID" --clear-groups --inh-caps -all --bounding-set -all \
	"$D" -f -c "$U_CONF" 2>&3 & # setpriv execs: $! is the daemon
pid=$!
for i in $(seq 100); do env -u CAMTRACED_CTL "$C" status >"$T/box/status.out" 2>&1 && break; sleep 0.1; done
env -u CAMTRACED_CTL "$C" status >"$T/box/status.out" 2>&1; echo "status=$?"
echo "uid=$(awk '$1 == "Uid:" {print $2}' /proc/$pid/status)"
for k in CapBnd CapEff CapPrm Groups NoNewPrivs; do echo "$k=$(awk -v k="$k:" '$1 == k {print $2}' /proc/$pid/status)"; done
echo "run=$(stat -c %u:%a "$RW_RUN")"
echo "sock=$(stat -c %u:%a "$RW_RUN/ctl.sock")"
kill "$pid"; st=0; wait "$pid" || st=$?; echo "exit=$st"
echo "state=$(stat -c %u "$RW_STATE/state.json" 2>&1)"
EOS
# User=camtraced where the package made it, else nobody stands for it
run_user=$(getent passwd camtraced >/dev/null && echo camtraced || echo nobody)
nobody_uid=$(id -u "$run_user")
in_host srv env RW_RUN="$run_dir" RW_STATE="$state_dir" RW_LOG="$log_dir" \
	RUN_GID="$(id -g "$run_user")" unshare -m bash "$T/sandbox.sh" "$T" "$conf" "$nobody_uid" "$CAMTRACED" "$CAMTRACE" \
	"$top_srcdir/contrib/camtraced.conf.example" $(key ReadWritePaths) >"$T/result" 2>&1
r() { sed -n "s/^$1=//p" "$T/result"; }
is "$(r ro)" "ro" "the emulated sandbox: / is read-only"
is "$(r pre)" "0" "ExecStartPre= (camtraced -n) passes under the sandbox"
is "$(cat "$T/box/pre.out")" "$conf: configuration OK" "... saying so"
is "$(r old)" "78" "-n (as User=) refuses the old default /usr/local/var/lib/camtraced before a start could fail"
like "$(cat "$T/box/old.out")" "old.conf:1: state_file /usr/local/var/lib/camtraced/state.json: cannot create /usr/local/var/lib/camtraced in /usr/local: Permission denied: choose a place camtraced can write" \
	"... naming the place the user cannot write and the fix"
is "$(r status)" "0" "ExecStart= starts, and camtrace status (default --ctl) answers"
like "$(cat "$T/box/status.out")" "^camtraced [0-9]" "... with the daemon's status"
is "$(r uid)" "$nobody_uid" "the daemon runs as its user"
is "$(r CapBnd)/$(r CapEff)/$(r CapPrm)" "0000000000000000/0000000000000000/0000000000000000" \
	"no capability: bounding, effective, permitted sets empty"
is "$(r Groups)" "" "no supplementary groups"
is "$(r NoNewPrivs)" "1" "NoNewPrivs 1"
is "$(r run)" "$nobody_uid:750" "the runtime directory (made for User= as systemd does) stays the user's, 0750"
is "$(r sock)" "$nobody_uid:660" "the control socket is the user's, 0660"
is "$(r exit)" "0" "SIGTERM: exit 0"
is "$(r state)" "$nobody_uid" "the state file was saved in the state directory, the user's"
[ "$_tap_fail" = 0 ] || diag "$(cat "$T/result" "$T/box/daemon.out" 2>/dev/null)"
ctd_done
