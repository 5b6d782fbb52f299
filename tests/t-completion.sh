#!/usr/bin/env bash
# t-completion.sh: the bash completion of camtrace and camtraced: registered, and completing commands, options, files, interfaces, local addresses and the hosts camtraced knows.
: "${top_srcdir:=.}" "${top_builddir:=.}"
CAMTRACE=$top_builddir/src/camtrace/camtrace CAMTRACED=$top_builddir/src/camtraced/camtraced
n=0 fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
is() { [ "$1" = "$2" ]; ok $? "$3"; [ "$1" = "$2" ] || echo "# got '$1', want '$2'"; }
[ -x "$CAMTRACE" ] && [ -x "$CAMTRACED" ] || { echo "1..0 # SKIP camtrace or camtraced not built"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 missing"; exit 0; }
D=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$D"; }
trap cleanup EXIT
mkdir -p "$D/bin"
ln -s "$(cd "$(dirname "$CAMTRACE")" && pwd)/camtrace" "$D/bin/camtrace"
ln -s "$(cd "$(dirname "$CAMTRACED")" && pwd)/camtraced" "$D/bin/camtraced"
export PATH=$D/bin:$PATH

# comp WORD...: what the completion offers for the last word, sorted, one line
comp() {
	bash -c '. "$1/contrib/bash-completion/camtrace"; . "$1/contrib/bash-completion/camtraced"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); "_$1"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"' _ "$top_srcdir" "$@"
}

reg=$(bash -c '. "$1/contrib/bash-completion/camtrace"; . "$1/contrib/bash-completion/camtraced"; complete -p camtrace camtraced' _ "$top_srcdir")
is "$reg" "complete -o default -F _camtrace camtrace
complete -o default -F _camtraced camtraced" "complete -p: both commands registered"
is "$(comp camtrace pro)" "probe" "a command from its prefix"
is "$(comp camtrace r)" "reach refresh route rtp" "every command with the prefix"
is "$(comp camtrace --json sn)" "sniff" "a command after a global option"
is "$(comp camtrace --ctl /x sn)" "sniff" "a command after a global option's value"
is "$(comp camtrace probe --so)" "--source --source-port" "a command's options with the global ones"
is "$(comp camtrace users --net)" "--network" "users --network"
is "$(comp camtrace us --onl)" "--online" "options of an abbreviated command"
is "$(comp camtrace sniff -i lo)" "lo" "an interface for -i"
is "$(comp camtrace --interface=l)" "lo" "--interface=VALUE"
touch "$D/cap1.pcap" "$D/cap2.pcap"
is "$(comp camtrace sniff -r "$D/cap")" "$D/cap1.pcap $D/cap2.pcap" "files for -r"
is "$(comp camtrace probe --source 127.0.0.)" "127.0.0.1" "local addresses for --source"
is "$(comp camtrace help st)" "status" "help takes a command"
is "$(comp camtrace version --)" "--ctl --help --interface --json --quiet --source --timeout --verbose --version" \
	"a command without options of its own: the global ones"
is "$(comp camtraced --con)" "--config" "camtraced --config"
is "$(comp camtraced -c "$D/cap1")" "$D/cap1.pcap" "camtraced -c takes a file"
is "$(comp camtraced -p "$D/cap2")" "$D/cap2.pcap" "camtraced -p takes a file"
is "$(comp camtraced --fo)" "--foreground" "camtraced --foreground"

# the hosts the local camtraced knows, for commands that take a host
port=$((30000 + $$ % 20000))
printf '%s\n' "listen = 127.0.0.1" "port = $port" "pidfile =" "state_file = $D/state.json" "ctl_socket = $D/ctl.sock" \
	"confirm_claims = no" "log_level = info" >"$D/conf"
[ "$(id -u)" = 0 ] && echo "user = root" >>"$D/conf"
"$CAMTRACED" -f -c "$D/conf" >"$D/log" 2>&1 &
pid=$!
for _ in $(seq 50); do "$CAMTRACE" --ctl "$D/ctl.sock" status >/dev/null 2>&1 && break; sleep 0.1; done
python3 - "$port" <<'PY'
import socket, sys
for i in (1, 2, 3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.3.0.%d" % i, 0))
    s.sendto(b"1:%d:u%d:pc%d:%d:nick%d\0group\0" % (100 + i, i, i, 0x01000001, i), ("127.0.0.1", int(sys.argv[1])))
    s.close()
PY
for _ in $(seq 50); do [ "$("$CAMTRACE" --json --ctl "$D/ctl.sock" users | grep -c '127\.3\.0\.')" -ge 3 ] && break; sleep 0.1; done
is "$(comp camtrace --ctl "$D/ctl.sock" probe 127.3)" "127.3.0.1 127.3.0.2 127.3.0.3" "probe: the hosts camtraced knows"
is "$(comp camtrace --ctl="$D/ctl.sock" route 127.3.0.2)" "127.3.0.2" "route: one of them (--ctl=PATH)"
is "$(comp camtrace --ctl "$D/ctl.sock" doctor --user 127.3.0.)" "127.3.0.1 127.3.0.2 127.3.0.3" "doctor --user: the hosts"
is "$(comp camtrace --ctl "$D/nothing.sock" probe 127.3)" "" "no daemon: no hosts, no error"
echo "1..$n"
exit $fail
