#!/usr/bin/env python3
# verdicts.py: reads the verdict table (tests/net/verdicts.tab): renders camtrace(1) VERDICTS, lists a cell's runs, checks their --json.
#   verdicts.py cells TAB                 the cell IDs, one per line
#   verdicts.py setup TAB CELL            the cell's set-up lines ("fault ...", "nft ...", "setup ...")
#   verdicts.py runs TAB CELL             one line per run: "N FROM ADDR COMMAND"
#   verdicts.py check TAB CELL DIR        TAP lines ("ok - ..." / "not ok - ...") from DIR/N.json, N.rc
#   verdicts.py suggested TAB CELL DIR    the camtrace commands the doctor runs of DIR suggest, one per line
#   verdicts.py man TAB                   the VERDICTS section (mdoc) camtrace(1) holds
import json, re, sys

TARGETS = {"iptux": ("198.18.2.11", "iptux"), "win": ("198.18.2.12", "the Windows-style peer"),
           "ctd": ("198.18.2.13", "camtraced"), "down": ("198.18.2.99", "an unused address")}
FROM = {"a1": "the other site", "b3": "the same segment", "srv": "the list server"}
COMMANDS = {"doctor": "doctor", "doctor-av": "doctor --av", "doctor-deep": "doctor --deep", "probe": "probe", "route": "route",
            "route-tcp": "route --tcp", "reach": "reach"}
KEYS = {
    "doctor": ("class", "device", "icmp", "protocol", "enc", "suite", "exit"),
    "probe": ("udp", "tcp", "udp_by", "tcp_by", "host", "exit"),
    "route": ("outcome", "hop", "device", "exit"),
    "reach": ("exit",),
}


def parse(path):
    cells, cur = [], None
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"^\[([a-z0-9-]+)\] (.+)$", line)
        if m:
            cur = {"id": m.group(1), "what": m.group(2), "setup": [], "rows": []}
            cells.append(cur)
            continue
        if cur is None:
            sys.exit("%s:%d: a row before the first [cell]" % (path, n))
        w = line.split()
        if w[0] in ("fault", "nft", "setup"):
            cur["setup"].append(line)
            continue
        if len(w) < 5 or w[3] != "=>" or w[0] not in FROM or w[2] not in COMMANDS:
            sys.exit("%s:%d: not FROM TARGETS COMMAND => EXPECT: %s" % (path, n, line))
        exp = {}
        for kv in w[4:]:
            k, _, v = kv.partition("=")
            if k not in KEYS[w[2].split("-")[0]]:
                sys.exit("%s:%d: %s: no key %s (keys: %s)" % (path, n, w[2], k, " ".join(KEYS[w[2].split("-")[0]])))
            exp[k] = v
        for t in w[1].split(","):
            if t not in TARGETS:
                sys.exit("%s:%d: unknown target %s" % (path, n, t))
            cur["rows"].append({"from": w[0], "target": t, "cmd": w[2], "exp": exp, "line": n})
    return cells


def cell(cells, cid):
    for c in cells:
        if c["id"] == cid:
            return c
    sys.exit("no cell %s" % cid)


# ---- what the --json says, per command and key --------------------------------------------

def g(d, *path):
    for p in path:
        if d is None:
            return None
        d = d[p] if isinstance(d, list) and isinstance(p, int) and p < len(d) else \
            d.get(p) if isinstance(d, dict) else None
    return d


def got_doctor(d, rc, k):
    v = d.get("verdict") or {}
    if k == "class":
        return v.get("class")
    if k == "exit":
        return str(rc)
    if k == "protocol":
        return g(v, "evidence", "protocol")
    if k == "icmp":
        ic = g(v, "evidence", "icmp")
        return "%d/%d" % (ic["type"], ic["code"]) if ic else None
    if k == "device":
        dev = v.get("device")
        return dev.split()[0] if dev else None
    if k in ("enc", "suite"):  # doctor --deep: the one user's (--user) deep.encryption / deep.suite
        return g(d, "users", 0, "deep", "encryption" if k == "enc" else "suite")


def got_probe(d, rc, k):
    h = (d.get("hosts") or [{}])[0]
    if k == "exit":
        return str(rc)
    if k in ("udp", "tcp"):
        return g(h, k, "state")
    if k in ("udp_by", "tcp_by"):
        x = g(h, k[:3], "responder")
        return x["role"] if x else "none"
    if k == "host":
        x = h.get("host_down")
        return None if x is None else ("down" if x else "up")


def got_route(d, rc, k):
    if k == "exit":
        return str(rc)
    v = g(d, "verdict") if isinstance(d.get("verdict"), dict) else d
    if k == "outcome":
        return g(v, "outcome")
    if k == "hop":
        x = g(v, "hop")
        return None if x is None else str(x)
    if k == "device":
        return g(v, "device")


def got(cmd, d, rc, k):
    base = cmd.split("-")[0]
    if base == "reach":
        return str(rc)
    return {"doctor": got_doctor, "probe": got_probe, "route": got_route}[base](d, rc, k)


def norm(v):
    if v is None:
        return "-"
    if v is True or v is False:
        return "true" if v else "false"
    return str(v)


