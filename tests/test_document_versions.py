"""Document content versions (#13): prints of version 1 check as before; version 2 explains the predikat.

tests/fixtures/documents-v1.json and evaluasi-v1.pdf were recorded by the code before content versions
existed (commit "Documents: a v1 fixture ..."), from the scenario rebuilt here: Pemerintah Kota Palu,
STAFF's keberatan filed (tests/test_documents.py). Ids and instants are fixed, so the same records
come back with the same chain heads, and a print of then must still be "cocok" now.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from uuid import UUID

import fpdf
import pytest
from eventsourcing.persistence import StoredEvent

from domain.application import Appraisals
from domain.document import EVALUATION, SKP, Reference, content, digest
from domain.errors import InvalidInput
from domain.organisation import Agency
from services.documents import MATCHES, NO_MATCH, SUPERSEDED, Documents
from settings import event_store_env
from tests.factories import AGENCY, STAFF, Scenario
from tests.pdf_reading import text
from tests.test_api_support import build_app, running, settings_for
from tests.test_documents import amend
from tests.test_documents_http import download, upload
from tests.test_web_pages import sign_in
from web import pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RECORDED = json.loads((FIXTURES / "documents-v1.json").read_text(encoding="utf-8"))
RECORDED_LOG = json.loads((FIXTURES / "documents-v1-log.json").read_text(encoding="utf-8"))
# The fpdf2 that rendered the recorded PDF: the same bytes come back only from the same renderer.
SAME_RENDERER = fpdf.FPDF_VERSION == "2.8.9"


def v1_digest(kind: str, ref: Reference, heads: tuple[str, str, str], stated: dict) -> str:
    """The digest as version 1 computed it (docs/documents.md), written out here so no change to the code moves it."""
    p = ref.position
    canonical = {
        "format": "kinerja-dokumen/v1",
        "kind": kind,
        "log": {
            "appraisal": [str(p.appraisal_id), p.version, heads[0]],
            "cycle": [p.cycle_version, heads[1]],
            "agency": [p.agency_version, heads[2]],
        },
        "content": stated,
    }
    raw = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def recorded(app: Appraisals) -> Scenario:
    """The records the v1 prints were made from, as they were stored then, written into `app`'s empty store:
    tests/fixtures/documents-v1-log.json holds the scenario's stored events (the agency's master data, the cycle,
    STAFF's keberatan filed) as the code of that time wrote them (commit 4fbd64f^). A scenario rebuilt today
    writes today's events (the cycle's Started event gained HR's cascade days in 4fbd64f), with other chain
    heads; a stored record never changes that way, and a print must go on matching it."""
    app.recorder.insert_events(
        [
            StoredEvent(UUID(e["originator_id"]), e["originator_version"], e["topic"], base64.b64decode(e["state"]))
            for e in RECORDED_LOG["events"]
        ]
    )
    return Scenario(app, UUID(RECORDED_LOG["cycle_id"]))


@pytest.fixture
def keberatan() -> Scenario:
    return recorded(Appraisals())


@pytest.mark.parametrize("kind", [SKP, EVALUATION])
def test_a_version_1_print_made_before_content_versions_still_matches_exactly(keberatan: Scenario, kind: str) -> None:
    recorded = RECORDED[kind]
    ref = Reference.parse(recorded["token"])
    assert ref.content_version == 1 and ref.token == recorded["token"]  # no prefix: the token as printed
    verdict = Documents(keberatan.app).verify(ref)
    assert verdict.status == MATCHES and verdict.stated == recorded["content"]
    assert "explanation" not in verdict.stated  # version 1 states what it stated, nothing more
    p = ref.position
    appraisal = keberatan.app.record(p.appraisal_id, p.version)
    cycle = keberatan.app.record(appraisal.cycle_id, p.cycle_version)
    agency = keberatan.app.record(Agency.create_id(cycle.agency_id), p.agency_version)
    heads = (appraisal.chain_head, cycle.chain_head, agency.chain_head)
    assert v1_digest(kind, ref, heads, recorded["content"]) == ref.digest
    # The v1 content re-renders to a PDF whose reference is the v1 token (the upload check compares these bytes).
    again = pdf.render(verdict.stated, f"https://kinerja.example/dokumen/{ref.token}", ref.token, "Palu")
    if kind == EVALUATION and SAME_RENDERER:
        assert hashlib.sha256(again).hexdigest() == recorded["pdf_sha256"]
        assert again == (FIXTURES / "evaluasi-v1.pdf").read_bytes()
    # A new print of the same records is version 2, with another digest; both hold.
    _, now = Documents(keberatan.app).current(keberatan.get(STAFF), kind)
    assert now.content_version == 2 and now.token.startswith(f"v2.{kind}.") and now.digest != ref.digest
    assert Documents(keberatan.app).verify(now).status == MATCHES


def test_a_version_1_print_is_superseded_by_the_amendment_as_before(keberatan: Scenario) -> None:
    ref = Reference.parse(RECORDED[EVALUATION]["token"])
    amend(keberatan)
    verdict = Documents(keberatan.app).verify(ref)
    assert verdict.status == SUPERSEDED and verdict.summary()["predikat"] == "baik"


def test_a_version_2_evaluation_explains_the_predikat(keberatan: Scenario) -> None:
    amend(keberatan)  # a keberatan decided: the explanation says so
    stated, ref = Documents(keberatan.app).current(keberatan.get(STAFF), EVALUATION)
    why = stated["explanation"]
    assert why["predikat"] == "sangat_baik" and why["cell"] == ["di_atas", "di_atas"]
    assert why["keberatan"]["decision"] == "bukti triwulan IV sah"
    assert why["calibration"]["justification"] == "unit kecil: pola distribusi tidak dapat dipenuhi"
    paper = text(pdf.render(stated, "https://kinerja.example/dokumen/x", ref.token, "Palu")).replace("\n", " ")
    for said in (
        "PENJELASAN PREDIKAT KINERJA",
        "Rating hasil kerja: Di Atas Ekspektasi.",
        'RHK Utama "Layanan administrasi umum tepat waktu" (target: Surat diproses 1200',
        "Dari 7 nilai BerAKHLAK, 7 dinilai Di Atas Ekspektasi.",
        "Berorientasi Pelayanan: Di Atas Ekspektasi",
        "Kolaboratif: Di Atas Ekspektasi",
        "berada pada kotak yang memberi predikat Sangat Baik",
        '"unit kecil: pola distribusi tidak dapat dipenuhi"',
        'Penilaian diubah oleh atasan pejabat penilai, dengan alasan: "bukti triwulan IV sah"',
        "PermenPANRB Nomor 6 Tahun 2022",
    ):
        assert said in paper, said
    skp, _ = Documents(keberatan.app).current(keberatan.get(STAFF), SKP)
    assert "explanation" not in skp  # the SKP has no predikat to explain


def test_a_tampered_version_2_matches_nothing(keberatan: Scenario) -> None:
    documents = Documents(keberatan.app)
    appraisal = keberatan.get(STAFF)
    _, ref = documents.current(appraisal, EVALUATION)
    cycle = keberatan.app.cycle(appraisal.cycle_id)
    agency = keberatan.app.agency(AGENCY)
    stated = content(EVALUATION, appraisal, cycle, agency)
    stated["explanation"]["calibration"]["justification"] = "tidak ada kalibrasi"
    p = ref.position
    heads = (appraisal.chain_head, cycle.chain_head, agency.chain_head)
    forged = Reference(EVALUATION, p, digest(EVALUATION, p, heads, stated))
    assert documents.verify(forged).status == NO_MATCH
    # The version 2 digest presented as a version 1 print (and the other way round) matches nothing.
    assert documents.verify(Reference(EVALUATION, p, ref.digest, 1)).status == NO_MATCH
    v1 = documents.verify(Reference.parse(RECORDED[EVALUATION]["token"]))
    assert v1.status == MATCHES
    recorded = Reference.parse(RECORDED[EVALUATION]["token"])
    assert documents.verify(Reference(EVALUATION, recorded.position, recorded.digest, 2)).status == NO_MATCH
    for bad in ("v1." + ref.token[3:], "v9." + ref.token[3:], "v2.v2." + ref.token[3:], "V2." + ref.token[3:]):
        with pytest.raises(InvalidInput):
            Reference.parse(bad)


async def test_the_recorded_v1_pdf_and_a_new_v2_pdf_both_check_on_the_page(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, public_base_url="https://kinerja.example/", document_place="Palu")
    store = Appraisals(env=event_store_env(settings.database_url))
    try:
        scenario = recorded(store)
        app = build_app(settings, store)
        async with running(app) as client:
            old = await upload(client, (FIXTURES / "evaluasi-v1.pdf").read_bytes())
            assert old.status_code == 200 and "Cocok dengan catatan" in old.text
            assert ("sama persis, bita demi bita" in old.text) is SAME_RENDERER
            await app.state.readside.catch_up()
            await sign_in(client, STAFF)
            new = await download(client, scenario, EVALUATION)
            assert b"(kinerja-dokumen v2.evaluasi." in new and "PENJELASAN PREDIKAT KINERJA" in text(new)
            checked = await upload(client, new)
            assert checked.status_code == 200 and "sama persis, bita demi bita" in checked.text
            tampered = await upload(client, new.replace(b"Pemerintah Kota Palu", b"Pemerintah Kota Poso"))
            assert tampered.status_code == 200 and "tidak sama persis" in tampered.text
            token = new.split(b"(kinerja-dokumen ")[1].split(b")")[0]
            forged = await upload(client, new.replace(token, token[:-8] + b"00000000"))
            assert forged.status_code == 404 and "Tidak cocok" in forged.text
    finally:
        store.close()
