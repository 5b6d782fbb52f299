#!/usr/bin/env python3
# ctlq.py: tiny camtraced control-socket client for the network tests (hello, one call, print the result as JSON).
# usage: ctlq.py SOCKET METHOD [PARAMS-JSON]      exit 0 = result, 1 = error reply, 2 = no daemon
import json, socket, sys

def main():
    if len(sys.argv) < 3:
        print("usage: ctlq.py SOCKET METHOD [PARAMS-JSON]", file=sys.stderr)
        return 2
    path, method = sys.argv[1], sys.argv[2]
    params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    try:
        s.connect(path)
    except OSError as e:
        print("ctlq: %s: %s" % (path, e), file=sys.stderr)
        return 2
    f = s.makefile("rwb")
    def call(i, m, p):
        f.write((json.dumps({"id": i, "method": m, "params": p}) + "\n").encode())
        f.flush()
        while True:
            line = f.readline()
            if not line:
                raise SystemExit("ctlq: connection closed")
            msg = json.loads(line)
            if msg.get("id") == i:
                return msg
    call(1, "hello", {"protocol": 1, "client": "ctlq"})
    r = call(2, method, params)
    if "error" in r:
        print(json.dumps(r["error"], ensure_ascii=False))
        return 1
    print(json.dumps(r.get("result", {}), ensure_ascii=False))
    return 0

sys.exit(main())