def check(cells, cid, rundir):
    c = cell(cells, cid)
    for i, r in enumerate(c["rows"]):
        addr, _ = TARGETS[r["target"]]
        what = "%s: %s from %s to %s (%s)" % (cid, COMMANDS[r["cmd"]], r["from"], r["target"], addr)
        try:
            rc = int(open("%s/%d.rc" % (rundir, i)).read().strip())
        except (OSError, ValueError):
            print("not ok - %s: it did not run" % what)
            continue
        try:
            d = json.load(open("%s/%d.json" % (rundir, i), encoding="utf-8"))
            if not isinstance(d, dict):
                raise ValueError("not an object")
        except (OSError, ValueError) as e:
            if r["cmd"] != "reach" or rc == 2:
                print("not ok - %s: no valid JSON (%s; exit %d)" % (what, e, rc))
                continue
            d = {}
        for k, want in r["exp"].items():
            have = norm(got(r["cmd"], d, rc, k))
            if have == want:
                print("ok - %s: %s %s" % (what, k, want))
            else:
                print("not ok - %s: %s is %s, the table says %s (verdicts.tab line %d)" %
                      (what, k, have, want, r["line"]))


def suggested(cells, cid, rundir):
    """Every camtrace command a doctor run of this cell printed (step commands, fix, hint)."""
    c = cell(cells, cid)
    seen = set()
    for i, r in enumerate(c["rows"]):
        if not r["cmd"].startswith("doctor"):
            continue
        try:
            d = json.load(open("%s/%d.json" % (rundir, i), encoding="utf-8"))
        except (OSError, ValueError):
            continue
        # a step's command field is commands only; in prose, a command is quoted in backticks
        cmds = []
        for s in d.get("steps", []):
            cmds += re.split(r" && |; |\n", s.get("command") or "")
        v = d.get("verdict") or {}
        for t in [v.get("fix") or "", v.get("hint") or "", v.get("finding") or ""] + \
                [e for s in d.get("steps", []) for e in s.get("evidence", [])]:
            cmds += re.findall(r"`(camtrace [^`]*)`", t)
        for part in cmds:
            part = part.strip()
            if part.startswith("camtrace ") and part not in seen:
                seen.add(part)
                print("%s\t%s" % (r["from"], part))


# ---- camtrace(1) VERDICTS ------------------------------------------------------------------

WORDS = {"class": "%s", "device": "device %s", "icmp": "ICMP %s", "protocol": "%s", "enc": "encryption %s",
         "suite": "suite %s", "udp": "UDP %s",
         "tcp": "TCP %s", "udp_by": "UDP answered by %s", "tcp_by": "TCP answered by %s", "host": "host %s",
         "outcome": "%s", "hop": "hop %s", "exit": "exit %s"}


def man(cells):
    out = [".Sh VERDICTS",
           "What", ".Cm doctor , probe , route", "and", ".Cm reach",
           "say for each fault the test lab can make, each kind of peer and each vantage point.",
           "This table is the contract: the test suite builds every row in the lab",
           "(tests/net/400-verdicts.sh) and checks each outcome in the",
           ".Fl -json", "output.",
           "The users are at site B: iptux 0.8.3 at 198.18.2.11, a Windows-style peer at 198.18.2.12",
           "(answers GETINFO, answers BR_ENTRY after up to 4 seconds, CP932 names) and camtraced at",
           "198.18.2.13; the list server is 198.18.1.10 at site A, the router 198.18.1.1 / 198.18.2.1.",
           "Runs are made from the other site (198.18.1.11), the users' own segment, or the list server.",
           "A dash means the field is null: there is nothing to name.",
           ".Bl -tag -width Ds"]
    for c in cells:
        out.append(".It " + " ".join("\\&" + w for w in c["what"].split()))
        out.append(".Bl -dash -compact")
        done = set()
        for r in c["rows"]:
            if r["line"] in done:
                continue
            done.add(r["line"])
            same = [x for x in c["rows"] if x["line"] == r["line"]]
            who = [("%s (%s)" % (TARGETS[x["target"]][1], TARGETS[x["target"]][0])) for x in same]
            who = who[0] if len(who) == 1 else ", ".join(who[:-1]) + " and " + who[-1]
            parts = [WORDS[k] % v for k, v in r["exp"].items()]
            out.append(".It")
            out.append(".Cm %s" % COMMANDS[r["cmd"]])
            out.append("from %s to %s:" % (FROM[r["from"]], who))
            out.append(", ".join(parts) + ".")
        out.append(".El")
    out.append(".El")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    cells = parse(sys.argv[2])
    op = sys.argv[1]
    if op == "cells":
        print("\n".join(c["id"] for c in cells))
    elif op == "setup":
        print("\n".join(cell(cells, sys.argv[3])["setup"]))
    elif op == "runs":
        for i, r in enumerate(cell(cells, sys.argv[3])["rows"]):
            print("%d %s %s %s" % (i, r["from"], TARGETS[r["target"]][0], r["cmd"]))
    elif op == "check":
        check(cells, sys.argv[3], sys.argv[4])
    elif op == "suggested":
        suggested(cells, sys.argv[3], sys.argv[4])
    elif op == "man":
        sys.stdout.write(man(cells))
    else:
        sys.exit("verdicts.py: unknown operation %s" % op)


if __name__ == "__main__":
    main()
