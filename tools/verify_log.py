#!/usr/bin/env python3
"""Verify the pollutant quota registry's public log from outside: no Django, the standard library plus one Ed25519
library (`pip install cryptography`). Run it from the repository (it uses accounting/merkle.py, which is standard
library only):

    python3 tools/verify_log.py https://registry.example               # the checkpoint, and consistency with the last
    python3 tools/verify_log.py https://registry.example --transaction 42   # one ledger transaction's inclusion
    python3 tools/verify_log.py https://registry.example --all         # every leaf against the signed root
    python3 tools/verify_log.py https://registry.example --key "qujing...+1a2b3c4d+AbC..."   # pin the key
    python3 tools/verify_log.py https://registry.example --cosign witness.key --witness "province.example/witness"

As a witness (the provincial bureau, an auditor) it cosigns the checkpoint it found consistent: --cosign names a
file holding the base64 of its 32-byte Ed25519 seed (`--new-witness-key FILE` makes one and prints the verifier key
to give the city: a cosigner key, type 0x04). The cosignature is a c2sp.org/tlog-cosignature line (Ed25519
cosignature/v1: the time and the checkpoint's body signed), posted back to the portal, which publishes it beside the
checkpoint.

It checks the checkpoint's Ed25519 signature with the verifier key (pin the key you trust with --key: the key the
site serves is only good for a first look), then that the log is consistent with the checkpoint it saw last time
(kept in --state; a log that rewrote history fails here: "FORK"), then what was asked. Exit status 0 when all holds,
1 when something does not (the message names the transaction), 2 when the site cannot be read.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from accounting import merkle  # noqa: E402  (standard library only)

API = "/api/v1/public/log/"


class Failure(Exception):
    pass


def fetch(base: str, path: str) -> bytes:
    if not base.startswith(("http://", "https://")):
        print(f"not a web address: {base}", file=sys.stderr)
        raise SystemExit(2)
    try:
        with urllib.request.urlopen(base.rstrip("/") + API + path, timeout=30) as response:  # noqa: S310 (http(s) only)
            return response.read()
    except (urllib.error.URLError, TimeoutError) as exc:
        print(f"cannot read {base}{API}{path}: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def get_json(base: str, path: str) -> dict:
    return json.loads(fetch(base, path))


def ed25519_verifier(public_key: bytes):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(public_key)

    def verify(signature: bytes, message: bytes) -> bool:
        try:
            key.verify(signature, message)
            return True
        except InvalidSignature:
            return False

    return verify


def checkpoint(base: str, key_line: str) -> tuple[int, bytes, str]:
    name, public = merkle.parse_verifier_key(key_line)
    note = fetch(base, "checkpoint").decode()
    try:
        body = merkle.open_note(note, name, public, ed25519_verifier(public))
    except ValueError as exc:
        raise Failure(f"the checkpoint is not signed by {name}: {exc}") from exc
    origin, size, root = merkle.parse_checkpoint(body)
    if origin != name:
        raise Failure(f"the checkpoint's origin {origin!r} is not the key's {name!r}")
    return size, root, note


def consistent(base: str, state: dict, size: int, root: bytes) -> str:
    old_size, old_root = state.get("tree_size"), state.get("root_hash")
    if old_size is None:
        return "first checkpoint seen: nothing to compare yet"
    old_root = bytes.fromhex(old_root)
    if size < old_size:
        raise Failure(f"FORK: the log shrank from {old_size} to {size} leaves")
    if size == old_size:
        if root != old_root:
            raise Failure(f"FORK: two different roots for {size} leaves")
        return f"the same {size} leaves as last time"
    path = [bytes.fromhex(h) for h in get_json(base, f"proof/consistency/?first={old_size}&second={size}")["path"]]
    if not merkle.verify_consistency(old_size, size, old_root, root, path):
        raise Failure(f"FORK: the log of {size} leaves does not extend the one of {old_size} seen before: history "
                      f"was rewritten")
    return f"consistent with the {old_size} leaves seen before"


def leaf(base: str, index: int) -> dict:
    rows = get_json(base, f"leaves/?start={index}&end={index + 1}")["leaves"]
    if not rows:
        raise Failure(f"no leaf {index}")
    return rows[0]


def index_of(base: str, sequence: int, size: int) -> int:
    """The leaves are in ledger order: a binary search by the transaction's sequence number."""
    low, high = 0, size - 1
    while low <= high:
        middle = (low + high) // 2
        found = leaf(base, middle)["transaction"]
        if found == sequence:
            return middle
        low, high = (middle + 1, high) if found < sequence else (low, middle - 1)
    raise Failure(f"transaction #{sequence} is not in the signed log of {size} leaves (yet)")


