"""The public log's tree and checkpoints (issue 17): RFC 6962 / 9162 hashes and proofs against the Certificate
Transparency reference vectors, every proof of every small tree verified (and every tampered one refused), and the
C2SP signed-note checkpoint."""
import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from accounting import merkle

# The reference leaves of RFC 6962's test data (certificate-transparency) and the roots of their first n
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f")]
ROOTS = ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]


def in_memory(hashes):
    return lambda start, end: merkle.root(hashes[start:end])


def test_roots_match_the_reference():
    hashes = [merkle.leaf_hash(leaf) for leaf in LEAVES]
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n in range(1, 9):
        assert merkle.root(hashes[:n]).hex() == ROOTS[n - 1]


@pytest.mark.parametrize(("index", "path"), [
    (0, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
         "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
         "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
         "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
])
def test_inclusion_proofs_match_the_reference(index, path):
    hashes = [merkle.leaf_hash(leaf) for leaf in LEAVES]
    proof = merkle.inclusion_proof(index, 8, in_memory(hashes))
    assert [p.hex() for p in proof] == path
    assert merkle.verify_inclusion(index, 8, hashes[index], proof, bytes.fromhex(ROOTS[7]))


def test_every_proof_of_every_tree_up_to_40_leaves_verifies_and_no_tampered_one_does():
    hashes = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(40)]
    mth = in_memory(hashes)
    roots = [merkle.root(hashes[:n]) for n in range(41)]
    for size in range(1, 41):
        for index in range(size):
            proof = merkle.inclusion_proof(index, size, mth)
            assert len(proof) <= (size - 1).bit_length()  # O(log n) hashes
            assert merkle.verify_inclusion(index, size, hashes[index], proof, roots[size])
            assert not merkle.verify_inclusion(index, size, merkle.leaf_hash(b"forged"), proof, roots[size])
            if proof:
                bent = [proof[0][:-1] + bytes([proof[0][-1] ^ 1])] + proof[1:]
                assert not merkle.verify_inclusion(index, size, hashes[index], bent, roots[size])
        for first in range(1, size + 1):
            proof = merkle.consistency_proof(first, size, mth)
            assert len(proof) <= 2 * (size - 1).bit_length() + 1
            assert merkle.verify_consistency(first, size, roots[first], roots[size], proof), (first, size)
            if first < size:  # a forked log: another first tree is not consistent with this one
                forged = merkle.root(hashes[:first - 1] + [merkle.leaf_hash(b"rewritten")])
                assert not merkle.verify_consistency(first, size, forged, roots[size], proof)


def test_checkpoint_is_a_signed_note_the_verifier_key_opens():
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    name = "qujing.example/quota-log"
    body = merkle.checkpoint_body(name, 8, bytes.fromhex(ROOTS[7]))
    assert body == f"{name}\n8\n{base64.b64encode(bytes.fromhex(ROOTS[7])).decode()}\n"
    note = merkle.signed_note(body, name, public, key.sign)
    assert note.startswith(body + "\n\u2014 " + name + " ")
    line = merkle.verifier_key(name, public)
    assert line.split("+", 2)[0] == name and len(line.split("+", 2)[1]) == 8
    parsed_name, parsed_key = merkle.parse_verifier_key(line)

    def verify(signature, message):
        try:
            key.public_key().verify(signature, message)
            return True
        except Exception:
            return False

    assert merkle.open_note(note, parsed_name, parsed_key, verify) == body
    assert merkle.parse_checkpoint(body) == (name, 8, bytes.fromhex(ROOTS[7]))
    with pytest.raises(ValueError):
        merkle.open_note(note.replace("\n8\n", "\n9\n"), parsed_name, parsed_key, verify)  # a changed size
    other = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError):
        merkle.open_note(merkle.signed_note(body, name, other.public_key().public_bytes_raw(), other.sign),
                         parsed_name, parsed_key, verify)
