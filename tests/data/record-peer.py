#!/usr/bin/env python3
# record-peer.py: a scripted Windows-style IP Messenger peer (CP932 names, no UTF-8 block) for record-lab.sh.
#   record-peer.py udp USER HOST NICK GROUP STEP...   one UDP 2425 socket; steps run in order:
#       entry ADDR            BR_ENTRY (CP932 nick/group, no UTF-8 block), waits 1 s for answers
#       dialup ADDR           BR_ENTRY|DIALUPOPT to one host, waits 1 s
#       msg ADDR TEXT [N]     SENDMSG|SENDCHECKOPT in CP932, sent up to N times 0.6 s apart until RECVMSG
#       info ADDR             GETINFO, waits 1 s
#       exit ADDR             BR_EXIT
#       sleep SECS
#   record-peer.py getfile USER HOST ADDR FILEID      TCP GETFILEDATA (offset 0), reads until the peer closes
#   record-peer.py serve SIZE                         TCP 2425: serves SIZE bytes to one GETFILEDATA, then exits
# Packet numbers start at time(NULL) and grow by one (spec §1.3). Prints one line per datagram received.
import socket, sys, time

BR_ENTRY, BR_EXIT, ANSENTRY, SENDMSG, RECVMSG, GETINFO, GETFILEDATA = 0x01, 0x02, 0x03, 0x20, 0x21, 0x40, 0x60
DIALUPOPT, SENDCHECKOPT = 0x00010000, 0x00000100
pno = int(time.time())


def header(user, host, cmd):
    global pno
    pno += 1
    return pno, ("1:%d:%s:%s:%d:" % (pno, user, host, cmd)).encode("ascii")


def drain(s, secs, stop=None):
    """Prints every datagram received within secs; returns early when stop(data) is true."""
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        s.settimeout(left)
        try:
            d, a = s.recvfrom(65535)
        except socket.timeout:
            return False
        print("from %s: %r" % (a[0], d[:60]), flush=True)
        if stop and stop(d):
            return True


def udp(args):
    user, host, nick, group = args[:4]
    steps = args[4:]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("", 2425))
    names = nick.encode("cp932") + b"\0" + group.encode("cp932") + b"\0"
    i = 0
    while i < len(steps):
        op = steps[i]
        if op in ("entry", "dialup"):
            _, h = header(user, host, BR_ENTRY | (DIALUPOPT if op == "dialup" else 0))
            s.sendto(h + names, (steps[i + 1], 2425))
            drain(s, 1.0)
            i += 2
        elif op == "exit":
            _, h = header(user, host, BR_EXIT)
            s.sendto(h + names, (steps[i + 1], 2425))
            i += 2
        elif op == "msg":
            addr, text, times = steps[i + 1], steps[i + 2], int(steps[i + 3])
            no, h = header(user, host, SENDMSG | SENDCHECKOPT)
            want = ("%d" % no).encode()
            for _ in range(times):
                s.sendto(h + text.encode("cp932") + b"\0", (addr, 2425))
                if drain(s, 0.6, lambda d: d.split(b":")[4:5] and int(d.split(b":")[4]) & 0xFF == RECVMSG
                         and d.split(b":", 5)[5].rstrip(b"\0") == want):
                    break
            i += 4
        elif op == "info":
            _, h = header(user, host, GETINFO)
            s.sendto(h, (steps[i + 1], 2425))
            drain(s, 1.0)
            i += 2
        elif op == "sleep":
            drain(s, float(steps[i + 1]))
            i += 2
        else:
            sys.exit("record-peer.py: unknown step %r" % op)


def getfile(args):
    user, host, addr, fileid = args
    c = socket.create_connection((addr, 2425), timeout=5)
    # GETFILEDATA: packet number of the announcing message, file ID, offset, all hex (spec §6.3)
    _, h = header(user, host, GETFILEDATA)
    c.sendall(h + ("%x:%x:0:" % (pno - 100, int(fileid))).encode())
    got = 0
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += len(d)
    c.close()
    print("received %d bytes" % got, flush=True)


def serve(args):
    size = int(args[0])
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("", 2425))
    ls.listen(1)
    print("listening", flush=True)
    ls.settimeout(30)
    c, _ = ls.accept()
    c.settimeout(5)
    req = c.recv(4096)
    print("request %r" % req, flush=True)
    if b":%d:" % GETFILEDATA in req:
        c.sendall(bytes((i * 7) & 0xFF for i in range(size)))
    c.close()


if __name__ == "__main__":
    {"udp": udp, "getfile": getfile, "serve": serve}[sys.argv[1]](sys.argv[2:])
