#!/usr/bin/env python3
"""repo-rules.py: the confinement rules HACKING states, checked on the source tree; prints TAP lines.

Usage: repo-rules.py TOP_SRCDIR FIRST_TEST_NUMBER; prints "ok N - ..." lines and, last, "# count N".
"""
import os
import re
import sys

top = sys.argv[1]
n = int(sys.argv[2]) - 1

# which areas each area of the engine may include from (its own first); front ends see all
AREAS = {
    'base': ['base'],
    'proto': ['proto', 'base'],
    'probe': ['probe', 'proto', 'base'],
    'capture': ['capture', 'proto', 'base'],
    'bundle': ['bundle', 'capture', 'proto', 'base'],
    'node': ['node', 'probe', 'capture', 'proto', 'base'],
    'doctor': ['doctor', 'node', 'bundle', 'probe', 'capture', 'proto', 'base'],
}
# a third-party header (by pattern) and the only files that may include it
CONFINED = [
    (r'<pcap(/pcap)?\.h>', ['src/lib/capture/capture.c', 'src/lib/capture/pcap-dl.c']),  # the user and its loader
    (r'<libnet\.h>', ['src/lib/probe/inject.c']),
    (r'<cjson/cJSON\.h>|<cJSON\.h>', ['src/lib/base/json.c']),
    (r'<iconv\.h>', ['src/lib/proto/charset.c']),
    (r'<archive(_entry)?\.h>', ['src/lib/bundle/tarball.c']),
    (r'<zlib\.h>', ['src/lib/bundle/tarball.c', 'src/lib/bundle/zlib-dl.c']),  # the user and its loader
    (r'<openssl/', ['src/lib/proto/crypto.c', 'src/lib/proto/crypto-dl.c']),  # the user and its loader
    (r'<n?curses(w)?(/n?curses)?\.h>|<ncursesw/', ['src/camtrace/mon-*.c']),
]
# what the engine never does: print to the standard streams, end the process
ENGINE_BANNED = re.compile(r'(?<![\w.>])(printf|puts|putchar|exit|abort|perror)\s*\(|\bstd(out|err)\b')


def ok(cond, what, detail=()):
    global n
    n += 1
    print(('ok' if cond else 'not ok') + ' %d - %s' % (n, what))
    for d in ([] if cond else detail):
        print('#   ' + d)


def sources(sub):
    out = []
    for d, _, files in os.walk(os.path.join(top, sub)):
        for f in sorted(files):
            if f.endswith(('.c', '.h')):
                out.append(os.path.relpath(os.path.join(d, f), top))
    return sorted(out)


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
    text = re.sub(r'//[^\n]*', '', text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


lib = os.path.join(top, 'src', 'lib')
headers = {}
for area in AREAS:
    for f in os.listdir(os.path.join(lib, area)):
        if f.endswith('.h'):
            headers.setdefault(f, []).append(area)

# 1. every area of the engine is a folder listed here, and no source sits loose in src/lib
loose = [f for f in os.listdir(lib) if f.endswith(('.c', '.h'))]
ok(not loose, 'no source file loose in src/lib (each belongs to an area)', loose)
dirs = sorted(d for d in os.listdir(lib) if os.path.isdir(os.path.join(lib, d)))
ok(dirs == sorted(AREAS), 'the areas of src/lib are ' + ' '.join(sorted(AREAS)), ['found: ' + ' '.join(dirs)])

# 2. a header name is unique across areas (the flat include names stay unambiguous)
dup = ['%s in %s' % (h, ' and '.join(a)) for h, a in sorted(headers.items()) if len(a) > 1]
ok(not dup, 'each header name exists in one area only', dup)

# 3. includes go down only
bad = []
for area, may in AREAS.items():
    for f in sources('src/lib/' + area):
        for m in re.finditer(r'^\s*#\s*include\s+"([^"]+)"', open(os.path.join(top, f)).read(), re.M):
            h = m.group(1)
            if h == 'config.h':
                continue
            where = headers.get(h)
            if not where:
                bad.append('%s includes "%s", which is in no area' % (f, h))
            elif where[0] not in may:
                bad.append('%s (%s) includes "%s" of %s' % (f, area, h, where[0]))
ok(not bad, 'no include from a lower area into a higher one', bad)

# 4. third-party headers stay in their one file
allsrc = sources('src')
for pat, allowed in CONFINED:
    rx = re.compile(r'^\s*#\s*include\s+' + pat, re.M)
    offenders = []
    for f in allsrc:
        if rx.search(open(os.path.join(top, f), errors='replace').read()):
            if not any(re.fullmatch(a.replace('.', r'\.').replace('*', '.*'), f) for a in allowed):
                offenders.append(f)
    ok(not offenders, '%s only in %s' % (pat, ', '.join(allowed)), offenders)

# 5. the engine neither prints nor exits (the log sinks the front ends install are the one exception)
SINKS = ['src/lib/base/log.c', 'src/lib/base/logsink.c']
bad = []
for f in sources('src/lib'):
    if f in SINKS:
        continue
    for i, line in enumerate(strip_comments(open(os.path.join(top, f)).read()).split('\n'), 1):
        if ENGINE_BANNED.search(line) and 'format(printf' not in line:
            bad.append('%s:%d: %s' % (f, i, line.strip()))
ok(not bad, 'the engine never prints to stdout/stderr nor exits', bad)

# 6. files stay small: none in src/ over MAX_FILE_LINES lines
MAX_FILE_LINES = 800
big = []
for f in sources('src'):
    lines = open(os.path.join(top, f), errors='replace').read().count('\n')
    if lines > MAX_FILE_LINES:
        big.append('%s: %d lines' % (f, lines))
ok(not big, 'no source file over %d lines (split it by concept)' % MAX_FILE_LINES, big)

# 7. the front ends stay thin: no function over MAX_FRONT_FN lines (a "{" and "}" in column 0
# open and close a function in this tree's style)
MAX_FRONT_FN = 100
long_fn = []
for f in sources('src/camtrace') + sources('src/camtraced'):
    lines = open(os.path.join(top, f), errors='replace').read().split('\n')
    start = None
    for i, line in enumerate(lines):
        if line.startswith('{') and start is None:
            start = i
        elif line.startswith('}') and start is not None:
            if i - start + 1 > MAX_FRONT_FN:
                j = start - 1
                while j > 0 and '(' not in lines[j]:
                    j -= 1
                long_fn.append('%s:%d: %d lines: %s' % (f, start + 1, i - start + 1, lines[j].strip()[:60]))
            start = None
ok(not long_fn, 'no front-end function over %d lines' % MAX_FRONT_FN, long_fn)

# 8. our private keys: only keys.c names their files (so no bundle, log or status path reads
# them: camtrace bundle takes the daemon's state through the control socket alone)
KEY_FILES = re.compile(r'CT_KEYS_FILE_|key-rsa(1024|2048)')
KEY_OWNERS = ['src/lib/node/keys.c', 'src/lib/node/keys.h']
bad = [f for f in sources('src') if f not in KEY_OWNERS and KEY_FILES.search(open(os.path.join(top, f), errors='replace').read())]
ok(not bad, 'private key files are named only in ' + ', '.join(KEY_OWNERS), bad)

print('# count %d' % n)