def included(base: str, row: dict, size: int, root: bytes) -> bool:
    data = base64.b64decode(row["data"])
    path = [bytes.fromhex(h) for h in
            get_json(base, f"proof/inclusion/?index={row['index']}&tree_size={size}")["path"]]
    return merkle.verify_inclusion(row["index"], size, merkle.leaf_hash(data), path, root)


def verify_all(base: str, size: int, root: bytes) -> str:
    rows, start = [], 0
    while start < size:
        rows += get_json(base, f"leaves/?start={start}&end={min(size, start + 1000)}")["leaves"]
        start += 1000
    hashes = [merkle.leaf_hash(base64.b64decode(r["data"])) for r in rows]
    if merkle.root(hashes) == root:
        return f"all {size} leaves give the signed root"
    bad = [f"#{r['transaction']} (leaf {r['index']})" for r in rows if not included(base, r, size, root)]
    raise Failure("the ledger no longer matches the signed log at transaction " + ", ".join(bad or ["?"]))


def cosign(base: str, note: str, seed_file: str, name: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(Path(seed_file).read_text().strip()))
    body = note.rpartition("\n\n")[0] + "\n"
    line = merkle.cosignature_line(body, name, key.public_key().public_bytes_raw(), key.sign, int(time.time()))
    request = urllib.request.Request(  # noqa: S310 (http(s) only: fetch() checked the address)
        base.rstrip("/") + API + "cosign", data=(note + line).encode(), method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (http(s) only, checked)
            return f"cosigned as {name}: {json.loads(response.read())}"
    except urllib.error.HTTPError as exc:
        raise Failure(f"the portal refused the cosignature: {exc.read().decode()[:300]}") from exc


def new_witness_key(path: str, name: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    Path(path).write_text(base64.b64encode(key.private_bytes_raw()).decode() + "\n")
    Path(path).chmod(0o600)
    return merkle.verifier_key(name, key.public_key().public_bytes_raw(), merkle.COSIGNATURE_V1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", help="the portal's address, e.g. https://registry.example")
    parser.add_argument("--key", help="the verifier key you trust (default: the one the site serves)")
    parser.add_argument("--state", default=str(Path.home() / ".quota-registry-log.json"),
                        help="where the last checkpoint seen is kept (for the consistency check)")
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--transaction", type=int, help="check the inclusion of this ledger transaction (its sequence)")
    what.add_argument("--all", action="store_true", help="check every leaf against the signed root")
    parser.add_argument("--cosign", metavar="SEED_FILE", help="as a witness: cosign the checkpoint once it is verified")
    parser.add_argument("--witness", help="the witness's name (with --cosign or --new-witness-key)")
    parser.add_argument("--new-witness-key", metavar="SEED_FILE", help="make a witness key and print its verifier key")
    args = parser.parse_args(argv)
    if args.new_witness_key:
        print(new_witness_key(args.new_witness_key, args.witness or "witness"))
        return 0

    key_line = args.key or fetch(args.site, "key").decode().strip()
    state_path = Path(args.state)
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    try:
        size, root, note = checkpoint(args.site, key_line)
        print(f"checkpoint: {size} leaves, root {root.hex()}, signed by {key_line.split('+', 1)[0]}")
        print(consistent(args.site, state, size, root))
        if args.transaction is not None:
            row = leaf(args.site, index_of(args.site, args.transaction, size))
            if not included(args.site, row, size, root):
                raise Failure(f"transaction #{args.transaction} (leaf {row['index']}) does not match the signed log: "
                              f"the ledger was changed after it was published")
            print(f"transaction #{args.transaction} is leaf {row['index']} of the signed log: included")
        if args.all:
            print(verify_all(args.site, size, root))
        if args.cosign:
            print(cosign(args.site, note, args.cosign, args.witness or "witness"))
    except Failure as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    state_path.write_text(json.dumps({"tree_size": size, "root_hash": root.hex(), "checkpoint": note}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
