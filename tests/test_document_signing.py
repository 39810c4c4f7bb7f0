"""PAdES signatures on the documents (#13), with a test CA and an agency certificate made here with `cryptography`.

Each signed PDF is downloaded as its reader would and validated with pyHanko's validator against the
test CA only (no network): intact, valid and trusted; a byte changed in the signed range breaks it;
another CA does not trust it. Without a key the PDF carries no signature and claims none.
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from api.main import create_app
from domain.application import Appraisals
from services.document_signing import DocumentSigner, SigningKeyUnusable
from settings import event_store_env
from tests.factories import STAFF, reach
from tests.page_language import assert_indonesian
from tests.pdf_reading import qr_codes, text
from tests.test_api_support import build_app, running, settings_for
from tests.test_documents import with_agency
from tests.test_documents_http import upload
from tests.test_web_pages import sign_in
from web import pdf

PASSPHRASE = "kata-sandi-uji"
SIGNED_COPY = "dengan tanda tangan elektronik"
AGENCY_CN = "Pemerintah Kota Palu - Penandatangan Dokumen Kinerja"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kota Palu"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _usage(*, signs_certificates: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not signs_certificates,
        content_commitment=not signs_certificates,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs_certificates,
        crl_sign=signs_certificates,
        encipher_only=False,
        decipher_only=False,
    )


def make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(signs_certificates=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def agency_p12(path: Path, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> Path:
    """The agency's key and certificate, issued by the test CA, in a PKCS#12 file with the CA beside them."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(AGENCY_CN))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=90))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(signs_certificates=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    path.write_bytes(pkcs12.serialize_key_and_certificates(b"dinas", key, certificate, [ca], encryption))
    return path


async def validated(pdf: bytes, root: x509.Certificate):
    """pyHanko's verdict on the PDF's one signature, trusting `root` alone, offline."""
    trusted = asn1_x509.Certificate.load(root.public_bytes(serialization.Encoding.DER))
    context = ValidationContext(trust_roots=[trusted], allow_fetching=False, revocation_mode="soft-fail")
    (signature,) = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    return signature, await async_validate_pdf_signature(signature, context)


@pytest.fixture
def test_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    return make_ca("CA Uji Kinerja")


def _world(tmp_path: Path, **settings: object):
    config = settings_for(tmp_path, document_place="Palu", **settings)
    store = Appraisals(env=event_store_env(config.database_url))
    with_agency(store)
    scenario = reach("keberatan", app=store)
    return build_app(config, store), scenario, store


async def _download(app, scenario, kind: str) -> bytes:
    async with running(app) as client:
        await app.state.readside.catch_up()
        await sign_in(client, STAFF)
        response = await client.get(f"/saya/{scenario.id(STAFF)}/{kind}.pdf")
        assert response.status_code == 200, response.text
        # The signed file, uploaded to the public check: its reference matches the log, and the page
        # does not call the file identical to the unsigned rendering.
        files = {"berkas": ("dokumen.pdf", response.content, "application/pdf")}
        checked = await client.post("/dokumen", files=files)
        assert checked.status_code == 200 and "Cocok dengan catatan" in checked.text
        assert ("sama persis, bita demi bita" in checked.text) is (app.state.document_signer is None)
        # Signed: the page recognises a signed copy of the recorded document (the signature checked by pyHanko).
        assert (SIGNED_COPY in checked.text) is (app.state.document_signer is not None)
        return response.content


async def test_the_documents_carry_the_agencys_pades_signature_which_the_test_ca_validates(tmp_path, test_ca) -> None:
    ca_key, ca = test_ca
    p12 = agency_p12(tmp_path / "dinas.p12", ca_key, ca)
    app, scenario, store = _world(tmp_path, document_signing_p12=str(p12), document_signing_passphrase=PASSPHRASE)
    try:
        for kind in ("skp", "evaluasi"):
            signed = await _download(app, scenario, kind)
            signature, status = await validated(signed, ca)
            assert status.intact and status.valid and status.trusted and status.bottom_line, (
                status.pretty_print_details()
            )
            assert status.coverage.name == "ENTIRE_FILE" and status.modification_level.name == "NONE"
            # PAdES baseline B-B: a CAdES detached signature with the signing certificate bound to it.
            assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
            signed_attributes = {a["type"].native for a in signature.signer_info["signed_attrs"]}
            assert "signing_certificate_v2" in signed_attributes and "message_digest" in signed_attributes
            assert signature.signer_cert.subject.native["common_name"] == AGENCY_CN
            assert f"ditandatangani secara elektronik oleh {AGENCY_CN}" in text(signed).replace("\n", " ")
            assert len(qr_codes(signed)) == 1  # the check against the log still works on a signed print

        # A byte changed inside the signed range (the reference in the keywords): no longer intact.
        at = signed.index(b"(kinerja-dokumen ") + 20
        tampered = signed[:at] + bytes([signed[at] ^ 1]) + signed[at + 1 :]
        _, broken = await validated(tampered, ca)
        assert not broken.intact and not broken.bottom_line
        # Another CA, with the same name even, does not vouch for the agency's certificate.
        _, other = make_ca("CA Uji Kinerja")
        _, untrusted = await validated(signed, other)
        assert untrusted.intact and not untrusted.trusted and not untrusted.bottom_line
    finally:
        store.close()


