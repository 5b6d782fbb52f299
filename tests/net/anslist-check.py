#!/usr/bin/env python3
# anslist-check.py: checks ANSLIST datagrams against the spec (§4.3-4.4): from a pcap, or by asking a server directly.
#   anslist-check.py pcap FILE SERVER-ADDR      every GETLIST/ANSLIST exchange in the capture, byte by byte
#   anslist-check.py ask SERVER-ADDR [--utf8]   asks like a client from port 2425 (BR_ISGETLIST2, GETLIST start 0,
#                                               SENDINFO to the server's verification GETINFO), checks the full page
#   anslist-check.py flood SERVER-ADDR COUNT BASE-PORT   BR_ENTRY from COUNT source ports (host injection)
# Prints "key=value" lines; exit 1 with "error: ..." lines when a rule is broken.
import socket, struct, sys

SEP, DUMMY = b"\x07", b"\x08"
ANSLIST, GETLIST, UTF8OPT, CAPUTF8OPT = 0x13, 0x12, 0x00800000, 0x01000000
BR_ENTRY, ANSENTRY, OKGETLIST, BR_ISGETLIST2 = 0x01, 0x03, 0x11, 0x18
GETINFO, SENDINFO = 0x40, 0x41
errors = []

def err(msg):
    errors.append(msg)

def split_header(data):
    """-> (cmd, body) of an IPMsg datagram (body = after the 5th ':')."""
    parts = data.split(b":", 5)
    if len(parts) < 6:
        return None, None
    return int(parts[4]), parts[5]

def check_page(body, utf8, page_no, budget=8191):
    """Checks one ANSLIST body; returns (next, count, entries)."""
    if not body.endswith(b"\x00"):
        err("page %d: body not NUL-terminated" % page_no)
    body = body.rstrip(b"\x00")
    if len(body) < 12 or body[5:6] != SEP or body[11:12] != SEP:
        err("page %d: header is not '%%5d\\a%%5d\\a': %r" % (page_no, body[:12]))
        return 0, 0, []
    nxt, cnt = body[0:5], body[6:11]
    if not (nxt.strip().isdigit() and cnt.strip().isdigit()) or nxt != nxt.strip().rjust(5) or cnt != cnt.strip().rjust(5):
        err("page %d: header fields not 5-wide right-aligned decimals: %r %r" % (page_no, nxt, cnt))
    nxt, cnt = int(nxt), int(cnt)
    fields = body[12:].split(SEP)
    if fields and fields[-1] == b"":
        fields = fields[:-1]
    else:
        err("page %d: entries do not end with the separator" % page_no)
    if len(fields) != cnt * 7:
        err("page %d: count %d but %d fields (want %d)" % (page_no, cnt, len(fields), cnt * 7))
    entries = []
    for i in range(0, len(fields) - 6, 7):
        user, host, status, addr, port, nick, group = fields[i:i + 7]
        if user in (b"", DUMMY) or host in (b"", DUMMY):
            err("page %d: empty user or host" % page_no)
        for name, f in (("nick", nick), ("group", group)):
            if f == b"":
                err("page %d: empty %s sent as nothing instead of \\b" % (page_no, name))
        if not status.isdigit() or int(status) == 0 or int(status) & 0xFF:
            err("page %d: status %r is not option bits only and non-zero" % (page_no, status))
        try:
            socket.inet_aton(addr.decode())
        except (OSError, UnicodeDecodeError):
            err("page %d: addr %r" % (page_no, addr))
        p = int(port) if port.isdigit() else -1
        real = ((p & 0xFF) << 8) | (p >> 8) if 0 <= p <= 65535 else -1
        if real < 0:
            err("page %d: port %r" % (page_no, port))
        for f in (user, host, nick, group):
            try:
                f.decode("utf-8" if utf8 else "cp932")
            except UnicodeDecodeError:
                err("page %d: %r is not %s" % (page_no, f, "UTF-8" if utf8 else "CP932"))
        entries.append((user, host, int(status) if status.isdigit() else 0, addr, real, nick, group, p))
    return nxt, cnt, entries

