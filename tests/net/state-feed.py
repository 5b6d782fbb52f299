#!/usr/bin/env python3
# state-feed.py: hosts for the camtraced state tests: BR_ENTRY from many loopback sources, and checks of a state file.
#   state-feed.py feed PORT START N [TAG]   user TAG<i>@pc<i> announces itself from 127.(1+i/62500).(i/250%250).(i%250+1):2425
#   state-feed.py check FILE [PREV]          "ok N" when FILE is a complete camtraced state file whose hosts
#                                            include every user listed in PREV; prints its users to FILE.users
import json, socket, sys, time

def feed(port, start, n, tag):
    sent = 0
    for i in range(start, start + n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.%d.%d.%d" % (1 + i // 62500, (i // 250) % 250, i % 250 + 1), 2425))
        s.sendto(b"1:%d:%s%d:pc%d:%d:nick%d\0group\0" % (1000 + i, tag.encode(), i, i, 0x01000001, i),
                 ("127.0.0.1", port))
        s.close()
        sent += 1
        if sent % 500 == 0:
            time.sleep(0.01)  # the daemon keeps up: this tests the state, not loss
    print(sent)

def check(path, prev):
    try:
        with open(path) as f:
            doc = json.load(f)
    except Exception as e:
        print("bad: not JSON: %s" % e)
        return 1
    if doc.get("format") != "camtraced-state" or not isinstance(doc.get("sections", {}).get("hosts"), list):
        print("bad: not a camtraced state file with a hosts section")
        return 1
    users = set(h["user"] for h in doc["sections"]["hosts"])
    with open(path + ".users", "w") as f:
        f.write("\n".join(sorted(users)))
    if prev:
        try:
            want = set(open(prev).read().split())
        except FileNotFoundError:
            want = set()
        lost = want - users
        if lost:
            print("bad: %d hosts of a completed save lost, e.g. %s" % (len(lost), sorted(lost)[:3]))
            return 1
    print("ok %d" % len(users))
    return 0

if __name__ == "__main__":
    if sys.argv[1] == "feed":
        feed(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else "u")
    elif sys.argv[1] == "check":
        sys.exit(check(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
