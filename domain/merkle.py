"""The Merkle tree over a log (RFC 9162, the hashing of certificate transparency).

A log is the rows of one event-store partition in notification order; leaf i is the
i-th row's canonical encoding (`event_leaf`). Leaf hash = SHA-256(0x00 || leaf), node
hash = SHA-256(0x01 || left || right), and a tree of n leaves splits at the largest
power of two below n, so any RFC 6962/9162 verifier checks our proofs.

Proofs are described here as lists of *perfect subtrees* (level, index): the subtree
at level L, index i covers leaves [i * 2**L, (i + 1) * 2**L). A store keeps the hash of
every perfect subtree once it is complete, so a proof or a root needs O(log n) stored
hashes and never the whole log; `Frontier` is the right edge of a growing tree (its
compact range), which is all that is needed to append.
Checking a proof against a root is domain/merkle_verify.py.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
LEAF_FORMAT = 1  # first byte of every event leaf: the encoding's version

Node = tuple[int, int]  # (level, index) of a perfect subtree


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(notification_id: int, originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The canonical encoding of a stored event row: every column, length-prefixed.

    It covers the row's position (notification id), its aggregate and version, its topic and
    the stored state byte for byte, so any change to a row, including one whose author
    recomputed the hash chain, changes its leaf.
    """
    return leaf_position(notification_id) + leaf_row(originator_id, version, topic, state)


def leaf_position(notification_id: int) -> bytes:
    """The head of an event leaf: its encoding's version and the row's notification id."""
    return struct.pack(">BQ", LEAF_FORMAT, notification_id)


def leaf_row(originator_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    """The rest of an event leaf, the row's own columns, which a writer knows before the row has its id."""
    topic_bytes = topic.encode()
    return b"".join(
        (
            originator_id.bytes,
            struct.pack(">Q", version),
            struct.pack(">I", len(topic_bytes)),
            topic_bytes,
            struct.pack(">I", len(state)),
            state,
        )
    )


def largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162: the largest power of two strictly smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_nodes(start: int, end: int) -> list[Node]:
    """[start, end) as perfect subtrees, left to right; folding their hashes from the right gives its MTH.

    Valid for the ranges the RFC's recursion produces (start aligned to a power of two at
    least end - start), which is every range this module asks for.
    """
    nodes: list[Node] = []
    while start < end:
        level = 0
        while start % (2 << level) == 0 and start + (2 << level) <= end:
            level += 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of adjacent perfect subtrees of decreasing size: H(a, H(b, H(c, d)))."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def root_nodes(size: int) -> list[Node]:
    """The perfect subtrees whose fold is the root of a tree of `size` leaves."""
    return perfect_nodes(0, size)


def inclusion_path(index: int, size: int) -> list[list[Node]]:
    """RFC 9162 PATH(index, D[size]), leaf side first: each element folds the listed subtrees."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
    path: list[list[Node]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if index < lo + k:
            path.append(perfect_nodes(lo + k, hi))
            hi = lo + k
        else:
            path.append(perfect_nodes(lo, lo + k))
            lo += k
    return path[::-1]


def consistency_path(old: int, new: int) -> list[list[Node]]:
    """RFC 9162 PROOF(old, D[new]): SUBPROOF(old, D[new], true), innermost first."""
    if not 0 <= old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old in (0, new):
        return []
    path: list[list[Node]] = []
    lo, hi, m, whole = 0, new, old, True
    while hi - lo != m:
        k = largest_power_of_two_below(hi - lo)
        if m <= k:
            path.append(perfect_nodes(lo + k, hi))
            hi = lo + k
        else:
            path.append(perfect_nodes(lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    if not whole:
        path.append(perfect_nodes(lo, hi))
    return path[::-1]


def resolve(path: list[list[Node]], hash_of: Callable[[Node], bytes] | Mapping[Node, bytes]) -> list[bytes]:
    """The proof hashes of a path, given the hash of each perfect subtree it names."""
    get = hash_of.__getitem__ if isinstance(hash_of, Mapping) else hash_of
    return [fold([get(node) for node in element]) for element in path]


class Frontier:
    """The right edge of a growing tree: the hashes of `root_nodes(size)`, left to right."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != len(root_nodes(size)):
            raise ValueError(f"a tree of {size} leaves has {len(root_nodes(size))} frontier hashes, not {len(hashes)}")
        self.size, self.hashes = size, list(hashes)

    def append(self, leaf: bytes) -> list[tuple[Node, bytes]]:
        """Add a leaf hash; returns every perfect subtree it completed, the leaf itself first."""
        index, level, node = self.size, 0, leaf
        created = [((0, index), node)]
        while index & 1:
            node = node_hash(self.hashes.pop(), node)
            index, level = index >> 1, level + 1
            created.append(((level, index), node))
        self.hashes.append(node)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold(self.hashes)


class MemoryTree:
    """A whole tree in memory: for tests, the benchmark's baseline and small verifiers."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self.nodes: dict[Node, bytes] = {}
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    def append(self, leaf: bytes) -> None:
        self.nodes.update(self.frontier.append(leaf))

    @property
    def size(self) -> int:
        return self.frontier.size

    def root(self, size: int | None = None) -> bytes:
        return fold([self.nodes[n] for n in root_nodes(self.size if size is None else size)])

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return resolve(inclusion_path(index, self.size if size is None else size), self.nodes)

    def consistency_proof(self, old: int, new: int | None = None) -> list[bytes]:
        return resolve(consistency_path(old, self.size if new is None else new), self.nodes)
