"""The agency's electronic signature on its documents: PAdES (baseline B-B) with pyHanko.

When KINERJA_DOCUMENT_SIGNING_P12 names the agency's PKCS#12 file (its key, its certificate and the
chain to its CA) and KINERJA_DOCUMENT_SIGNING_PASSPHRASE opens it, every SKP and evaluation PDF is
signed in an incremental update (the signed file begins with the PDF as rendered), with SHA-256
and the signing-certificate-v2 attribute (ETSI.CAdES.detached). Without them the PDFs are not
signed and say nothing about a signature: the QR code's check against the log is their proof.
A key that is named but cannot be used stops the process at start, naming the variable.
"""

from __future__ import annotations

import io
from pathlib import Path

from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

from settings import InsecureSettings, Settings

FIELD = "TandaTanganInstansi"


class SigningKeyUnusable(InsecureSettings):
    """The settings name a signing key that cannot be used: the process refuses to start."""


class DocumentSigner:
    """Signs the agency's PDFs with its key; `holder` is the certificate's common name, as the PDF names it."""

    def __init__(self, signer: signers.SimpleSigner, holder: str, place: str) -> None:
        self.signer, self.holder, self.place = signer, holder, place

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
            key, certificate, _ = pkcs12.load_key_and_certificates(data, passphrase)
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
        return cls(signer, holder, settings.document_place)

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
