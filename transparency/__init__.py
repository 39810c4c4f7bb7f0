"""Proof of the record: the Merkle tree over each log, seals, signed checkpoints, witnesses, receipts.

The hashing and proofs are domain rules (domain/merkle.py, domain/merkle_verify.py); this package does the I/O and
the cryptography around them (Ed25519 through `cryptography`, RFC 3161 through
`rfc3161-client`). A *log* is one event-store partition: today the `kinerja`
application's notification log. Everything here is keyed by the log's name, so a
partitioned store gets one tree, one key and one checkpoint series per partition.
"""
