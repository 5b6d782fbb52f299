#!/usr/bin/env python3
# winpeer.py: a Windows-style IP Messenger peer for the lab (answers GETINFO, ANSENTRY after 0-4 s, CP932 names, TCP 2425).
#   winpeer.py [--nick N] [--group G] [--user U] [--host H] [--delay-max SECS] [--seconds N] [--utf8 yes|no]
#              [--crypto PEM2048,PEM1024 [--capa HEX] [--decrypt-err N] [--send-to ADDR --send FILE]]
#              [--list-file PATH] [--page N]
# Behaves as IP Messenger for Windows does on the wire (../shared/protocol/ipmsg.md):
#   - at start: BR_ENTRY (entry status 0x0F640001 without UTF-8 bits) broadcast to its /24 and
#     255.255.255.255; nick and group in CP932, body "nick\0group\0\nVS:00010002:5:6:110";
#   - BR_ENTRY (also |DIALUPOPT) from anyone: ANSENTRY to the sender's address and port after a
#     random wait of 0 to --delay-max seconds (default 4: Windows waits up to 4 s, spec 3.1);
#   - GETINFO: SENDINFO "Win 5.6.10" at once; SENDMSG|SENDCHECKOPT: RECVMSG with the packet number,
#     and a line "message from ADDR packet N charset utf-8|cp932 text TEXT" (the body decoded:
#     UTF-8 with UTF8OPT, else CP932); --utf8 no: entries without CAPUTF8OPT (an old client);
#   - TCP 2425: accepts, reads one request, closes (no file is shared);
#   - SIGTERM / SIGINT / --seconds: BR_EXIT to every host it heard from and to the broadcasts;
#   --crypto (encryption as Windows does it, through ../crypto-peer.py and python3-cryptography):
#     GETPUBKEY is answered with ANSPUBKEY (its word --capa, default 61920006); an encrypted
#     SENDMSG is decrypted ("message from ADDR packet N encrypted CAPA sig S text TEXT", the
#     signature checked with the sender's key when it fetched it), or answered with
#     "AutoReply(DecryptErr)" ("decrypt failed ..."); --decrypt-err N answers the first N
#     encrypted messages so whatever they hold. --send FILE: lines "CAPA TAMPER TEXT" sent to
#     --send-to one after the other, each after a GETPUBKEY with CAPA as the word (the suite is
#     exactly CAPA; TAMPER "sig" flips a signature bit, "key" encrypts for our own key instead
#     of the receiver's, "mac" signs as the Mac does (text+NUL only, while the plaintext holds
#     one more section: an empty TO: list), "no" sends it as made), printing
#     "sent N capa CAPA" and "recvmsg N"; then "sends done".
#   - --list-file PATH: a Windows list server (AllowSendList, spec 4): BR_ISGETLIST2 answered with
#     OKGETLIST, GETLIST "START" with one ANSLIST page of at most --page (default 50) entries from
#     START ("%5d next\a%5d count\a", then user\ahost\astatus\aaddr\aport byte-swapped\anick\agroup\a,
#     empty fields as \b, NUL), itself first; UTF-8 with UTF8OPT when the GETLIST carried CAPUTF8OPT
#     or UTF8OPT, else CP932. PATH is read at every GETLIST, one host a line: "user host nick group
#     addr" (blank-separated; edit it to make a host leave the list).
# Prints "ready" once bound, then one line per datagram it handled. Standard library only.
import importlib.util, os, random, select, signal, socket, sys, time

BR_ENTRY, BR_EXIT, ANSENTRY, SENDMSG, RECVMSG, GETINFO, SENDINFO = 0x01, 0x02, 0x03, 0x20, 0x21, 0x40, 0x41
SENDCHECKOPT, STATUS, CAPUTF8OPT, UTF8OPT = 0x100, 0x0F640000, 0x01000000, 0x00800000
GETPUBKEY, ANSPUBKEY, ENCRYPTOPT, AUTORETOPT, NOLOGOPT = 0x72, 0x73, 0x00400000, 0x2000, 0x20000
DECRYPT_ERR = (b"==== AutoReply(DecryptErr) ==== My PubKey is updated, I can't receive your message. "
               b"Please press refresh button.")
OKGETLIST, GETLIST, ANSLIST, BR_ISGETLIST2 = 0x11, 0x12, 0x13, 0x18


