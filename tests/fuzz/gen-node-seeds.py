#!/usr/bin/env python3
# gen-node-seeds.py: writes the seed corpora of fuzz-node, fuzz-listcli, fuzz-pcap and fuzz-ipview (run from the top of the tree).
import os, struct, sys

top = sys.argv[1] if len(sys.argv) > 1 else "."
SEP, DUM = b"\a", b"\b"


def pkt(no, user, host, cmd, body=b"", extra=b""):
    return b"1:%d:%s:%s:%d:" % (no, user, host, cmd) + body + b"\0" + extra


def rec_node(src, port_sel, dgram):
    return bytes([src, port_sel]) + struct.pack(">H", len(dgram)) + dgram


def entry(i, user=b"alice", host=b"pc-a", cmd=0x01000001, nick=b"Alice", grp=b"Dev"):
    return pkt(100 + i, user, host, cmd, nick, grp + b"\0")


def anslist(nxt, count, entries, trailing=True):
    body = b"%5d\a%5d\a" % (nxt, count)
    for e in entries:
        body += SEP.join(e) + SEP
    return body if trailing else body[:-1]


def ent(u, h, st, a, port=b"30985", nick=b"N", grp=DUM):
    return [u, h, b"%d" % st, a, port, nick, grp]


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def node_seeds():
    d = os.path.join(top, "tests/fuzz/corpus-node")
    N, S, L = 0x40, 0x80, 0xC0  # 127.0.1.x (notify), 127.0.2.x (search), the list server (ourselves)
    s = {}
    s["entry-exit"] = rec_node(5, 0, entry(1)) + rec_node(5, 0, pkt(2, b"alice", b"pc-a", 0x02))
    s["entry-move"] = rec_node(5, 0, entry(1)) + rec_node(6, 0, entry(2)) + rec_node(7, 0x90, entry(3, user=b"bob"))
    s["same-addr-other-name"] = rec_node(5, 0, entry(1)) + rec_node(5, 0, entry(2, user=b"mallory"))
    s["absence"] = rec_node(8, 0, entry(1, cmd=0x01000104)) + rec_node(8, 0, pkt(3, b"alice", b"pc-a", 0x50))
    s["ansentry-notify"] = rec_node(N | 3, 0, entry(1, cmd=0x01000003)) + rec_node(N | 3, 0, entry(2, cmd=0x01000003)) \
        + rec_node(N | 20, 0, entry(3, user=b"x", cmd=0x01000003))
    s["search-answers"] = rec_node(S | 4, 0, pkt(9, b"carol", b"pc-c", 0x41, b"IP Messenger 5.0")) \
        + rec_node(S | 4, 0, entry(10, user=b"carol", host=b"pc-c", cmd=0x01000003)) \
        + rec_node(S | 5, 0x85, entry(11, user=b"dave", host=b"pc-d")) + rec_node(S | 17, 0, pkt(12, b"e", b"f", 0x41))
    s["sendmsg-getinfo"] = rec_node(9, 0, pkt(20, b"u", b"h", 0x20 | 0x100, b"hello " * 100)) \
        + rec_node(9, 0, pkt(21, b"u", b"h", 0x40)) + rec_node(9, 0, pkt(22, b"u", b"h", 0x50)) \
        + rec_node(9, 0, pkt(22, b"u", b"h", 0x50)) + rec_node(9, 0, pkt(23, b"u", b"h", 0x30, b"22"))
    s["getlist"] = rec_node(5, 0, entry(1)) + rec_node(10, 0, pkt(30, b"c", b"pc", 0x18, b"cli\0grp")) \
        + rec_node(10, 0, pkt(31, b"c", b"pc", 0x12 | 0x01000000)) + rec_node(10, 0, pkt(32, b"c", b"pc", 0x12, b"1")) \
        + rec_node(10, 0, pkt(33, b"c", b"pc", 0x12, b"-5")) + rec_node(10, 0, pkt(34, b"c", b"pc", 0x10))
    page = anslist(0, 3, [ent(b"l1", b"p1", 0x01000000, b"127.0.3.1"), ent(b"l2", b"p2", 2, b"127.0.3.2"),
                          ent(b"l3-<0123456789abcdef>", b"p3", 0x01000000, b"127.0.3.3")])
    s["listcli-fetch"] = rec_node(L, 0x40, pkt(40, b"srv", b"sh", 0x11)) + rec_node(L, 0x40, pkt(41, b"srv", b"sh", 0x13 | 0x00800000, page))
    s["listcli-forged"] = rec_node(L, 0x40, pkt(40, b"srv", b"sh", 0x11)) + rec_node(L, 0x90, pkt(41, b"srv", b"sh", 0x13, page)) \
        + rec_node(11, 0x40, pkt(42, b"srv", b"sh", 0x13, page))
    s["utf8-entry"] = rec_node(12, 0, pkt(50, "日本".encode(), b"h", 0x01000001, b"n", b"g\0UN:\xe6\x97\xa5\nHN:h\nNN:\xe5\x90\x8d\nGN:g\n"))
    s["ipdict-junk"] = rec_node(13, 0, b"IP2:10:abc:Z") + rec_node(13, 0, b"1:x:y:z:1:") + rec_node(13, 0, b"") \
        + rec_node(13, 0, b"1:5:u:h:4294967295:\0\0\0")
    s["colon-names"] = rec_node(14, 0, pkt(60, b"", b"h", 1)) + rec_node(14, 0, pkt(61, b"u", b"", 1)) \
        + rec_node(14, 0, pkt(62, b"\x01\x02", b"\x7f", 1, b"\x1b[31m", b"\x00"))
    for k, v in s.items():
        write(d, k, v)


