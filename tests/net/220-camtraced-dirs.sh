#!/usr/bin/env bash
# 220-camtraced-dirs.sh: camtraced creates and owns only its own directories, never a shared one it did not create; -n refuses all the start would (user, ctl_group, coop, paths) with file:line, the fix and exit 78.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
need_cmd unshare util-linux

T=$LAB_TMP
chmod 711 "$T" # nobody (the daemon's user here) must reach its directories below
# files NAME: the lines giving NAME's daemon its own files in $T/NAME (missing: the daemon makes it)
files() { printf '%s\n' "state_file = $T/$1/state.json" "pidfile = $T/$1/pid" "ctl_socket = $T/$1/ctl.sock"; }
# check CONF: camtraced -n as root; output in $T/out, status in $st
check() { st=0; "$CAMTRACED" -n -c "$1" >"$T/out" 2>&1 || st=$?; }
# start CONF: camtraced -f as root in srv (never leaves the lab); output in $T/out, status in $st
start() { st=0; in_host srv timeout 10 "$CAMTRACED" -f -c "$1" >"$T/out" 2>&1 || st=$?; }

# ---- -n catches what the start refuses: each with file:line, the fix, exit 78 (EX_CONFIG) ----
{ files a; echo "user = nosuchuser"; } >"$T/nouser.conf"
check "$T/nouser.conf"
is "$st" "78" "-n with user = nosuchuser: exit 78"
is "$(cat "$T/out")" "$T/nouser.conf:4: user 'nosuchuser' does not exist: create it (useradd --system --no-create-home --shell /usr/sbin/nologin nosuchuser) or set \`user\` to an existing account" \
	"... naming file:line and the fix"
{ files a; echo "user = nobody"; echo "coop = yes"; } >"$T/coop.conf"
check "$T/coop.conf"
is "$st" "78" "-n with coop = yes without rtp_echo: exit 78"
is "$(cat "$T/out")" "$T/coop.conf:5: coop = yes needs rtp_echo = yes (cooperative requests come in on the RTP echo ports): add \`rtp_echo = yes\`, or set \`coop = no\`" \
	"... naming file:line and the fix"
{ files a; echo "user = nobody"; echo "ctl_group = nosuchgroup"; } >"$T/group.conf"
check "$T/group.conf"
is "$st" "78" "-n with an unknown ctl_group: exit 78"
is "$(cat "$T/out")" "$T/group.conf:5: ctl_group 'nosuchgroup' does not exist: create it (groupadd --system nosuchgroup) or leave ctl_group empty (the group of \`user\`)" \
	"... naming file:line and the fix"
{ files a; echo "user = nobody"; echo "coop = yes"; echo "ctl_group = nosuchgroup"; } >"$T/two.conf"
check "$T/two.conf"
is "$(grep -c "^$T/two.conf:[56]: " "$T/out")" "2" "-n reports every problem, not only the first"

# the start refuses the same, with the same words (and creates nothing)
lab_up
start "$T/nouser.conf"
is "$st" "78" "the start with user = nosuchuser: exit 78, as -n said"
like "$(cat "$T/out")" "^camtraced: $T/nouser.conf:4: user 'nosuchuser' does not exist: create it" "... with -n's message"
start "$T/coop.conf"
is "$st" "78" "the start with coop = yes without rtp_echo: exit 78"
like "$(cat "$T/out")" "^camtraced: $T/coop.conf:5: coop = yes needs rtp_echo = yes" "... with -n's message"
start "$T/group.conf"
is "$st" "78" "the start with an unknown ctl_group: exit 78"
ok '[ ! -e "$T/a" ]' "a refused start made no directory"

# ---- a configuration directory owned by root stays root's ----
mkdir -m 755 "$T/etc-camtraced"
printf '%s\n' "state_file = $T/etc-camtraced/state.json" "pidfile = $T/a/pid" "ctl_socket = $T/a/ctl.sock" \
	"user = nobody" >"$T/etc-camtraced/camtraced.conf"
check "$T/etc-camtraced/camtraced.conf"
is "$st" "78" "-n: state_file in the (root-owned) configuration directory: exit 78"
is "$(cat "$T/out")" "$T/etc-camtraced/camtraced.conf:1: state_file $T/etc-camtraced/state.json: the directory $T/etc-camtraced belongs to root and camtraced did not create it; it never takes over a directory it did not create (its user nobody would own what else is there): put state_file in a directory of camtraced's own, e.g. /var/lib/camtraced/state.json (a missing directory is created for nobody), or, if $T/etc-camtraced is for camtraced alone, give it to nobody yourself (chown nobody $T/etc-camtraced)" \
	"... naming the path, its owner and both fixes"
start "$T/etc-camtraced/camtraced.conf"
is "$st" "78" "the start refuses it too (exit 78)"
like "$(cat "$T/out")" "^camtraced: $T/etc-camtraced/camtraced.conf:1: state_file $T/etc-camtraced/state.json: the directory $T/etc-camtraced belongs to root" "... with the same message"
is "$(stat -c %U:%G:%a "$T/etc-camtraced")" "root:root:755" "the configuration directory is still root:root 0755"
ok '[ ! -e "$T/a" ]' "and nothing else was made"