async def test_without_a_key_the_pdf_is_unsigned_and_claims_no_signature(tmp_path) -> None:
    app, scenario, store = _world(tmp_path)
    try:
        unsigned = await _download(app, scenario, "evaluasi")
    finally:
        store.close()
    assert b"/ByteRange" not in unsigned and b"/Sig" not in unsigned
    assert not PdfFileReader(io.BytesIO(unsigned)).embedded_signatures
    words = text(unsigned).lower()
    assert "elektronik" not in words and "pades" not in words and "tte" not in words.split()


def test_a_signing_key_that_cannot_be_used_stops_the_start_naming_the_variable(tmp_path, test_ca) -> None:
    ca_key, ca = test_ca
    p12 = agency_p12(tmp_path / "dinas.p12", ca_key, ca)
    cases = [
        ({"document_signing_p12": str(tmp_path / "tidak-ada.p12")}, "KINERJA_DOCUMENT_SIGNING_P12 cannot be read"),
        (
            {"document_signing_p12": str(p12), "document_signing_passphrase": "salah"},
            "KINERJA_DOCUMENT_SIGNING_PASSPHRASE does not open it",
        ),
        ({"document_signing_p12": str(p12)}, "KINERJA_DOCUMENT_SIGNING_PASSPHRASE does not open it"),
    ]
    for extra, said in cases:
        with pytest.raises(SigningKeyUnusable, match=said):
            create_app(settings_for(tmp_path, **extra))


async def test_only_a_copy_signed_with_the_agencys_certificate_over_the_recorded_bytes_is_recognised(
    tmp_path, test_ca
) -> None:
    ca_key, ca = test_ca
    p12 = agency_p12(tmp_path / "dinas.p12", ca_key, ca)
    app, scenario, store = _world(tmp_path, document_signing_p12=str(p12), document_signing_passphrase=PASSPHRASE)
    other_key, other_ca = make_ca("CA Lain")
    other = DocumentSigner.from_settings(
        settings_for(
            tmp_path,
            document_signing_p12=str(agency_p12(tmp_path / "lain.p12", other_key, other_ca)),
            document_signing_passphrase=PASSPHRASE,
        )
    )
    assert other is not None and other.holder == AGENCY_CN  # the same name on another key
    try:
        signed = await _download(app, scenario, "evaluasi")
        stated, ref = app.state.documents.current(store.appraisal(scenario.id(STAFF)), "evaluasi")
        url = f"{app.state.settings.public_base_url.rstrip('/')}/dokumen/{ref.token}"
        rendered = pdf.render(stated, url, ref.token, "Palu", AGENCY_CN)
        assert signed.startswith(rendered) and len(signed) > len(rendered)  # an incremental update
        reason = signed.index(b"/Reason (") + 9  # the signature's reason: in the update, in the signed range
        forgeries = {
            "signed by another key": await asyncio.to_thread(other.sign, rendered, "Dokumen evaluasi"),
            "a byte changed after the print": signed[:reason] + b"R" + signed[reason + 1 :],
            "a revision added after the signature": signed + b"\n% tambahan\n%%EOF\n",
        }
        async with running(app) as client:
            for what, forged in forgeries.items():
                checked = await upload(client, forged)
                assert checked.status_code == 200 and "Cocok dengan catatan" in checked.text, what
                assert SIGNED_COPY not in checked.text and "tidak sama persis" in checked.text, what
            assert_indonesian(checked.text, "document check")
            for name in ("evaluasi-ttd.pdf",):  # after-effect: the genuine copy is still recognised
                assert SIGNED_COPY in (await upload(client, signed, name)).text
    finally:
        store.close()
