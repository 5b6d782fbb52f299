#!/usr/bin/env python3
# hostile.py: malformed and hostile IP Messenger datagrams for the robustness scenario (fixed seed: repeatable).
# usage: hostile.py SERVER-ADDR [COUNT]     sends from port 2425, prints "sent=N"
#        hostile.py forge SRC-ADDR SERVER-ADDR CMD USER HOST [NICK]
#                  one IP Messenger packet with a forged IPv4 source (raw socket, IP_HDRINCL;
#                  needs root), from SRC-ADDR:2425 to SERVER-ADDR:2425; CMD is the decimal
#                  command word; prints "forged=1"
import random, socket, struct, sys, time

if len(sys.argv) >= 7 and sys.argv[1] == "forge":
    src, dst, cmd, user, host = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
    nick = sys.argv[7] if len(sys.argv) > 7 else user
    data = b"1:%d:%s:%s:%d:%s\x00\x00" % (int(time.time() * 1000) & 0x7fffffff, user.encode(), host.encode(), cmd,
                                        nick.encode())
    udp = struct.pack("!HHHH", 2425, 2425, 8 + len(data), 0) + data  # checksum 0: none (IPv4)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))  # the kernel fills the checksum
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    r.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    r.sendto(ip + udp, (dst, 0))
    print("forged=1")
    sys.exit(0)

server, count = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3000
rnd = random.Random(2425)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
s.bind(("0.0.0.0", 2425))
fixed = [b"", b"garbage", b"IP2:10:abc:Z", b"1:1:x:y:99999999999:", b"1:1::h:1:", b"1:1:u::1:",
         b"1:1:u:h:", b"1:1:u:h:1", b"2:1:u:h:1:x", b"1:-5:u:h:1:x", b"1:1:u:h:-1:x",
         b"1:1:u:h:19:    5\x07  100\x07a\x07b\x07", b"1:1:u:h:18:999999", b"1:2:u:h:18:-5",
         b"1:3:u:h:18:abc", b"1:4:u:h:17:", b"1:5:u:h:1:" + b"N" * 4000 + b"\x00g\x00",
         b"1:6:evil\x07user:h\x08x:1:ni\x07ck\x00gr\x08p\x00", b"1:7:u:h:1:n\x00g\x00\nUN:\xff\xfe\nHN:\nNN:" + b"\xe3" * 50,
         b"1:8:u:h:32:hello", b"1:9:u:h:288:" + b"x" * 30000, b"\x00" * 100, b"1:" * 5000,
         b"1:10:u:h:33:notanumber", b"1:11:u:h:24:nick\x00grp", b"1:12:u:h:2:", b"1:13:u:h:4:\xff"]
valid = b"1:%d:user:host:%d:nick\x00group\x00\nUN:user\nHN:host\nNN:nick\nGN:group"
sent = 0
for p in fixed:
    s.sendto(p, (server, 2425))
    sent += 1
big = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
big.sendto(b"1:1:u:h:1:" + b"A" * 65000, (server, 2425))
sent += 1
for i in range(count):
    b = bytearray(valid % (rnd.randrange(1 << 32), rnd.choice([1, 3, 4, 0x18, 0x12, 0x20 | 0x100, 0x40, 0x13])))
    for _ in range(rnd.randrange(1, 6)):
        op = rnd.randrange(4)
        pos = rnd.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(pos, len(b) - 1)] = rnd.randrange(256)
        elif op == 1:
            b[pos:pos] = bytes(rnd.randrange(256) for _ in range(rnd.randrange(1, 20)))
        elif op == 2:
            del b[pos:pos + rnd.randrange(1, 20)]
        else:
            b[pos:pos] = rnd.choice([b":", b"\x00", b"\x07", b"\x08", b"\n", b"::::"])
    s.sendto(bytes(b), (server, 2425))
    sent += 1
print("sent=%d" % sent)
