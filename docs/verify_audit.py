#!/usr/bin/env python3
"""Independent verifier of Databox audit exports (docs/audit.md). Python 3.8+, standard library;
the checkpoint signature is checked when the `cryptography` package is installed.

  verify_audit.py EXPORT.jsonl [--expect-full]   strict, byte-exact check of a JSON Lines export
  verify_audit.py --bundle BUNDLE.json           entries + inclusion proofs against a signed checkpoint
                                                 (and the consistency proof from an older one, if present)
Exit status 0 when everything verifies, 1 with the first problem (naming the seq) otherwise."""
import base64, hashlib, json, sys

class Num(str): pass  # numbers are kept as written, then checked to be canonical

def js_number(text):
    """ECMAScript Number::toString of the number `text` denotes (what the box writes)."""
    x = float(text)
    if x == 0: return '0'
    sign, r = ('-', repr(-x)) if x < 0 else ('', repr(x))
    mant, _, exp = r.partition('e')
    whole, _, frac = mant.partition('.')
    digits = (whole + frac.rstrip('0')).lstrip('0') if frac != '0' else whole.lstrip('0')
    n = len(whole.lstrip('0')) + int(exp or 0) if whole.strip('0') else int(exp or 0) - (len(frac) - len(frac.lstrip('0')))
    digits = digits.rstrip('0') or '0'; k = len(digits)
    if k <= n <= 21: s = digits + '0' * (n - k)
    elif 0 < n <= 21: s = digits[:n] + '.' + digits[n:]
    elif -6 < n <= 0: s = '0.' + '0' * -n + digits
    else: s = digits[0] + ('.' + digits[1:] if k > 1 else '') + 'e' + ('+' if n - 1 >= 0 else '-') + str(abs(n - 1))
    return sign + s

def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if dup is not None: raise ValueError(f'duplicate key "{dup}"')
    return dict(pairs)

def canon(v):
    if isinstance(v, dict):
        keys = sorted(v, key=lambda k: k.encode('utf-16-be'))  # UTF-16 code unit order
        return '{' + ','.join(json.dumps(k, ensure_ascii=False) + ':' + canon(v[k]) for k in keys) + '}'
    if isinstance(v, list): return '[' + ','.join(canon(x) for x in v) + ']'
    if isinstance(v, Num):
        if js_number(v) != v: raise ValueError(f'number {v} is not in canonical form (expected {js_number(v)})')
        return str(v)
    return json.dumps(v, ensure_ascii=False)

def check_line(line):
    """Parses one export line strictly; returns the entry or raises ValueError."""
    e = json.loads(line, parse_int=Num, parse_float=Num, object_pairs_hook=no_duplicates)
    if list(e) != ['seq', 'ts', 'actor', 'action', 'subject', 'details', 'prevHash', 'hash']:
        raise ValueError('keys are not exactly seq, ts, actor, action, subject, details, prevHash, hash')
    body = canon({k: e[k] for k in ('seq', 'ts', 'actor', 'action', 'subject', 'details')})
    exact = ('{"seq":%s,"ts":%s,"actor":%s,"action":%s,"subject":%s,"details":%s,"prevHash":%s,"hash":%s}' % (
        e['seq'], e['ts'], *(json.dumps(e[k], ensure_ascii=False) for k in ('actor', 'action', 'subject')),
        canon(e['details']), json.dumps(e['prevHash']), json.dumps(e['hash'])))
    if exact != line: raise ValueError('the line is not in canonical form (spacing, key order or escapes)')
    if hashlib.sha256((e['prevHash'] + body).encode()).hexdigest() != e['hash']: raise ValueError('hash mismatch')
    return e

def verify_jsonl(path, expect_full):
    prev, n, gaps = None, 0, 0
    with open(path, encoding='utf-8', newline='') as f:
        for no, raw in enumerate(f, 1):
            line = raw[:-1] if raw.endswith('\n') else raw
            try: e = check_line(line)
            except (ValueError, KeyError, TypeError) as err: return fail(f'line {no}: {err}')
            seq = int(e['seq'])
            if prev and seq <= prev[0]: return fail(f'line {no}: seq {seq}: not in ascending order')
            if expect_full and seq != (prev[0] + 1 if prev else 1):
                return fail(f'line {no}: seq {seq}: entries {prev[0] + 1 if prev else 1}..{seq - 1} are missing')
            link = '0' * 64 if seq == 1 else prev[1] if prev and seq == prev[0] + 1 else None
            gaps += link is None and prev is not None
            if link is not None and e['prevHash'] != link: return fail(f'line {no}: seq {seq}: prev_hash does not link')
            prev, n = (seq, e['hash']), n + 1
    print(f'ok: {n} entries, {gaps} gaps, head seq {prev[0]} hash {prev[1]}' if prev else 'ok: no entries')
    return 0

