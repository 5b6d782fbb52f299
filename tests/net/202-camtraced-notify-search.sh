#!/usr/bin/env bash
# 202-camtraced-notify-search.sh: `notify 198.18.2.*` reaches site-B hosts, which answer and are listed; search finds exactly the IPMsg hosts.
. "${top_srcdir:-.}/tests/net/lib.sh"
. "$top_srcdir/tests/net/ctd-lib.sh"
[ -x "$CAMTRACED" ] || skip_all "camtraced not built"
lab_up

# site B: two IP Messenger users (b1, b2); b3 runs a UDP 2425 listener that never answers
ctd_start carol b1 "nick = Carol" "user_name = carol"
ctd_start dan b2 "nick = Dan" "user_name = dan"
listen_bg mute b3 udp 2425 --timeout 60 --count 1000

# the server in site A notifies 198.18.2.* (the seed's 4th-octet wildcard) at start-up
ctd_start srv srv "user_name = srv" "notify = 198.18.2.*" "notify_rate = 500" "notify_interval = 10s"
ok 'wait_for -t 15 ctd_has srv carol online' "carol (site B) answered the notification and is listed"
ok 'wait_for -t 10 ctd_has srv dan online' "dan too"
like "$(ctd_users srv | grep '^carol ')" " notified 0$" "carol's origin is the notified segment"
ok 'wait_for -t 10 grep -q "notify round 1: sent 254 packets to 254 addresses (0 names unresolved), 2 answered" "$LAB_TMP/srv/log"' \
	"round 1 logged: 254 sent (.1-.254), 2 answered"
st=$(ctd_q srv status)
is "$(echo "$st" | jq_py 'r["notify"]["answered"]')" "2" "status: 2 answered in the last round"
is "$(echo "$st" | jq_py 'r["notify"]["targets"]')" "254" "status: 254 targets"
ok 'grep -q "from 198.18.1.10 2425 ttl [0-9]* len [0-9]* data 1:[0-9]*:srv:[^:]*:[0-9]*:" <(listen_stop mute)' "the silent host b3 got the BR_ENTRY too"

# carol leaves: her BR_EXIT reaches the server by unicast (the server is on her dial-up list)
ctd_stop carol
ok 'wait_for -t 12 ctd_has srv carol offline' "carol's BR_EXIT reaches the server across the router"

# search: exactly the IP Messenger hosts of a site-B range; non-answering addresses do not stop it
listen_bg mute2 b3 udp 2425 --timeout 60
# search_done ID: the search's state is exactly "done" (not a key or word containing it)
search_done() { [ "$(ctd_q srv search.progress "{\"search_id\":$1}" | jq_py 'r["state"]')" = done ]; }
ctd_start erin b1 "nick = Erin" "user_name = erin"
res=$(ctd_q srv search.start '{"ranges":["198.18.2.10-198.18.2.20"]}')
id=$(echo "$res" | jq_py 'r["search_id"]')
like "$id" '^[0-9]+$' "search.start returns a search id"
is "$(echo "$res" | jq_py 'r["total"]')" "11" "11 addresses to probe"
ok 'wait_for -t 20 search_done $id' \
	"the search finishes (addresses .14-.20 do not exist, b3 never answers)"
res=$(ctd_q srv search.result "{\"search_id\":$id}")
is "$(echo "$res" | jq_py '" ".join(sorted(h["addr"] for h in r["hosts"]))')" "198.18.2.11 198.18.2.12" \
	"found exactly b1 and b2"
is "$(echo "$res" | jq_py '" ".join(sorted(h["user"] for h in r["hosts"]))')" "dan erin" "with their user names"
like "$(echo "$res" | jq_py '[h["info"] for h in r["hosts"]][0]')" "^camtraced " "and their SENDINFO version string"
is "$(echo "$res" | jq_py 'r["probed"]')" "11" "every address probed"
is "$(ctd_q srv status | jq_py 'r["search"]["found"]')" "2" "the found addresses are remembered"
ok 'grep -q "search found erin@" "$LAB_TMP/srv/log"' "found hosts are logged"
listen_stop mute2 >/dev/null

# the remembered addresses survive a restart and are notified at start-up
ctd_stop srv
ctd_start srv srv "user_name = srv"
is "$(ctd_q srv status | jq_py 'r["search"]["found"]')" "2" "found addresses reloaded from the state file"
ok 'wait_for -t 10 grep -q "notify round 1: sent 2 packets to 2 addresses" "$LAB_TMP/srv/log"' \
	"and notified at start-up (no notify targets configured now)"
ok 'wait_for -t 10 ctd_has srv erin online' "erin answers the found-address notification"

# a later search of the same range, with dan gone, reports dan lost
ctd_stop dan
res=$(ctd_q srv search.start '{"ranges":["198.18.2.11-12"]}')
id=$(echo "$res" | jq_py 'r["search_id"]')
ok 'wait_for -t 20 search_done $id' "second search done"
ok 'grep -q "search lost 198.18.2.12" "$LAB_TMP/srv/log"' "dan's address is reported lost"
is "$(ctd_q srv status | jq_py 'r["search"]["found"]')" "1" "and no longer remembered"
bad=$(ctd_q srv search.start '{"ranges":["198.18.*.*"]}')
like "$bad" "4th octet" "a bad range is refused with the reason"
ctd_done
