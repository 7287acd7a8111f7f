"""The public log's Merkle tree, exactly as RFC 6962 section 2.1 / RFC 9162 section 2.1 define it, and the C2SP
signed-note checkpoint format. Standard library only: the portal and the stand-alone verifier
(tools/verify_log.py, which has no Django) use this same file.

- leaf hash `SHA-256(0x00 || leaf)`, interior node `SHA-256(0x01 || left || right)`; the tree of n leaves is split
  at k, the largest power of two smaller than n; the empty tree's hash is SHA-256 of nothing;
- inclusion proofs (RFC 9162 2.1.3) and consistency proofs (RFC 9162 2.1.4), made from any function that gives the
  hash of a range of leaves, and their verification algorithms (2.1.3.2, 2.1.4.2);
- a witness's cosignature (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1): a signature line whose key ID is of
  type 0x04 and whose signature covers "cosignature/v1\\ntime <t>\\n" and the checkpoint body, with the timestamp;
- a checkpoint (c2sp.org/tlog-checkpoint): "<origin>\\n<size>\\n<base64 root>\\n", signed as a note
  (c2sp.org/signed-note) by an Ed25519 key: "\\n— <name> <base64(4-byte key hash || signature)>\\n"; the key hash is the
  first 4 bytes of SHA-256(name || 0x0A || 0x01 || public key), the verifier key "<name>+<8 hex>+<base64(0x01 ||
  public key)>".
"""
from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()
ED25519 = 0x01  # the signature type of an Ed25519 note key
COSIGNATURE_V1 = 0x04  # the signature type of an Ed25519 cosigner's key (c2sp.org/tlog-cosignature)


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(hashes: Sequence[bytes]) -> bytes:
    """MTH of the leaves whose leaf hashes are given (a tree held in memory: tests, the verifier)."""
    if not hashes:
        return EMPTY_ROOT
    if len(hashes) == 1:
        return hashes[0]
    k = split(len(hashes))
    return node_hash(root(hashes[:k]), root(hashes[k:]))


class CompactRange:
    """The leaves 0 <= i < size kept as the hashes of their maximal complete subtrees, largest (leftmost) first: at
    most log2(size) + 1 hashes, enough to append leaves and give the root of every later size. What an incremental
    verifier keeps between runs (the "compact range" of the transparency-dev Merkle libraries)."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()):
        if len(hashes) != bin(size).count("1"):
            raise ValueError("a compact range of n leaves has one hash per bit set in n")
        self.size, self.hashes = size, list(hashes)

    def append(self, leaf_hash_: bytes) -> None:
        self.hashes.append(leaf_hash_)
        self.size += 1
        merges = (self.size & -self.size).bit_length() - 1  # subtrees the new leaf completes: trailing zeros of size
        for _ in range(merges):
            right = self.hashes.pop()
            self.hashes.append(node_hash(self.hashes.pop(), right))

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        result = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            result = node_hash(left, result)
        return result


RangeHash = Callable[[int, int], bytes]  # (start, end) -> MTH of the leaves start <= i < end


def inclusion_proof(index: int, size: int, mth: RangeHash) -> list[bytes]:
    """PATH(index, D[0:size]) of RFC 9162 2.1.3.1: the hashes needed to recompute the root from leaf `index`."""
    if not 0 <= index < size:
        raise ValueError("the index must be within the tree")

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n == 1:
            return []
        k = split(n)
        if m < k:
            return path(m, start, start + k) + [mth(start + k, end)]
        return path(m - k, start + k, end) + [mth(start, start + k)]

    return path(index, 0, size)


def consistency_proof(first: int, second: int, mth: RangeHash) -> list[bytes]:
    """PROOF(first, D[0:second]) of RFC 9162 2.1.4.1 (empty when first == second or first == 0)."""
    if not 0 <= first <= second:
        raise ValueError("the first tree must not be larger than the second")
    if first == 0 or first == second:
        return []

    def subproof(m: int, start: int, end: int, complete: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if complete else [mth(start, end)]
        k = split(n)
        if m <= k:
            return subproof(m, start, start + k, complete) + [mth(start + k, end)]
        return subproof(m - k, start + k, end, False) + [mth(start, start + k)]

    return subproof(first, 0, second, True)


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 2.1.3.2: whether `proof` shows the leaf hash `leaf` at `index` in the tree of `size` with that root."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: whether the tree of `second` leaves with `second_root` extends the one of `first` leaves with
    `first_root` (an append-only log never rewrites what it published)."""
    if first > second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0 or not proof:
        return False  # nothing to verify against (RFC 9162: an empty tree is consistent with any, but proves nothing)
    proof = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a complete subtree, its root starts the path
        proof = [first_root] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


# --- checkpoints as signed notes --------------------------------------------------------------------------------