# ---- RFC 9162 Merkle tree: leaf = SHA-256(0x00 || entry hash bytes), node = SHA-256(0x01 || l || r)
def leaf(entry_hash_hex): return hashlib.sha256(b'\x00' + bytes.fromhex(entry_hash_hex)).digest()
def node(l, r): return hashlib.sha256(b'\x01' + l + r).digest()

def inclusion_ok(index, size, h, path, root):
    if index >= size: return False
    fn, sn = index, size - 1
    for p in path:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            h = node(p, h)
            while not fn & 1 and fn != 0: fn, sn = fn >> 1, sn >> 1
        else: h = node(h, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and h == root

def consistency_ok(size1, size2, root1, root2, proof):
    if size1 == size2: return not proof and root1 == root2
    if size1 == 0: return not proof
    if size1 > size2 or not proof: return False
    if size1 & (size1 - 1) == 0: proof = [root1] + proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1: fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            while not fn & 1 and fn != 0: fn, sn = fn >> 1, sn >> 1
        else: sr = node(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == root1 and sr == root2 and sn == 0

def read_checkpoint(note, vkey):
    """C2SP tlog-checkpoint signed by the verifier key `name+keyid+base64(0x01||key)`: (size, root)."""
    name, keyid, key = vkey.split('+', 2); key = base64.b64decode(key)[1:]
    text, _, sigs = note.partition('\n\n')
    origin, size, root = text.split('\n')
    if origin != name: raise ValueError(f'checkpoint origin {origin} is not {name}')
    want = hashlib.sha256(name.encode() + b'\n\x01' + key).digest()[:4]
    if want.hex() != keyid: raise ValueError('verifier key id does not match the key')
    sig = next((base64.b64decode(l.split(' ')[2]) for l in sigs.split('\n') if l.startswith('\u2014 ' + name + ' ')), None)
    if sig is None or sig[:4] != want: raise ValueError(f'no signature by {name}')
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        Ed25519PublicKey.from_public_bytes(key).verify(sig[4:], (text + '\n').encode())  # raises if bad
        checked = 'signature verified'
    except ImportError: checked = 'signature NOT checked (pip install cryptography)'
    except Exception: raise ValueError('the checkpoint signature does not verify')
    return int(size), base64.b64decode(root), checked

def verify_bundle(path):
    b = json.load(open(path, encoding='utf-8'))
    try: size, root, checked = read_checkpoint(b['checkpoint'], b['verifierKey'])
    except ValueError as err: return fail(f'checkpoint: {err}')
    for line, proof in zip(b['entries'], b['proofs']):
        try: e = check_line(line)
        except (ValueError, KeyError, TypeError) as err: return fail(f'entry {line[:40]}: {err}')
        seq = int(e['seq'])
        if not inclusion_ok(seq - 1, size, leaf(e['hash']), [base64.b64decode(p) for p in proof], root):
            return fail(f'seq {seq}: the inclusion proof does not lead to the checkpoint root (entry not in the signed log)')
    if len(b['entries']) != len(b['proofs']): return fail('entries and proofs differ in number')
    if b.get('consistency'):
        c = b['consistency']
        try: old_size, old_root, _ = read_checkpoint(c['checkpoint'], b['verifierKey'])
        except ValueError as err: return fail(f'older checkpoint: {err}')
        if not consistency_ok(old_size, size, old_root, root, [base64.b64decode(p) for p in c['proof']]):
            return fail(f'the log at {size} entries does not extend the checkpoint at {old_size} (rewritten or forked)')
        print(f'consistent: the checkpoint at {old_size} entries is a prefix of the one at {size}')
    print(f'ok: {len(b["entries"])} entries included in the log of {size} entries ({checked})')
    return 0

def fail(message):
    print(message, file=sys.stderr); return 1

if __name__ == '__main__':
    args = sys.argv[1:]
    if args[:1] == ['--bundle']: sys.exit(verify_bundle(args[1]))
    sys.exit(verify_jsonl(args[0], '--expect-full' in args))
