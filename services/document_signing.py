"""The agency's electronic signature on its documents: PAdES (baseline B-B) with pyHanko.

When KINERJA_DOCUMENT_SIGNING_P12 names the agency's PKCS#12 file (its key, its certificate and the
chain to its CA) and KINERJA_DOCUMENT_SIGNING_PASSPHRASE opens it, every SKP and evaluation PDF is
signed in an incremental update (the signed file begins with the PDF as rendered), with SHA-256
and the signing-certificate-v2 attribute (ETSI.CAdES.detached). Without them the PDFs are not
signed and say nothing about a signature: the QR code's check against the log is their proof.
A key that is named but cannot be used stops the process at start, naming the variable.

A signed print uploaded to the check (/dokumen) is not the rendered file byte for byte, but since the
signature is an incremental update, the rendered file is its first bytes. `signed_copy` recognises
it: those first bytes are exactly the document rendered at the reference's position, and pyHanko finds
one signature, intact, valid and trusted, made with this very certificate and covering the whole file
(so the rendered bytes too, and nothing was added after it). pyHanko parses only an upload that
begins with Kinerja's own rendering; whatever it finds wrong means "not a signed copy".
"""

from __future__ import annotations

import io
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from settings import InsecureSettings, Settings

FIELD = "TandaTanganInstansi"


class SigningKeyUnusable(InsecureSettings):
    """The settings name a signing key that cannot be used: the process refuses to start."""


class DocumentSigner:
    """Signs the agency's PDFs with its key; `holder` is the certificate's common name, as the PDF names it."""

    def __init__(
        self, signer: signers.SimpleSigner, holder: str, place: str, chain: tuple[x509.Certificate, ...] = ()
    ) -> None:
        self.signer, self.holder, self.place = signer, holder, place
        certificate = signer.signing_cert
        if certificate is None:  # from_settings found one; a signer built without its certificate cannot check copies
            raise SigningKeyUnusable("Kinerja refuses to start: the document signer has no certificate")
        # The anchors a signature of ours is checked against: the chain in the PKCS#12 file, else the certificate.
        roots = [asn1_x509.Certificate.load(c.public_bytes(Encoding.DER)) for c in chain] or [certificate]
        self.certificate_der = certificate.dump()
        self.context = ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")

    @classmethod
    def from_settings(cls, settings: Settings) -> DocumentSigner | None:
        path = settings.document_signing_p12
        if not path:
            return None
        passphrase = settings.document_signing_passphrase.encode() or None
        problem = "KINERJA_DOCUMENT_SIGNING_P12"
        try:
            data = Path(path).read_bytes()
            problem = "KINERJA_DOCUMENT_SIGNING_PASSPHRASE"
            key, certificate, chain = pkcs12.load_key_and_certificates(data, passphrase)
        except (OSError, ValueError) as e:
            reason = "cannot be read" if problem.endswith("P12") else "does not open it"
            raise SigningKeyUnusable(f"Kinerja refuses to start: {problem} {reason} ({path}: {e})") from None
        if key is None or certificate is None:
            raise SigningKeyUnusable(
                f"Kinerja refuses to start: KINERJA_DOCUMENT_SIGNING_P12 ({path}) holds no key with its certificate"
            )
        signer = signers.SimpleSigner.load_pkcs12(pfx_file=path, passphrase=passphrase)
        if signer is None:  # pyHanko refused what cryptography read: say so rather than sign nothing
            raise SigningKeyUnusable(
                f"Kinerja refuses to start: pyHanko cannot use KINERJA_DOCUMENT_SIGNING_P12 ({path})"
            )
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        holder = str(names[0].value) if names else certificate.subject.rfc4514_string()
        return cls(signer, holder, settings.document_place, tuple(chain))

    def sign(self, pdf: bytes, reason: str) -> bytes:
        """The PDF with the agency's PAdES signature appended (an incremental update)."""
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=self.place or None,
        )
        signed = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=self.signer)
        return bytes(signed.getvalue())

    def signed_copy(self, upload: bytes, rendered: bytes) -> bool:
        """Whether `upload` is `rendered` with this key's signature added (and nothing else): see the module."""
        if len(upload) <= len(rendered) or not upload.startswith(rendered):
            return False
        try:
            found = PdfFileReader(io.BytesIO(upload), strict=False).embedded_signatures
            if len(found) != 1 or found[0].signer_cert.dump() != self.certificate_der:
                return False
            signature = found[0]
            status = validate_pdf_signature(signature, self.context)
        except Exception:  # noqa: BLE001 - whatever pyHanko cannot read or check is not a signed copy of ours
            return False
        start, signed_to = int(signature.byte_range[0]), int(signature.byte_range[1])
        covers = start == 0 and signed_to >= len(rendered)  # the signed bytes begin with the rendered file
        return bool(status.bottom_line) and status.coverage == SignatureCoverageLevel.ENTIRE_FILE and covers
