"""Every proof of every small tree against RFC 9162's own recursive definitions, and each bound.

The expected values come from the RFC's text, transcribed below as the simplest recursion
(MTH §2.1.1, PATH §2.1.3.1, PROOF/SUBPROOF §2.1.4.1), never from domain/merkle.py's iterative
code; every size up to 17 and every leaf or earlier size in it is checked, with a corrupted copy
of each proof refused. Deterministic (no random examples), so a mutant is either caught or not.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

import pytest

from domain.merkle import (
    EMPTY_ROOT,
    Frontier,
    MemoryTree,
    consistency_path,
    event_leaf,
    inclusion_path,
    largest_power_of_two_below,
    perfect_nodes,
    resolve,
    root_nodes,
)
from domain.merkle_verify import ProofError, root_from_inclusion, verify_consistency, verify_inclusion

SIZES = range(1, 18)


def sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def mth(d: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1: MTH({}) = SHA-256(), MTH({d0}) = SHA-256(0x00 || d0), else split at k."""
    if not d:
        return sha(b"")
    if len(d) == 1:
        return sha(b"\x00" + d[0])
    k = split(len(d))
    return sha(b"\x01" + mth(d[:k]) + mth(d[k:]))


def split(n: int) -> int:
    """The largest power of two smaller than n, counted the slow way."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def path(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n])."""
    if len(d) == 1:
        return []
    k = split(len(d))
    if m < k:
        return [*path(m, d[:k]), mth(d[k:])]
    return [*path(m - k, d[k:]), mth(d[:k])]


