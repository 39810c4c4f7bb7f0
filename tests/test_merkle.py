"""The RFC 9162 Merkle tree: the certificate-transparency test vectors, corrupted proofs, properties.

Vectors (leaves, roots of sizes 1..8, inclusion and consistency proofs, hasher known
answers) are those of the RFC 6962 reference implementations (transparency-dev/merkle,
proof/verify_test.go and rfc6962/rfc6962_test.go).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.merkle import EMPTY_ROOT, Frontier, MemoryTree, event_leaf, leaf_hash, node_hash
from domain.merkle_verify import ProofError, root_from_inclusion, verify_consistency, verify_inclusion

h = bytes.fromhex
LEAVES = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
ROOTS = [
    h(x)
    for x in (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]
INCLUSION = [  # (leaf number counted from 1, tree size, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        2,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CONSISTENCY = [  # (size1, size2, proof)
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
TREE = MemoryTree([leaf_hash(x) for x in LEAVES])


def test_the_hasher_matches_the_rfc6962_known_answers() -> None:
    assert h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855") == EMPTY_ROOT
    assert leaf_hash(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == h("395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56")
    assert node_hash(b"N123", b"N456") == h("aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb")
    assert leaf_hash(node_hash(b"a" * 32, b"b" * 32)) != node_hash(b"a" * 32, b"b" * 32)  # second preimage


def test_the_roots_of_every_size_match_the_vectors() -> None:
    assert [TREE.root(n) for n in range(1, 9)] == ROOTS
    assert TREE.root(0) == EMPTY_ROOT


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION, ids=lambda v: str(v)[:12])
def test_inclusion_proofs_match_the_vectors_and_verify(leaf: int, size: int, proof: list[str]) -> None:
    expected = [h(p) for p in proof]
    assert TREE.inclusion_proof(leaf - 1, size) == expected
    verify_inclusion(leaf - 1, size, leaf_hash(LEAVES[leaf - 1]), expected, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY, ids=lambda v: str(v)[:12])
def test_consistency_proofs_match_the_vectors_and_verify(old: int, new: int, proof: list[str]) -> None:
    expected = [h(p) for p in proof]
    assert TREE.consistency_proof(old, new) == expected
    verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], expected)


def _accepted(verify: Callable[..., None], probes: dict[str, tuple]) -> list[str]:
    """The names of the corrupted proofs that a verifier wrongly accepts."""
    accepted = []
    for name, args in probes.items():
        try:
            verify(*args)
            accepted.append(name)
        except ProofError:
            pass
    return accepted


def _inclusion_probes(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> dict[str, tuple]:
    probes = {
        "index-1": (index - 1, size, leaf, proof, root),
        "index+1": (index + 1, size, leaf, proof, root),
        "index^2": (index ^ 2, size, leaf, proof, root),
        "size*2": (index, size * 2, leaf, proof, root),
        "size/2": (index, size // 2, leaf, proof, root),
        "wrong leaf": (index, size, b"WrongLeaf", proof, root),
        "empty root": (index, size, leaf, proof, EMPTY_ROOT),
        "random root": (index, size, leaf, proof, SOME_HASH),
        "trailing garbage": (index, size, leaf, [*proof, b""], root),
        "trailing root": (index, size, leaf, [*proof, root], root),
        "preceding garbage": (index, size, leaf, [b"", *proof], root),
        "preceding root": (index, size, leaf, [root, *proof], root),
    }
    for i in range(len(proof)):
        flipped = list(proof)
        flipped[i] = bytes([proof[i][0] ^ 8]) + proof[i][1:]
        probes[f"bit flipped in proof[{i}]"] = (index, size, leaf, flipped, root)
    if proof:
        probes["removed component"] = (index, size, leaf, proof[:-1], root)
    if len(proof) > 1:
        probes["inserted component"] = (index, size, leaf, [proof[0], SOME_HASH, *proof[1:]], root)
    return probes


@pytest.mark.parametrize(("leaf", "size", "proof"), INCLUSION[1:], ids=lambda v: str(v)[:12])
def test_every_corrupted_inclusion_proof_is_refused(leaf: int, size: int, proof: list[str]) -> None:
    probes = _inclusion_probes(leaf - 1, size, leaf_hash(LEAVES[leaf - 1]), [h(p) for p in proof], ROOTS[size - 1])
    assert _accepted(verify_inclusion, probes) == []


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY[1:], ids=lambda v: str(v)[:12])
def test_every_corrupted_consistency_proof_is_refused(old: int, new: int, proof: list[str]) -> None:
    p, r1, r2 = [h(x) for x in proof], ROOTS[old - 1], ROOTS[new - 1]
    probes = {
        "old-1": (old - 1, new, r1, r2, p),
        "old+1": (old + 1, new, r1, r2, p),
        "old^2": (old ^ 2, new, r1, r2, p),
        "new*2": (old, new * 2, r1, r2, p),
        "new/2": (old, new // 2, r1, r2, p),
        "wrong root1": (old, new, b"WrongRoot", r2, p),
        "wrong root2": (old, new, r1, b"WrongRoot", p),
        "swapped roots": (old, new, r2, r1, p),
        "empty proof": (old, new, r1, r2, []),
        "trailing garbage": (old, new, r1, r2, [*p, b""]),
        "trailing root1": (old, new, r1, r2, [*p, r1]),
        "trailing root2": (old, new, r1, r2, [*p, r2]),
        "preceding garbage": (old, new, r1, r2, [b"", *p]),
        "preceding root1": (old, new, r1, r2, [r1, *p]),
        "preceding root2": (old, new, r1, r2, [r2, *p]),
        "preceding proof[0]": (old, new, r1, r2, [p[0], *p]),
        "truncated proof": (old, new, r1, r2, p[:-1]),
    }
    for i in range(len(p)):
        flipped = list(p)
        flipped[i] = bytes([p[i][0] ^ 16]) + p[i][1:]
        probes[f"bit flipped in proof[{i}]"] = (old, new, r1, r2, flipped)
    assert _accepted(verify_consistency, probes) == []


def test_trivial_consistency_cases() -> None:
    one, two = leaf_hash(b"1"), leaf_hash(b"2")
    verify_consistency(0, 0, one, one, [])  # sizes that are always consistent
    verify_consistency(0, 1, one, two, [])
    verify_consistency(1, 1, two, two, [])
    for args, message in [
        ((1, 1, one, two, []), "two different roots for the same size 1"),
        ((1, 0, one, two, []), "size 0 is smaller than the earlier size 1: the log shrank"),
        ((2, 1, one, two, []), "size 1 is smaller than the earlier size 2: the log shrank"),
        ((1, 2, one, two, []), "an empty consistency proof between different sizes"),
        ((0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), "a consistency proof from the empty tree must be empty"),
        ((1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT]), "a consistency proof between equal sizes must be empty"),
    ]:
        with pytest.raises(ProofError) as e:
            verify_consistency(*args)
        assert str(e.value) == message
    with pytest.raises(ProofError, match="outside a tree of size 0"):
        root_from_inclusion(0, 0, one, [])


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from the RFC's recursive definition."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_proof_of_every_size_verifies_against_the_rfc_definition(size: int, data: st.DataObject) -> None:
    leaves = [i.to_bytes(4, "big") for i in range(size)]
    tree = MemoryTree([leaf_hash(x) for x in leaves])
    old = data.draw(st.integers(min_value=1, max_value=size))
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    roots = {n: _reference_root(leaves[:n]) for n in (old, size)}
    assert tree.root() == roots[size] and tree.root(old) == roots[old]
    verify_inclusion(index, size, leaf_hash(leaves[index]), tree.inclusion_proof(index), roots[size])
    verify_consistency(old, size, roots[old], roots[size], tree.consistency_proof(old))
    if old < size:  # a root that is not the old tree's is refused
        with pytest.raises(ProofError):
            verify_consistency(old, size, roots[size], roots[size], tree.consistency_proof(old))


def test_a_frontier_restored_from_its_hashes_keeps_growing_the_same_tree() -> None:
    whole = Frontier()
    for leaf in LEAVES[:5]:
        whole.append(leaf_hash(leaf))
    resumed = Frontier(whole.size, whole.hashes)
    for leaf in LEAVES[5:]:
        whole.append(leaf_hash(leaf))
        resumed.append(leaf_hash(leaf))
    assert resumed.root() == whole.root() == ROOTS[7]
    with pytest.raises(ValueError, match="a tree of 5 leaves has 2 frontier hashes, not 1"):
        Frontier(5, [ROOTS[0]])


def test_an_event_leaf_covers_every_column_of_the_row() -> None:
    oid = UUID("0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11")
    base = {
        "notification_id": 7,
        "originator_id": oid,
        "version": 3,
        "topic": "domain.appraisal:Appraisal.Rated",
        "state": b'{"predikat":"baik"}',
    }
    leaf = event_leaf(**base)
    variants = [
        dict(base, notification_id=8),
        dict(base, originator_id=UUID(int=oid.int ^ 1)),
        dict(base, version=4),
        dict(base, topic=base["topic"] + "x"),
        dict(base, state=b'{"predikat":"kurang"}'),
        dict(base, topic="domain.appraisal:Appraisal.Rate", state=b'd{"predikat":"baik"}'),
    ]
    assert len({event_leaf(**v) for v in variants} | {leaf}) == len(variants) + 1
    assert hashlib.sha256(b"\x00" + leaf).digest() == leaf_hash(leaf)