def listcli_seeds():
    d = os.path.join(top, "tests/fuzz/corpus-listcli")
    def r(sel, body):
        return bytes([sel]) + struct.pack(">H", len(body)) + body
    p0 = anslist(2, 2, [ent(b"alice", b"PC-A", 258211840, b"192.168.1.10"), ent(b"bob", b"PC-B", 18874368, b"192.168.1.11", nick=DUM)])
    p1 = anslist(0, 3, [ent(b"bob", b"PC-B", 2, b"192.168.1.11"), ent(b"m-<0123456789abcdef>", b"PC-M", 16777216, b"192.168.1.12"),
                        ent(b"carol", b"PC-C", 257, b"192.168.1.13")])
    g2 = anslist(0, 1, [ent(b"g", b"G", 19, b"10.0.0.5", port=b"2425", grp=b"grp"), ent(b"h", b"H", 19, b"10.0.0.6", port=b"2425")], trailing=False)
    s = {
        "two-pages": b"\x01" + r(0, p0) + r(0, p1),
        "cp932": b"\x03" + r(0, anslist(0, 1, [ent(b"\x93\xfa\x96\x7b", b"pc", 0x01000000, b"10.1.1.1", nick=b"\x83\x65")])),
        "forged-port": b"\x01" + r(1, p0) + r(0, p0) + r(2, p1) + r(0, p1),
        "wrong-page": b"\x01" + r(0, anslist(12, 2, [ent(b"e", b"E", 0x01000000, b"10.0.0.1"), ent(b"f", b"F", 0x01000000, b"10.0.0.2")])),
        "replayed": b"\x01" + r(0, p0) + r(0, p0) + r(0, p1) + r(0, p1),
        "unasked": b"\x00" + r(0, p1),
        "g2": b"\x01" + r(0, g2),
        "self-and-same-addr": b"\x01" + r(0, anslist(0, 3, [ent(b"fuzzcli", b"fuzzhost", 0x01000000, b"127.0.0.1"),
                                                              ent(b"a", b"A", 0x01000000, b"10.9.9.9"), ent(b"b", b"B", 0x01000000, b"10.9.9.9")])),
        "bad-numbers": b"\x01" + r(0, b"99999999999\a-1\a") + r(0, anslist(0, 1, [ent(b"x", b"X", 0, b"::1", port=b"999999")])),
        "empty-fields": b"\x01" + r(0, b"    0\a    1\a\a\a\a\a\a\a\a"),
        "no-advance": b"\x01" + r(0, anslist(1, 1, [ent(b"a", b"A", 0x01000000, b"10.0.0.1")])) + r(0, anslist(1, 1, [ent(b"a", b"A", 0x01000000, b"10.0.0.1")])),
    }
    for k, v in s.items():
        write(d, k, v)


