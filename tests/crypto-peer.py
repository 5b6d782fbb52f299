#!/usr/bin/env python3
"""crypto-peer.py: a small independent IP Messenger encryption peer (Debian's python3-cryptography) following the Windows v4.99 rules of crypto-interop.md.

Usage:
  crypto-peer.py anspubkey KEYS CAPA REQCAPA          print our ANSPUBKEY body
  crypto-peer.py encrypt KEYS ANSPUBKEY PKTNO [CAPA]  stdin plaintext -> encrypted body on stdout
  crypto-peer.py decrypt KEYS PKTNO [SENDER_ANSPUBKEY] stdin body -> plaintext on stdout; stderr "sig=..."
  crypto-peer.py seeds FIXTURES OUTDIR                fuzz seeds for tests/fuzz/fuzz-crypto.c
KEYS is "PEM2048,PEM1024" (files). Exit 0 ok, 1 failure (reason on stderr).
"""
import base64
import os
import re
import sys
import warnings

warnings.filterwarnings('ignore')
from cryptography.hazmat.primitives import hashes, padding, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding as apad, rsa  # noqa: E402
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: E402

RSA_1024, RSA_2048 = 0x2, 0x4
BF_128, AES_256 = 0x20000, 0x100000
PNIV, B64 = 0x800000, 0x1000000
SHA1, SHA256 = 0x20000000, 0x40000000
OUR_CAPA = 0x61920006


def load_keys(spec):
    return [serialization.load_pem_private_key(open(f, 'rb').read(), None) for f in spec.split(',')]


