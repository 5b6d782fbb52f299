#!/usr/bin/env python3
# anslist-forge.py: a list server that lets forgers in during the page phase, and a forger (217-camtraced-anslist-forged.sh).
# usage: anslist-forge.py serve FLAGDIR   list server on UDP 2425: OKGETLIST, then at the first GETLIST writes
#                                         FLAGDIR/asked, sends a page from port 40000 and a page for start 10,
#                                         waits for FLAGDIR/go, sends the real page (alice), then it again (unasked)
#        anslist-forge.py send ADDR       a page listing eve, from port 2425 to ADDR:2425
import os, socket, sys, time

EVE = b"    0\a    1\aeve\aPC-E\a16777216\a198.18.1.66\a30985\aEve\a\b\a"
WRONG = b"   12\a    2\aeve\aPC-E\a16777216\a198.18.1.66\a30985\aEve\a\b\amal\aPC-M\a16777216\a198.18.1.67\a30985\aM\a\b\a"
REAL = b"    0\a    1\aalice\aPC-A\a16777216\a198.18.1.50\a30985\aAlice\a\b\a"


def pkt(no, cmd, body=b""):
    return b"1:%d:srvuser:srvhost:%d:" % (no, cmd) + body + b"\0"


if sys.argv[1] == "send":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 2425))
    s.sendto(pkt(900, 0x13, EVE), (sys.argv[2], 2425))
    sys.exit(0)

flags = sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 2425))
other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
other.bind(("0.0.0.0", 40000))
s.settimeout(30)
no = 1000
while True:
    data, src = s.recvfrom(65536)
    f = data.split(b":", 5)
    if len(f) < 5:
        continue
    mode = int(f[4]) & 0xFF
    no += 1
    if mode == 0x18:
        s.sendto(pkt(no, 0x11), src)
    elif mode == 0x12:
        open(os.path.join(flags, "asked"), "w").close()
        other.sendto(pkt(no + 1, 0x13, EVE), src)        # the server's address, another port
        s.sendto(pkt(no + 2, 0x13, WRONG), src)          # the server, a page not asked for
        end = time.time() + 10
        while not os.path.exists(os.path.join(flags, "go")) and time.time() < end:
            time.sleep(0.05)
        s.sendto(pkt(no + 3, 0x13, REAL), src)
        time.sleep(0.5)
        s.sendto(pkt(no + 4, 0x13, REAL), src)           # after the fetch: not asked for
        print("served")
        break