def read_pcap(path):
    """Yields (src, sport, dst, dport, payload) of UDP datagrams (IPv4, fragments reassembled)."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    off, frags = 24, {}
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if link == 1:
            if len(pkt) < 14 or pkt[12:14] != b"\x08\x00":
                continue
            ip = pkt[14:]
        elif link == 113:
            ip = pkt[16:]
        else:
            ip = pkt
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        ident, fl = struct.unpack("!HH", ip[4:8])
        mf, fo = fl & 0x2000, (fl & 0x1FFF) * 8
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        chunk = ip[ihl:total]
        if mf or fo:
            key = (src, dst, ident)
            parts = frags.setdefault(key, {})
            parts[fo] = (chunk, not mf)
            got, pos = b"", 0
            while pos in parts:
                got += parts[pos][0]
                if parts[pos][1]:
                    break
                pos += len(parts[pos][0])
            else:
                continue
            if not parts[pos][1]:
                continue
            del frags[key]
            chunk = got
        if len(chunk) < 8:
            continue
        sport, dport = struct.unpack("!HH", chunk[:4])
        yield src, sport, dst, dport, chunk[8:]

def cmd_pcap(path, server):
    pages = entries = maxlen = utf8_pages = 0
    requested, seen_next = [], []
    total = None
    for src, sport, dst, dport, payload in read_pcap(path):
        cmd, body = split_header(payload)
        if cmd is None:
            continue
        if dst == server and cmd & 0xFF == GETLIST:
            requested.append(int(body.rstrip(b"\x00") or b"0"))
        if src == server and cmd & 0xFF == ANSLIST:
            pages += 1
            maxlen = max(maxlen, len(payload))
            if len(payload) > 8191:
                err("page %d: datagram of %d bytes is over 8191" % (pages, len(payload)))
            utf8 = bool(cmd & UTF8OPT)
            utf8_pages += utf8
            nxt, cnt, ents = check_page(body, utf8, pages)
            entries += len(ents)
            seen_next.append(nxt)
            if nxt == 0:
                total = entries
    if requested and seen_next and requested[1:] != [n for n in seen_next if n][:len(requested) - 1]:
        err("GETLIST start indexes %s do not follow the pages' next fields %s" % (requested[:5], seen_next[:5]))
    print("pages=%d" % pages)
    print("entries=%d" % entries)
    print("complete=%d" % (total is not None))
    print("max_datagram=%d" % maxlen)
    print("utf8_pages=%d" % utf8_pages)
    print("getlists=%d" % len(requested))

def cmd_ask(server, utf8):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 2425))
    s.settimeout(5)
    cmd = GETLIST | (CAPUTF8OPT if utf8 else 0)
    getlist = b"1:4242:asker:askhost:%d:\x00" % cmd
    # a client the server has not verified yet gets pages cut to 3x its bytes (camtraced(8) FLOODS AND
    # REFLECTION) until it answers the server's unicast GETINFO with SENDINFO: do as a client does
    s.sendto(b"1:4241:asker:askhost:%d:asker\x00\x00" % BR_ISGETLIST2, (server, 2425))
    answered, early = False, None
    while True:
        try:
            data, _ = s.recvfrom(65536)
        except socket.timeout:
            if early is None:
                raise
            data = early  # already verified: no probe came, the page was full
            c, body = split_header(data)
            break
        c, body = split_header(data)
        if c is None:
            continue
        if c & 0xFF == OKGETLIST:
            s.sendto(getlist, (server, 2425))
        elif c & 0xFF == BR_ENTRY:  # a real client answers a BR_ENTRY: the server must not list it for that
            s.sendto(b"1:4244:asker:askhost:%d:asker\x00\x00" % ANSENTRY, (server, 2425))
        elif c & 0xFF == GETINFO and not answered:
            s.sendto(b"1:4243:asker:askhost:%d:anslist-check\x00" % SENDINFO, (server, 2425))
            answered = True
            if early is not None:  # the page came cut before we answered: ask again, verified now
                s.sendto(getlist, (server, 2425))
                s.settimeout(5)
        elif c & 0xFF == ANSLIST:
            if answered:
                break
            early = data
            s.settimeout(1)
    has_utf8 = bool(c & UTF8OPT)
    nxt, cnt, ents = check_page(body, has_utf8, 1)
    print("utf8opt=%d" % has_utf8)
    print("count=%d" % cnt)
    print("next=%d" % nxt)
    print("datagram=%d" % len(data))
    for e in ents:
        print("entry=%s %s wire_port=%d port=%d status=%d nick=%s" % (e[0].decode("utf-8" if has_utf8 else "cp932", "replace"),
              e[3].decode(), e[7], e[4], e[2], e[5].decode("utf-8" if has_utf8 else "cp932", "replace")))

def cmd_flood(server, count, base):
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", base + i))
        nick = ("利用者%d" % i).encode("cp932") if i % 10 == 0 else b"nick%d" % i
        grp = b"" if i % 3 else b"grp"
        s.sendto(b"1:%d:user%d:pc%d:%d:%s\x00%s\x00" % (1000 + i, base + i, base + i, 0x01000001, nick, grp), (server, 2425))
        s.close()
    print("sent=%d" % count)

def main():
    a = sys.argv[1:]
    if len(a) >= 3 and a[0] == "pcap":
        cmd_pcap(a[1], a[2])
    elif len(a) >= 2 and a[0] == "ask":
        cmd_ask(a[1], "--utf8" in a)
    elif len(a) == 4 and a[0] == "flood":
        cmd_flood(a[1], int(a[2]), int(a[3]))
    else:
        print(__doc__ or "usage: see the comment at the top", file=sys.stderr)
        return 2
    for e in errors[:20]:
        print("error: " + e)
    return 1 if errors else 0

sys.exit(main())
