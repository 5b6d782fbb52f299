#!/usr/bin/env python3
# ctlsub.py: camtraced event subscriber for the network tests: hello, subscribe, append every line received to a file.
# usage: ctlsub.py SOCKET OUTFILE [EVENTS-JSON [SNAPSHOT(1|0)]]   runs until the daemon closes or SIGTERM
# OUTFILE gets the subscribe reply's result as {"reply": ...}, then each event line as it came.
# ev.py-style queries for the tests: ctlsub.py --find OUTFILE PY-EXPR prints the first event e
# (a dict) for which PY-EXPR is true, as JSON; exit 1 when none.
import json, signal, socket, sys

def find(path, expr):
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            try:
                if eval(expr, {}, {"e": e}):
                    print(json.dumps(e, ensure_ascii=False))
                    return 0
            except (KeyError, TypeError, IndexError):
                continue
    return 1

def main():
    if len(sys.argv) > 3 and sys.argv[1] == "--find":
        return find(sys.argv[2], sys.argv[3])
    path, outp = sys.argv[1], sys.argv[2]
    events = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
    snap = len(sys.argv) <= 4 or sys.argv[4] != "0"
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    f = s.makefile("rwb")
    out = open(outp, "a", encoding="utf-8")
    def send(i, m, p):
        f.write((json.dumps({"id": i, "method": m, "params": p}) + "\n").encode())
        f.flush()
    send(1, "hello", {"protocol": 1, "client": "ctlsub"})
    if "result" not in json.loads(f.readline()):
        return 1
    send(2, "subscribe", {"events": events, "snapshot": snap})
    for line in f:
        msg = json.loads(line)
        if msg.get("id") == 2:
            out.write(json.dumps({"reply": msg.get("result", msg.get("error"))}, ensure_ascii=False) + "\n")
        else:
            out.write(line.decode("utf-8"))
        out.flush()
    return 0

sys.exit(main())