def checkpoint_body(origin: str, size: int, root_hash: bytes) -> str:
    """c2sp.org/tlog-checkpoint: the origin line, the tree size in decimal and the root hash in base64, each followed
    by a newline."""
    if "\n" in origin or not origin:
        raise ValueError("the origin is one non-empty line")
    return f"{origin}\n{size}\n{base64.b64encode(root_hash).decode()}\n"


def key_hash(name: str, public_key: bytes, kind: int = ED25519) -> bytes:
    """The 4-byte key hash of c2sp.org/signed-note: SHA-256(name || "\\n" || type || key)[:4]; type 0x01 for a note
    signer's Ed25519 key, 0x04 for a cosigner's (c2sp.org/tlog-cosignature)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([kind]) + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes, kind: int = ED25519) -> str:
    """The verifier key line: <name>+<8 hex digits of the key hash>+<base64(type || public key)>."""
    return (f"{name}+{key_hash(name, public_key, kind).hex()}+"
            f"{base64.b64encode(bytes([kind]) + public_key).decode()}")


def parse_verifier_key(line: str, kind: int = ED25519) -> tuple[str, bytes]:
    """(name, 32-byte Ed25519 public key) of a verifier key line of that type; ValueError when it is not one or does
    not match."""
    name, hash_hex, encoded = line.strip().split("+", 2)  # the base64 key may hold "+" itself
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != 33 or raw[0] != kind:
        raise ValueError("not an Ed25519 verifier key of this type")
    if key_hash(name, raw[1:], kind).hex() != hash_hex:
        raise ValueError("the key hash does not match the key")
    return name, raw[1:]


def signed_note(body: str, name: str, public_key: bytes, sign: Callable[[bytes], bytes]) -> str:
    """The note: the body, an empty line, and one signature line "— <name> <base64(key hash || signature)>"."""
    signature = sign(body.encode())
    return f"{body}\n\u2014 {name} {base64.b64encode(key_hash(name, public_key) + signature).decode()}\n"


def open_note(note: str, name: str, public_key: bytes, verify: Callable[[bytes, bytes], bool]) -> str:
    """The body of a note signed by the key (`verify(signature, message) -> bool`); ValueError otherwise."""
    body, sep, signatures = note.rpartition("\n\n")
    if not sep:
        raise ValueError("not a signed note")
    body += "\n"
    for line in signatures.splitlines():
        if not line.startswith("\u2014 "):
            continue
        signer, _space, encoded = line[2:].rpartition(" ")
        raw = base64.b64decode(encoded, validate=True)
        if signer == name and raw[:4] == key_hash(name, public_key) and verify(raw[4:], body.encode()):
            return body
    raise ValueError("no valid signature by this key")


def cosigned_message(body: str, timestamp: int) -> bytes:
    """c2sp.org/tlog-cosignature (Ed25519): "cosignature/v1\\n", "time <timestamp>\\n", then the checkpoint's whole
    note body."""
    if not 0 <= timestamp < 2 ** 63:
        raise ValueError("the timestamp does not fit")
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosignature_line(body: str, name: str, public_key: bytes, sign: Callable[[bytes], bytes], timestamp: int) -> str:
    """A cosigner's signature line: "— <name> <base64(key ID || u64 timestamp (big-endian) || signature)>", the key ID
    of type 0x04, the signature over `cosigned_message`."""
    signature = sign(cosigned_message(body, timestamp))
    raw = key_hash(name, public_key, COSIGNATURE_V1) + timestamp.to_bytes(8, "big") + signature
    return f"\u2014 {name} {base64.b64encode(raw).decode()}\n"


def open_cosignature(line: str, body: str, name: str, public_key: bytes,
                     verify: Callable[[bytes, bytes], bool]) -> int:
    """The timestamp of a valid cosignature line by this cosigner over the body; ValueError otherwise."""
    if not line.startswith("\u2014 "):
        raise ValueError("not a signature line")
    signer, _space, encoded = line[2:].strip().rpartition(" ")
    raw = base64.b64decode(encoded, validate=True)
    if signer != name or len(raw) != 4 + 8 + 64 or raw[:4] != key_hash(name, public_key, COSIGNATURE_V1):
        raise ValueError("not this cosigner's signature")
    timestamp = int.from_bytes(raw[4:12], "big")
    if not verify(raw[12:], cosigned_message(body, timestamp)):
        raise ValueError("the cosignature does not verify")
    return timestamp


def parse_checkpoint(body: str) -> tuple[str, int, bytes]:
    """(origin, size, root hash) of a checkpoint body."""
    lines = body.split("\n")
    if len(lines) < 4 or not lines[1].isdigit() or len(lines[1]) > 18:  # a tree size fits 63 bits
        raise ValueError("not a checkpoint")
    return lines[0], int(lines[1]), base64.b64decode(lines[2], validate=True)