def anspubkey(keys, capa, req):
    k = keys[0] if (capa & req) & RSA_2048 else keys[1]
    n = k.public_key().public_numbers()
    return '%X:%X-%s' % (capa, n.e, n.n.to_bytes(k.key_size // 8, 'big').hex())


def parse_pub(body):
    capa, rest = body.split(':', 1)
    e, n = rest.split('-', 1)
    return int(capa, 16), rsa.RSAPublicNumbers(int(e, 16), int(n, 16)).public_key()


def iv_of(capa, pktno):
    iv = (pktno.encode()[:15] if capa & PNIV else b'').ljust(16, b'\0')
    return iv


def sym(capa, key, iv, data, enc):
    alg = algorithms.AES(key) if capa & AES_256 else algorithms.Blowfish(key)
    bs = alg.block_size
    c = Cipher(alg, modes.CBC(iv[:bs // 8]))
    if enc:
        p = padding.PKCS7(bs).padder()
        e = c.encryptor()
        return e.update(p.update(data) + p.finalize()) + e.finalize()
    d = c.decryptor()
    u = padding.PKCS7(bs).unpadder()
    return u.update(d.update(data) + d.finalize()) + u.finalize()


def field(capa, b):
    return base64.b64encode(b).decode() if capa & B64 else b.hex()


def unfield(capa, s):
    return base64.b64decode(s, validate=True) if capa & B64 else bytes.fromhex(s)


def encrypt(keys, peer_body, pktno, plain, force=None, signed=None):
    """signed: the bytes the signature covers (default: all of plain, as Windows; the Mac signs
    text+NUL only)."""
    pcapa, pub = parse_pub(peer_body)
    capa = pcapa & OUR_CAPA
    if force is not None:
        capa = force
    elif pub.key_size == 2048 and capa & RSA_2048 and capa & AES_256:
        keep = SHA256 if capa & SHA256 else SHA1
        capa &= RSA_2048 | AES_256 | keep | PNIV | B64
    elif pub.key_size == 1024 and capa & RSA_1024 and capa & BF_128:
        capa &= RSA_1024 | BF_128 | PNIV | B64
    else:
        raise SystemExit('no common cipher')
    key = os.urandom(32 if capa & AES_256 else 16)
    out = '%X:%s:%s' % (capa, field(capa, pub.encrypt(key, apad.PKCS1v15())),
                        field(capa, sym(capa, key, iv_of(capa, pktno), plain, True)))
    if capa & (SHA1 | SHA256):
        h = hashes.SHA256() if capa & SHA256 else hashes.SHA1()
        out += ':' + field(capa, keys[0].sign(plain if signed is None else signed, apad.PKCS1v15(), h))
    return out


def decrypt(keys, pktno, body, sender=None):
    f = body.split(':')
    capa = int(f[0], 16)
    k = keys[0] if capa & RSA_2048 else keys[1]
    key = k.decrypt(unfield(capa, f[1]), apad.PKCS1v15())
    plain = sym(capa, key, iv_of(capa, pktno), unfield(capa, f[2]), False)
    sig = 'none'
    if len(f) > 3:
        sig = 'no_key'
        if sender:
            h = hashes.SHA256() if capa & SHA256 else hashes.SHA1()
            pub = parse_pub(sender)[1]
            try:
                pub.verify(unfield(capa, f[3]), plain, apad.PKCS1v15(), h)
                sig = 'ok'
            except Exception:
                sig = 'bad'
    return plain, sig


def seeds(fixtures, outdir):
    text = open(fixtures).read()
    pems = {}
    for m in re.finditer(r'static const char (FX_PEM_\w+)\[\] =\n((?:\t".*"\n?)+);', text):
        pems[m.group(1)] = '\n'.join(re.findall(r'"(.*)\\n"', m.group(2))) + '\n'

    def key(name):
        return serialization.load_pem_private_key(pems[name].encode(), None)
    a = [key('FX_PEM_A2048'), key('FX_PEM_A1024')]
    b = [key('FX_PEM_B2048'), key('FX_PEM_B1024')]
    bpub2 = anspubkey(b, 0x65920006, OUR_CAPA)
    bpub1 = anspubkey(b, 0x65920006, RSA_1024)
    os.makedirs(outdir, exist_ok=True)
    msg = b'seed text\n\0'
    out = {
        'dec-aes-sha256-b64': encrypt(a, bpub2, '1700000300', msg),
        'dec-aes-sha1-hex': encrypt(a, bpub2, '42', msg, RSA_2048 | AES_256 | SHA1 | PNIV),
        'dec-bf-b64': encrypt(a, bpub1, '1700000301', msg),
        'dec-aes-unsigned-zero-iv': encrypt(a, bpub2, '1', msg, RSA_2048 | AES_256),
        'dec-rsa1024-aes': encrypt(a, bpub1, '7', msg, RSA_1024 | AES_256 | PNIV),
        'dec-attach-mac': encrypt(a, bpub2, '9', b'text\0attach\0', None),
    }
    for name, body in out.items():
        pn = {'dec-aes-sha256-b64': '1700000300', 'dec-aes-sha1-hex': '42', 'dec-bf-b64': '1700000301',
              'dec-aes-unsigned-zero-iv': '1', 'dec-rsa1024-aes': '7', 'dec-attach-mac': '9'}[name]
        open(os.path.join(outdir, name), 'wb').write(b'd' + pn.encode() + b'\n' + body.encode())
    short = {
        'dec-empty': b'd1\n', 'dec-two-fields': b'd1\n41900004:abcd', 'dec-five-fields': b'd1\n4:a:b:c:d',
        'dec-bad-b64': b'd1\n41900004:@@@@:AAAA:AAAA', 'dec-word-bad': b'd1\nzz:00:00',
        'key-ansp-2048': b'kbob-<' + b'0' * 16 + b'>\n' + bpub2.encode(),
        'key-ansp-1024': b'k\n' + bpub1.encode(), 'key-trunc': b'k\n61920006:10001',
        'key-odd': b'k\n61920006:10001-' + bpub1.split('-')[1][1:].encode(),
        'key-exp-big': b'k\n61920006:1000000001-' + bpub1.split('-')[1].encode(),
        'enc-b64': b'eZm9vYmE=', 'enc-hex': b'e0aBC', 'enc-name': b'ealice-<0123456789abcdef>',
        'enc-decrypterr': b'e==== AutoReply(DecryptErr) ====',
    }
    for name, data in short.items():
        open(os.path.join(outdir, name), 'wb').write(data)


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ''
    try:
        if cmd == 'anspubkey':
            print(anspubkey(load_keys(argv[2]), int(argv[3], 16), int(argv[4], 16)))
        elif cmd == 'encrypt':
            force = int(argv[5], 16) if len(argv) > 5 else None
            sys.stdout.write(encrypt(load_keys(argv[2]), argv[3], argv[4], sys.stdin.buffer.read(), force))
        elif cmd == 'decrypt':
            plain, sig = decrypt(load_keys(argv[2]), argv[3], sys.stdin.read().strip(), argv[4] if len(argv) > 4 else None)
            sys.stdout.buffer.write(plain)
            sys.stderr.write('sig=%s\n' % sig)
        elif cmd == 'seeds':
            seeds(argv[2], argv[3])
        else:
            sys.stderr.write(__doc__)
            return 2
    except SystemExit as e:
        sys.stderr.write('%s\n' % e)
        return 1
    except Exception as e:  # a failed decryption: say what
        sys.stderr.write('error: %s: %s\n' % (type(e).__name__, e))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