def proof(m: int, d: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
    return subproof(m, d, True)


def subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    n = len(d)
    if m == n:
        return [] if b else [mth(d)]
    k = split(n)
    if m <= k:
        return [*subproof(m, d[:k], b), mth(d[k:])]
    return [*subproof(m - k, d[k:], False), mth(d[:k])]


LEAVES = [f"leaf {i}".encode() for i in range(max(SIZES) + 1)]
TREE = MemoryTree([sha(b"\x00" + x) for x in LEAVES])
ROOT = {n: mth(LEAVES[:n]) for n in range(0, max(SIZES) + 1)}
OTHER = sha(b"not a node of this tree")


def flipped(hashes: list[bytes], i: int) -> list[bytes]:
    out = list(hashes)
    out[i] = bytes([out[i][0] ^ 1]) + out[i][1:]
    return out


def refused(call: object, *args: object) -> bool:
    try:
        call(*args)  # type: ignore[operator]
    except ProofError:
        return True
    return False


# --- the shapes the RFC's recursion names ------------------------------------------------------


def test_the_split_point_is_the_largest_power_of_two_strictly_below_n() -> None:
    assert [largest_power_of_two_below(n) for n in range(2, 18)] == [split(n) for n in range(2, 18)]
    assert largest_power_of_two_below(2) == 1 and largest_power_of_two_below(9) == 8
    assert largest_power_of_two_below(8) == 4 and largest_power_of_two_below(1025) == 1024


def test_a_root_is_the_perfect_subtrees_of_the_sizes_binary_digits() -> None:
    """13 = 8 + 4 + 1: leaves [0, 8), [8, 12) and [12, 13), as (level, index) from the left."""
    assert root_nodes(13) == [(3, 0), (2, 2), (0, 12)]
    assert root_nodes(8) == [(3, 0)]
    assert root_nodes(1) == [(0, 0)]
    assert root_nodes(0) == []
    assert root_nodes(6) == [(2, 0), (1, 2)]
    assert perfect_nodes(8, 16) == [(3, 1)]
    assert perfect_nodes(4, 6) == [(1, 2)]
    assert perfect_nodes(2, 3) == [(0, 2)]


def test_inclusion_and_consistency_paths_name_subtrees_and_refuse_what_is_not_in_the_tree() -> None:
    assert inclusion_path(0, 1) == []
    assert inclusion_path(5, 8) == [[(0, 4)], [(1, 3)], [(2, 0)]]
    assert consistency_path(0, 5) == [] and consistency_path(5, 5) == []
    assert consistency_path(4, 8) == [[(2, 1)]]
    for index, size in [(8, 8), (-1, 8), (0, 0)]:
        with pytest.raises(ValueError, match=f"leaf {index} is not in a tree of {size} leaves"):
            inclusion_path(index, size)
    for old, new in [(9, 8), (-1, 8)]:
        with pytest.raises(ValueError, match=f"no consistency proof from size {old} to size {new}"):
            consistency_path(old, new)


def test_resolve_takes_a_mapping_or_a_function() -> None:
    hashes = {(0, 4): sha(b"a"), (1, 3): sha(b"b"), (2, 0): sha(b"c")}
    by_map = resolve(inclusion_path(5, 8), hashes)
    by_function = resolve(inclusion_path(5, 8), lambda node: hashes[node])
    assert by_map == by_function == [sha(b"a"), sha(b"b"), sha(b"c")]


# --- every proof of every size ------------------------------------------------------------------


@pytest.mark.parametrize("n", SIZES)
def test_roots_and_inclusion_proofs_are_the_rfcs(n: int) -> None:
    assert TREE.root(n) == ROOT[n]
    for m in range(n):
        expected = path(m, LEAVES[:n])
        leaf = sha(b"\x00" + LEAVES[m])
        assert TREE.inclusion_proof(m, n) == expected, (m, n)
        assert root_from_inclusion(m, n, leaf, expected) == ROOT[n]
        verify_inclusion(m, n, leaf, expected, ROOT[n])
        wrong = [(m, n, leaf, flipped(expected, i), ROOT[n]) for i in range(len(expected))]
        wrong += [
            (m, n, leaf, [*expected, OTHER], ROOT[n]),
            (m, n, leaf, expected[:-1], ROOT[n]) if expected else (m, n, OTHER, expected, ROOT[n]),
            (m, n, OTHER, expected, ROOT[n]),
            (m, n, leaf, expected, ROOT[n - 1]),
            (m + 1, n, leaf, expected, ROOT[n]),
        ]
        if m:
            wrong.append((m - 1, n, leaf, expected, ROOT[n]))
        assert [args[:2] for args in wrong if not refused(verify_inclusion, *args)] == []


@pytest.mark.parametrize("n", SIZES)
def test_consistency_proofs_are_the_rfcs(n: int) -> None:
    for m in range(1, n + 1):
        expected = proof(m, LEAVES[:n])
        assert TREE.consistency_proof(m, n) == expected, (m, n)
        verify_consistency(m, n, ROOT[m], ROOT[n], expected)
        if m == n:
            continue
        wrong = [(m, n, ROOT[m], ROOT[n], flipped(expected, i)) for i in range(len(expected))]
        wrong += [
            (m, n, ROOT[m], ROOT[n], [*expected, OTHER]),
            (m, n, ROOT[m], ROOT[n], expected[:-1]),
            (m, n, ROOT[m], ROOT[n], [OTHER, *expected]),
            (m, n, OTHER, ROOT[n], expected),
            (m, n, ROOT[m], OTHER, expected),
            (m, n, ROOT[n], ROOT[m], expected),
            (m + 1, n, ROOT[m], ROOT[n], expected),
        ]
        if m > 1:
            wrong.append((m - 1, n, ROOT[m], ROOT[n], expected))
        assert [args[:2] for args in wrong if not refused(verify_consistency, *args)] == []


def test_a_hash_of_the_wrong_length_is_refused_wherever_it_stands() -> None:
    leaf = sha(b"\x00" + LEAVES[0])
    good = path(0, LEAVES[:2])
    for bad in (b"\x00" * 31, b"\x00" * 33):
        for args in [(0, 2, leaf, [bad], ROOT[2]), (0, 2, bad, good, ROOT[2])]:
            with pytest.raises(ProofError, match=f"^a hash of {len(bad)} bytes where 32 are expected$"):
                verify_inclusion(*args)
        for args in [(1, 2, bad, ROOT[2], good), (1, 2, ROOT[1], bad, good), (1, 2, ROOT[1], ROOT[2], [bad])]:
            with pytest.raises(ProofError, match=f"^a hash of {len(bad)} bytes where 32 are expected$"):
                verify_consistency(*args)


def test_the_refusals_name_the_check_that_failed() -> None:
    leaf = sha(b"\x00" + LEAVES[0])
    p2 = path(0, LEAVES[:2])
    cases = [
        ((0, 2, leaf, [], ROOT[2]), "the inclusion proof is shorter than the tree is high"),
        ((0, 1, leaf, [OTHER], ROOT[1]), "the inclusion proof is longer than the tree is high"),
        ((0, 2, OTHER, p2, ROOT[2]), "the inclusion proof of leaf 0 does not lead to the root of size 2"),
        ((2, 2, leaf, p2, ROOT[2]), "leaf index 2 is outside a tree of size 2"),
        ((-1, 2, leaf, p2, ROOT[2]), "leaf index -1 is outside a tree of size 2"),
    ]
    for args, message in cases:
        with pytest.raises(ProofError) as e:
            verify_inclusion(*args)
        assert str(e.value) == message
    c = proof(3, LEAVES[:4])
    cases = [
        ((3, 4, ROOT[3], ROOT[4], c[:-1]), "the consistency proof is shorter than the tree is high"),
        ((3, 4, ROOT[3], ROOT[4], [*c, OTHER]), "the consistency proof is longer than the tree is high"),
        ((3, 4, OTHER, ROOT[4], c), "the consistency proof does not lead to the root of the earlier size 3"),
        ((3, 4, ROOT[3], OTHER, c), "the consistency proof does not lead to the root of size 4"),
    ]
    for args, message in cases:
        with pytest.raises(ProofError) as e:
            verify_consistency(*args)
        assert str(e.value) == message


def test_a_growing_frontier_reports_each_subtree_it_completes() -> None:
    frontier = Frontier()
    leaves = [sha(b"\x00" + x) for x in LEAVES[:4]]
    assert frontier.append(leaves[0]) == [((0, 0), leaves[0])]
    assert frontier.append(leaves[1]) == [((0, 1), leaves[1]), ((1, 0), mth(LEAVES[:2]))]
    assert frontier.append(leaves[2]) == [((0, 2), leaves[2])]
    assert frontier.append(leaves[3]) == [((0, 3), leaves[3]), ((1, 1), mth(LEAVES[2:4])), ((2, 0), ROOT[4])]
    assert frontier.size == 4 and frontier.hashes == [ROOT[4]] and frontier.root() == ROOT[4]
    assert Frontier().root() == EMPTY_ROOT == sha(b"")
    with pytest.raises(ValueError, match="^a tree of 3 leaves has 2 frontier hashes, not 3$"):
        Frontier(3, [OTHER, OTHER, OTHER])


def test_an_event_leaf_is_the_documented_byte_layout() -> None:
    """docs/proof.md: format byte 1, notification id, aggregate id, version, then topic and state
    each preceded by its length; integers big-endian (8 bytes, lengths 4)."""
    oid = UUID("0b8f3f3e-3c43-5b5e-9a3f-6f0b6c1f2a11")
    leaf = event_leaf(258, oid, 3, "t:é", b"{}")
    expected = (
        b"\x01"
        + (258).to_bytes(8, "big")
        + bytes.fromhex("0b8f3f3e3c435b5e9a3f6f0b6c1f2a11")
        + (3).to_bytes(8, "big")
        + (4).to_bytes(4, "big")
        + "t:é".encode()
        + (2).to_bytes(4, "big")
        + b"{}"
    )
    assert leaf == expected
    assert struct.unpack(">BQ", leaf[:9]) == (1, 258)


def test_an_event_leaf_takes_the_whole_unsigned_range_of_its_integers() -> None:
    """Unsigned 8-byte integers: the largest notification id and version are encoded, not refused."""
    leaf = event_leaf(2**64 - 1, UUID(int=0), 2**63, "", b"")
    assert leaf == b"\x01" + b"\xff" * 8 + b"\x00" * 16 + b"\x80" + b"\x00" * 7 + b"\x00" * 8
