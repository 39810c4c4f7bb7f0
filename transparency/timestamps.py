"""Optional RFC 3161 time-stamps of checkpoints from a configured time-stamping authority (TSA).

The message stamped is the checkpoint's body (origin, size, root): the TSA's token then
proves the tree, and so every event it covers, existed at its `genTime`, independently
of the agency's and the witnesses' clocks. Requests and responses are built and checked
with `rfc3161-client` (Trail of Bits); the TSA's certificate chain is configured as PEM.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
from cryptography import x509
from rfc3161_client import PKIStatus, TimestampRequestBuilder, VerificationError, VerifierBuilder
from rfc3161_client import decode_timestamp_response as decode


class TimestampError(Exception):
    """The TSA could not be reached, refused, or its token does not verify; the message says which."""


@dataclass(frozen=True)
class Stamp:
    token: bytes  # the DER TimeStampResp
    time: datetime


def load_chain(pem_file: str | Path) -> list[x509.Certificate]:
    chain = x509.load_pem_x509_certificates(Path(pem_file).read_bytes())
    if not chain:
        raise TimestampError(f"{pem_file} holds no certificate")
    return chain


class TimeStamper:
    """Asks a TSA over HTTP (application/timestamp-query) and checks the answer before keeping it."""

    def __init__(self, url: str, chain: list[x509.Certificate], client: httpx.Client | None = None) -> None:
        self.url, self.chain = url, chain
        self.client = client or httpx.Client(timeout=15)

    def stamp(self, message: bytes) -> Stamp:
        request = TimestampRequestBuilder().data(message).nonce(nonce=True).cert_request(cert_request=True).build()
        try:
            answer = self.client.post(
                self.url, content=request.as_bytes(), headers={"Content-Type": "application/timestamp-query"}
            )
        except httpx.HTTPError as e:
            raise TimestampError(f"the TSA {self.url} did not answer: {type(e).__name__}") from None
        if answer.status_code != 200:
            raise TimestampError(f"the TSA {self.url} answered HTTP {answer.status_code}")
        stamp = check(answer.content, message, self.chain, nonce=request.nonce)
        return stamp


def check(token: bytes, message: bytes, chain: list[x509.Certificate], nonce: int | None = None) -> Stamp:
    """The time a token vouches for, if it is granted, signed through the chain and over this message."""
    try:
        response = decode(token)
    except ValueError as e:
        raise TimestampError(f"the time-stamp token cannot be read: {e}") from None
    if PKIStatus(response.status) not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"the TSA refused: status {response.status} {response.status_string}")
    builder = VerifierBuilder(nonce=nonce).tsa_certificate(chain[0]).add_root_certificate(chain[-1])
    for middle in chain[1:-1]:
        builder = builder.add_intermediate_certificate(middle)
    try:
        builder.build().verify_message(response, message)
    except VerificationError as e:
        raise TimestampError(f"the time-stamp does not verify: {e}") from None
    return Stamp(token, response.tst_info.gen_time)