# ---- ctl_socket = RUN/x.sock, RUN standing for /run (root's, shared): refused, RUN left alone ----
mkdir -m 755 "$T/run"
{ echo "state_file = $T/b/state.json"; echo "ctl_socket = $T/run/x.sock"; echo "pidfile ="; echo "user = nobody"; } >"$T/run.conf"
check "$T/run.conf"
is "$st" "78" "-n: ctl_socket directly in a shared run directory: exit 78"
like "$(cat "$T/out")" "^$T/run.conf:2: ctl_socket $T/run/x.sock: the directory $T/run belongs to root and camtraced did not create it; .* e.g. /run/camtraced/ctl.sock \(a missing directory is created for nobody\)" \
	"... pointing at a directory of its own"
start "$T/run.conf"
is "$st" "78" "the start refuses it too"
is "$(stat -c %U:%G:%a "$T/run")" "root:root:755" "the run directory is still root:root 0755"
ok '[ ! -e "$T/run/x.sock" ]' "no socket was made there"

# ---- a symbolic link, a read-only file system: refused by -n before the start fails ----
mkdir -m 700 "$T/real"
ln -s "$T/real" "$T/link"
{ echo "state_file = $T/link/state.json"; files c | sed 1d; echo "user = nobody"; } >"$T/link.conf"
check "$T/link.conf"
is "$st" "78" "-n: state_file in a symbolic link to a directory: exit 78"
like "$(cat "$T/out")" "^$T/link.conf:1: state_file $T/link/state.json: $T/link is a symbolic link; camtraced refuses it" "... saying so"
mkdir "$T/ro"
{ echo "state_file = $T/ro/lib/state.json"; files c | sed 1d; echo "user = nobody"; } >"$T/ro.conf"
st=0
unshare -m sh -c 'mount -t tmpfs -o ro,mode=755 none "$1" && exec "$2" -n -c "$3"' sh "$T/ro" "$CAMTRACED" "$T/ro.conf" >"$T/out" 2>&1 || st=$?
is "$st" "78" "-n: state_file on a read-only file system: exit 78"
like "$(cat "$T/out")" "^$T/ro.conf:1: state_file $T/ro/lib/state.json: cannot create $T/ro/lib in $T/ro: Read-only file system: choose a place camtraced can write" \
	"... naming the directory and the cause"

# ---- the files themselves: a link, or a file of another kind, refused by -n as by the start ----
mkdir -m 750 "$T/f"
chown 65534:65534 "$T/f"
printf 'root only\n' >"$T/secret"
chmod 600 "$T/secret"
ln -s "$T/secret" "$T/f/camtraced.log"
ln -s "$T/secret" "$T/f/pid"
mkdir "$T/f/ctl.sock"
printf '%s\n' "state_file = $T/f/state.json" "log = $T/f/camtraced.log" "pidfile = $T/f/pid" "ctl_socket = $T/f/ctl.sock" \
	"user = nobody" >"$T/files.conf"
check "$T/files.conf"
is "$st" "78" "-n: a symbolic link as log file or pid file, a directory as control socket: exit 78"
is "$(cat "$T/out")" "$T/files.conf:2: log $T/f/camtraced.log is a symbolic link; refusing to follow it (remove it: whoever can write that directory could point it at any file)
$T/files.conf:3: pidfile $T/f/pid is a symbolic link; refusing to follow it (remove it: whoever can write that directory could point it at any file)
$T/files.conf:4: ctl_socket $T/f/ctl.sock exists and is not a socket; remove it or set ctl_socket elsewhere" \
	"... each named with file:line and the fix"
start "$T/files.conf"
is "$st" "78" "the start refuses them too"
like "$(cat "$T/out")" "^camtraced: $T/files.conf:2: log $T/f/camtraced.log is a symbolic link" "... with -n's words"
is "$(cat "$T/secret"):$(stat -c %U:%a "$T/secret")" "root only:root:600" "the file the links point at is untouched"

# ---- its own directories: a missing one is made for nobody, one already nobody's is used ----
mkdir -m 700 "$T/given"
chown 65534:65534 "$T/given"
{ files own; echo "log = $T/given/camtraced.log"; echo "user = nobody"; echo "ctl_group = root"; } >"$T/own.conf"
check "$T/own.conf"
is "$st:$(cat "$T/out")" "0:$T/own.conf: configuration OK" "-n accepts missing directories and one already the user's"
ok '[ ! -e "$T/own" ]' "-n made nothing"
in_host srv "$CAMTRACED" -c "$T/own.conf" >"$T/out" 2>&1
is "$?" "0" "camtraced starts in the background"
is "$(stat -c %u:%g:%a "$T/own")" "65534:0:750" "the directory it made is nobody's, group ctl_group (root), 0750"
is "$(stat -c %u:%g:%a "$T/given")" "65534:65534:700" "the directory given to nobody is used as it is"
is "$(stat -c %u:%g:%a "$T/given/camtraced.log")" "65534:65534:640" "its log file is nobody's, 0640"
ok 'wait_for -t 5 "$CAMTRACE" --ctl "$T/own/ctl.sock" status >/dev/null' "the daemon answers on its control socket"
pid=$(cat "$T/own/pid")
kill "$pid"
ok 'wait_for -t 5 test ! -e "$T/own/pid"' "SIGTERM: as nobody it removes its pid file from its own directory"
ok '[ ! -e "$T/own/ctl.sock" ]' "and its control socket"
is "$(stat -c %u:%g "$T/own/state.json")" "65534:65534" "the state it saved is nobody's"
ctd_done