def pcap_seeds():
    d = os.path.join(top, "tests/fuzz/corpus-pcap")
    for f in ("ipmsg-synth.pcap", "lab-anslist.pcap", "lab-rtp.pcap"):
        data = open(os.path.join(top, "tests/data", f), "rb").read()
        write(d, f, data[:6000])
        write(d, f + "-cut", data[:24 + 16 + 30])
    hdr = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
    rec = lambda cap, ln, b: struct.pack("<IIII", 1, 2, cap, ln) + b
    write(d, "huge-caplen", hdr + rec(0xffffffff, 10, b"x" * 10))
    write(d, "caplen-past-end", hdr + rec(100, 100, b"x" * 10))
    write(d, "snaplen-0", struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 0, 1) + rec(60, 60, b"\0" * 60))
    write(d, "swapped-nsec", struct.pack(">IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 101) + struct.pack(">IIII", 1, 999999999, 20, 20)
          + bytes([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 1]))
    # a minimal pcapng: SHB, IDB (Ethernet), one EPB
    shb = struct.pack("<IIIHHq", 0x0A0D0D0A, 28, 0x1A2B3C4D, 1, 0, -1) + struct.pack("<I", 28)
    idb = struct.pack("<IIHHI", 1, 20, 1, 0, 65535) + struct.pack("<I", 20)
    frame = b"\xff" * 6 + b"\x02" * 6 + b"\x08\x00" + bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 127, 0, 0, 1, 127, 0, 0, 2]) + struct.pack(">HHHH", 2425, 2425, 8, 0)
    pad = (4 - len(frame) % 4) % 4
    epb_len = 32 + len(frame) + pad
    epb = struct.pack("<IIIIIII", 6, epb_len, 0, 0, 0, len(frame), len(frame)) + frame + b"\0" * pad + struct.pack("<I", epb_len)
    write(d, "pcapng-min", shb + idb + epb)
    write(d, "pcapng-bad-len", shb + idb + struct.pack("<III", 6, 0xfffffff0, 0))


def ipview_seeds():
    d = os.path.join(top, "tests/fuzz/corpus-ipview")
    def ip4(proto, payload, ttl=64, ihl=5, opts=b""):
        tl = 4 * ihl + len(payload)
        return bytes([0x40 | ihl, 0]) + struct.pack(">HHHBBH", tl, 1, 0, ttl, proto, 0) + bytes([127, 0, 0, 1, 127, 0, 0, 2]) + opts + payload
    udp = struct.pack(">HHHH", 2425, 2425, 8 + 5, 0) + b"hello"
    tcp = struct.pack(">HHIIBBHHH", 2425, 40000, 1, 2, 0x50, 0x12, 100, 0, 0)
    icmp_err = bytes([3, 3, 0, 0, 0, 0, 0, 0]) + ip4(17, udp)[:28]
    echo = bytes([0, 0, 0, 0, 0x12, 0x34, 0, 7]) + b"data"
    v6 = bytes([0x60, 0, 0, 0]) + struct.pack(">HBB", len(udp), 17, 64) + b"\0" * 15 + b"\1" + b"\0" * 15 + b"\2" + udp
    v6hop = bytes([0x60, 0, 0, 0]) + struct.pack(">HBB", 8 + len(udp), 0, 64) + b"\0" * 32 + bytes([17, 0]) + b"\0" * 6 + udp
    icmp6_err = bytes([1, 4, 0, 0, 0, 0, 0, 0]) + v6[:48]
    s = {"v4-udp": b"\x00" + ip4(17, udp), "v4-tcp": b"\x00" + ip4(6, tcp), "v4-icmp-quote": b"\x00" + ip4(1, icmp_err),
         "v4-echo": b"\x00" + ip4(1, echo), "v4-options": b"\x00" + ip4(17, udp, ihl=6, opts=b"\x01\x01\x01\x00"),
         "v4-bad-ihl": b"\x00" + bytes([0x4f]) + ip4(17, udp)[1:], "v6-udp": b"\x01" + v6, "v6-hopopt": b"\x01" + v6hop,
         "v6-l4-icmp-quote": b"\x04" + icmp6_err, "v6-l4-tcp": b"\x02" + tcp, "v6-l4-udp": b"\x03" + udp}
    rtp = bytes([0x80, 0]) + struct.pack(">HII", 1, 160, 0x1234) + b"CTRP" + struct.pack(">Q", 12345) + b"\0" * 148
    echo_rtp = bytes([0x80, 0]) + struct.pack(">HII", 1, 160, 0x1234) + b"CTRE" + struct.pack(">QQQI", 1, 2, 3, 4) + b"\0" * 128
    s.update({"rtp-probe": b"\x80" + rtp, "rtp-echo": b"\x80" + echo_rtp,
              "rtp-csrc-ext-pad": b"\x80" + bytes([0xb2, 0x60]) + struct.pack(">HII", 2, 3, 4) + b"\0" * 8 + struct.pack(">HH", 0xbede, 1) + b"\0" * 4 + b"xx\0\x03",
              "rtp-pad-too-big": b"\x80" + bytes([0xa0, 0]) + struct.pack(">HII", 2, 3, 4) + b"\xff",
              "rtcp-sr": b"\x80" + bytes([0x80, 200]) + struct.pack(">HI", 6, 0x1234) + b"\0" * 20})
    for k, v in s.items():
        write(d, k, v)


node_seeds()
listcli_seeds()
pcap_seeds()
ipview_seeds()