def list_page(opt, me, status, start, utf8):
    """One ANSLIST body from index start (Windows MainWin SendHostList)."""
    hosts = [(opt["--user"], opt["--host"], opt["--nick"], opt["--group"], me)]
    with open(opt["--list-file"], encoding="utf-8") as f:
        hosts += [tuple(l.split()[:5]) for l in f if len(l.split()) >= 5]
    page = hosts[start:start + int(opt["--page"])]
    nxt = start + len(page) if start + len(page) < len(hosts) else 0
    swapped = ((2425 & 0xFF) << 8) | (2425 >> 8)
    out = ("%5d\a%5d\a" % (nxt, len(page))).encode("ascii")
    for u, h, n, g, a in page:
        f = [u, h, str(status), a, str(swapped), n or "\b", g or "\b"]
        out += "".join(x + "\a" for x in f).encode("utf-8" if utf8 else "cp932")
    return out + b"\0"


def main():
    a = sys.argv[1:]
    opt = {"--nick": "営業 花子", "--group": "営業部", "--user": "hanako", "--host": "WINPC",
           "--delay-max": "4", "--seconds": "0", "--utf8": "yes", "--crypto": "", "--capa": "61920006",
           "--decrypt-err": "0", "--send-to": "", "--send": "", "--list-file": "", "--page": "50"}
    while a:
        if a[0] not in opt or len(a) < 2:
            sys.exit("winpeer.py: unknown option or missing value: %s" % a[0])
        opt[a[0]] = a[1]
        a = a[2:]
    delay_max, until = float(opt["--delay-max"]), float(opt["--seconds"])
    status = STATUS if opt["--utf8"] == "yes" else STATUS & ~CAPUTF8OPT
    pno = [int(time.time() * 10) & 0x7fffffff]  # a peer started again soon after stays above its last numbers
    names = opt["--nick"].encode("cp932") + b"\0" + opt["--group"].encode("cp932") + b"\0\nVS:00010002:5:6:110\0"

    def hdr(cmd):
        pno[0] += 1
        return ("1:%d:%s:%s:%d:" % (pno[0], opt["--user"], opt["--host"], cmd)).encode("ascii")

    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    u.bind(("", 2425))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("", 2425))
    t.listen(8)
    # this host's /24 broadcast, from the address the default route uses
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect(("198.18.0.1", 9))
    me = probe.getsockname()[0]
    probe.close()
    bcasts = [me.rsplit(".", 1)[0] + ".255", "255.255.255.255"]
    heard = set()
    pending = []  # (due, addr, data)
    cp = keys = None
    peer_keys = {}  # address -> ANSPUBKEY body
    sends = []
    cur = {}  # the send under way: line, state, packet number, deadline
    derr = [int(opt["--decrypt-err"])]
    if opt["--crypto"]:
        spec = importlib.util.spec_from_file_location("cp", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crypto-peer.py"))
        cp = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(cp)
        keys = cp.load_keys(opt["--crypto"])
        if opt["--send"]:
            sends = [ln.split(" ", 2) for ln in open(opt["--send"], encoding="utf-8").read().splitlines() if ln.strip()]
    dest = (opt["--send-to"], 2425)

    def next_send(now):
        if not sends:
            if cur.get("line") is not None:
                print("sends done", flush=True)
            cur.clear()
            return
        cur["line"] = sends.pop(0)
        cur["state"], cur["until"], cur["ask"] = "key", now + 3, 0

    def ask_key(now):
        cur["ask"] = now + 0.5  # again until answered (the receiver may verify us first)
        u.sendto(hdr(GETPUBKEY) + cur["line"][0].encode() + b"\0", dest)

    def send_enc(now, body):
        capa, tamper, text = cur["line"]
        p = pno[0] + 1
        if tamper == "key":  # for a key that is not the receiver's: it cannot decrypt
            body = cp.anspubkey(keys, int(capa, 16), int(capa, 16))
        plain = text.encode("utf-8") + b"\0"
        if tamper == "mac":  # the Mac's signature covers text+NUL, not the rest of the plaintext
            e = cp.encrypt(keys, body, str(p), plain + b"\0", int(capa, 16), signed=plain)
        else:
            e = cp.encrypt(keys, body, str(p), plain, int(capa, 16))
        if tamper == "sig":
            f = e.split(":")
            sig = bytearray(cp.unfield(int(capa, 16), f[3]))
            sig[10] ^= 1
            f[3] = cp.field(int(capa, 16), bytes(sig))
            e = ":".join(f)
        u.sendto(hdr(SENDMSG | SENDCHECKOPT | ENCRYPTOPT | UTF8OPT) + e.encode() + b"\0", dest)
        cur["state"], cur["pkt"], cur["until"] = "recv", p, now + 2
        print("sent %d capa %s" % (p, capa), flush=True)
    stop = [False]

    def on_signal(*_):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    for b in bcasts:
        u.sendto(hdr(BR_ENTRY | status) + names, (b, 2425))
    print("ready", flush=True)
    if sends:
        time.sleep(0.5)
        next_send(time.monotonic())
    end = time.monotonic() + until if until > 0 else None
    while not stop[0] and (end is None or time.monotonic() < end):
        now = time.monotonic()
        wait = 0.2
        if pending:
            wait = max(0.0, min(wait, min(p[0] for p in pending) - now))
        try:
            r, _, _ = select.select([u, t], [], [], wait)
        except InterruptedError:
            continue
        now = time.monotonic()
        if cur.get("line") and now > cur["until"]:
            print("timeout %s" % cur["state"], flush=True)
            next_send(now)
        if cur.get("state") == "key" and now >= cur["ask"]:
            ask_key(now)
        for p in [p for p in pending if p[0] <= now]:
            pending.remove(p)
            u.sendto(p[2], p[1])
            print("sent ANSENTRY to %s:%d" % p[1], flush=True)
        if t in r:
            c, peer = t.accept()
            c.settimeout(1)
            try:
                c.recv(4096)
            except OSError:
                pass
            c.close()
            print("tcp from %s" % peer[0], flush=True)
        if u not in r:
            continue
        d, src = u.recvfrom(65535)
        f = d.split(b":", 5)
        if len(f) < 5 or src[0] == me:
            continue
        try:
            cmd = int(f[4])
        except ValueError:
            continue
        mode = cmd & 0xFF
        print("from %s:%d cmd 0x%x" % (src[0], src[1], cmd), flush=True)
        heard.add(src[0])
        if mode == BR_ENTRY:
            pending.append((now + random.uniform(0, delay_max), src, hdr(ANSENTRY | status) + names))
        elif mode == BR_ISGETLIST2 and opt["--list-file"]:
            u.sendto(hdr(OKGETLIST) + b"\0", src)
        elif mode == GETLIST and opt["--list-file"]:
            body = f[5].split(b"\0")[0] if len(f) > 5 else b""
            start = max(0, int(body or b"0")) if body.strip().isdigit() else 0
            utf8 = bool(cmd & (CAPUTF8OPT | UTF8OPT))
            u.sendto(hdr(ANSLIST | (UTF8OPT if utf8 else 0)) + list_page(opt, me, status, start, utf8), src)
            print("sent ANSLIST from %d to %s:%d" % (start, src[0], src[1]), flush=True)
        elif mode == GETINFO:
            u.sendto(hdr(SENDINFO) + b"Win 5.6.10\0", src)
        elif mode == GETPUBKEY and cp:
            u.sendto(hdr(ANSPUBKEY) + cp.anspubkey(keys, int(opt["--capa"], 16), int(f[5].split(b"\0")[0], 16)).encode() + b"\0", src)
        elif mode == ANSPUBKEY and cp:
            body = f[5].split(b"\0")[0].decode()
            peer_keys[src[0]] = body
            if cur.get("state") == "key" and src[0] == dest[0]:
                send_enc(now, body)
        elif mode == RECVMSG and cur.get("state") == "recv" and f[5].split(b"\0")[0] == str(cur["pkt"]).encode():
            print("recvmsg %d" % cur["pkt"], flush=True)
            next_send(now)
        elif mode == SENDMSG and cmd & ENCRYPTOPT and cp:
            if cmd & SENDCHECKOPT:
                u.sendto(hdr(RECVMSG) + f[1] + b"\0", src)
            body = f[5].split(b"\0")[0].decode()
            try:
                if derr[0] > 0:
                    derr[0] -= 1
                    raise ValueError("--decrypt-err")
                plain, sig = cp.decrypt(keys, f[1].decode(), body, peer_keys.get(src[0]))
                text = plain.split(b"\0")[0].decode("utf-8" if cmd & UTF8OPT else "cp932", "replace")
                print("message from %s packet %s encrypted %s sig %s text %s" % (src[0], f[1].decode(), body.split(":")[0], sig, text), flush=True)
            except Exception as e:
                print("decrypt failed from %s packet %s: %s" % (src[0], f[1].decode(), e), flush=True)
                u.sendto(hdr(SENDMSG | AUTORETOPT | NOLOGOPT | UTF8OPT) + DECRYPT_ERR + b"\0", src)
        elif mode == SENDMSG:
            if cmd & SENDCHECKOPT:
                u.sendto(hdr(RECVMSG) + f[1] + b"\0", src)
            cs = "utf-8" if cmd & UTF8OPT else "cp932"
            text = f[5].split(b"\0")[0].decode(cs, "replace") if len(f) > 5 else ""
            print("message from %s packet %s charset %s text %s" % (src[0], f[1].decode(), cs, text), flush=True)
    for h in sorted(heard) + bcasts:
        u.sendto(hdr(BR_EXIT | status) + names, (h, 2425))
    print("exit", flush=True)


if __name__ == "__main__":
    main()
