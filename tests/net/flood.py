#!/usr/bin/env python3
# flood.py: request floods for the camtraced flood scenario (212): forged sources (raw socket), bursts from a real socket, a byte counter.
#   flood.py forge SERVER KIND SRC[-LAST] SECS|xCOUNT  IP_HDRINCL datagrams from forged sources (SRC..LAST
#                                                 round robin, port 2425) for SECS seconds or COUNT datagrams;
#                                                 KIND: getlist isgetlist2 getinfo sendmsg entry mixed
#                                                 requests (mixed without entry; mixed has malformed ones)
#   flood.py burst SERVER KIND COUNT WAIT          COUNT requests from port 2425 at once, then counts the
#                                                 answers for WAIT seconds
#   flood.py count PORT SECS                       receives on PORT (never answers) for SECS seconds; counts
#                                                 unicast datagrams only (IP_PKTINFO), prints "ready" first
# Prints "key=value" lines: sent= bytes= (UDP payload bytes), answers= answer_bytes= max= by_mode_HEX=.
import random, socket, struct, sys, time

GETLIST, ISGETLIST2, GETINFO, SENDMSG, BR_ENTRY = 0x12, 0x18, 0x40, 0x20, 0x01
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)
SENDCHECKOPT, CAPUTF8OPT = 0x100, 0x01000000

def payload(kind, i, rnd):
    if kind == "mixed":
        kind = rnd.choice(["getlist", "isgetlist2", "getinfo", "sendmsg", "entry", "bad", "bad"])
    if kind == "requests":  # mixed without entries: the host table stays as it is
        kind = rnd.choice(["getlist", "isgetlist2", "getinfo", "sendmsg", "short", "junk"])
    if kind == "short":
        return b"1:%d:u:h" % i
    if kind == "junk":
        return bytes(rnd.randrange(59, 256) for _ in range(rnd.randrange(1, 60)))  # no ':' (58)
    if kind == "getlist":
        return b"1:%d:fl%d:fh:%d:\x00" % (i, i % 997, GETLIST | CAPUTF8OPT)
    if kind == "isgetlist2":
        return b"1:%d:fl%d:fh:%d:n\x00g\x00" % (i, i % 997, ISGETLIST2)
    if kind == "getinfo":
        return b"1:%d:fl:fh:%d:" % (i, GETINFO)
    if kind == "sendmsg":
        return b"1:%d:fl:fh:%d:hello %d\x00" % (i, SENDMSG | SENDCHECKOPT, i)
    if kind == "entry":
        return b"1:%d:fl%d:fh%d:%d:n\x00g\x00" % (i, i, i, BR_ENTRY)
    b = bytearray(b"1:%d:u:h:%d:%s" % (i, rnd.choice([1, 3, 0x12, 0x18, 0x20, 0x40]), b"x" * rnd.randrange(40)))
    for _ in range(3):
        pos = rnd.randrange(len(b))
        b[pos:pos] = rnd.choice([b":", b"\x00", b"\x07", b"::::", b"\xff"])
    return bytes(b)

def ip_range(spec):
    a, _, b = spec.partition("-")
    lo = struct.unpack("!I", socket.inet_aton(a))[0]
    hi = lo if not b else (lo & ~0xFF) | int(b) if "." not in b else struct.unpack("!I", socket.inet_aton(b))[0]
    return [socket.inet_aton(socket.inet_ntoa(struct.pack("!I", x))) for x in range(lo, hi + 1)]

def forge(server, kind, srcs, amount):
    rnd = random.Random(212)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    dst = socket.inet_aton(server)
    srcs = ip_range(srcs)
    count = int(amount[1:]) if amount.startswith("x") else None
    end = time.monotonic() + (float(amount) if count is None else 3600)
    pre = [payload(kind, i, rnd) for i in range(4096)]
    sent = nbytes = 0
    i = 0
    while (count is None or sent < count) and (count is not None or (i & 255 or time.monotonic() < end)):
        p = pre[i % len(pre)]
        udp = struct.pack("!HHHH", 2425, 2425, 8 + len(p), 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(p), 0, 0, 64, 17, 0, srcs[i % len(srcs)], dst)
        try:
            s.sendto(ip + udp + p, (server, 0))
            sent += 1
            nbytes += len(p)
        except OSError:
            time.sleep(0.001)
        i += 1
    print("sent=%d" % sent)
    print("bytes=%d" % nbytes)

def collect(s, secs, unicast_to=None):
    n = nbytes = mx = 0
    mx_mode = -1  # the mode of the largest datagram (-1: not IP Messenger)
    modes = {}
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, anc, _, _ = s.recvmsg(65536, 256)
        except socket.timeout:
            break
        if unicast_to is not None:
            dst = [d for lvl, typ, d in anc if lvl == socket.IPPROTO_IP and typ == IP_PKTINFO]
            if dst and dst[0][8:12] != unicast_to:
                continue  # a broadcast (entry rounds), not an answer
        n += 1
        nbytes += len(data)
        parts = data.split(b":", 5)
        mode = int(parts[4]) & 0xFF if len(parts) >= 5 and parts[4].isdigit() else -1
        if len(data) > mx:
            mx, mx_mode = len(data), mode
        if mode >= 0:
            m = mode
            modes[m] = modes.get(m, 0) + 1
    return n, nbytes, mx, modes, mx_mode

def report(n, nbytes, mx, modes, mx_mode=-1):
    print("answers=%d" % n)
    print("answer_bytes=%d" % nbytes)
    print("max=%d" % mx)
    print("max_mode=%s" % ("%02x" % mx_mode if mx_mode >= 0 else "none"))
    for m in sorted(modes):
        print("by_mode_%02x=%d" % (m, modes[m]))

def burst(server, kind, count, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("0.0.0.0", 2425))
    rnd = random.Random(2120)
    nbytes = 0
    for i in range(count):
        p = payload(kind, 7000 + i, rnd)
        s.sendto(p, (server, 2425))
        nbytes += len(p)
    print("sent=%d" % count)
    print("bytes=%d" % nbytes)
    report(*collect(s, wait))

def count(port, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect(("198.18.1.1", 9))  # this host's own address: the unicast destination
    me = socket.inet_aton(probe.getsockname()[0])
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind(("0.0.0.0", port))
    print("ready", flush=True)
    report(*collect(s, secs, me))

def main():
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "forge":
        forge(a[1], a[2], a[3], a[4])
    elif len(a) == 5 and a[0] == "burst":
        burst(a[1], a[2], int(a[3]), float(a[4]))
    elif len(a) == 3 and a[0] == "count":
        count(int(a[1]), float(a[2]))
    else:
        print("usage: see the comment at the top of flood.py", file=sys.stderr)
        return 2
    return 0

sys.exit(main())
