"""Verifiable documents (#13): what an SKP or evaluation PDF states, its digest, and the check of a reference.

The records are written by the application itself (tests/factories.py: Pemerintah Kota Palu, 2024),
with the agency's master data imported, so the atasan outside the cycle (the Sekda) has a name.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.application import Appraisals
from domain.document import EVALUATION, MAX_TOKEN, SKP, Position, Reference, content, digest
from domain.errors import InvalidInput
from domain.result_commands import DecideKeberatan
from domain.work_commands import ReportProgress
from services.documents import MATCHES, NO_MATCH, SUPERSEDED, Documents
from tests.factories import (
    AGENCY,
    ANALIS,
    HEAD,
    HR_ACTOR,
    HR_NIP,
    KADIS,
    SEKDA,
    STAFF,
    Scenario,
    T,
    actor,
    reach,
    values,
)

SEKDA_NAME = "Ir. Rahmat Paliudju, M.T."
DECIDED = T["window_closed"]


def org_csv(sekda_name: str = SEKDA_NAME) -> str:
    head = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,position,rank,supervisor_nip,unit_head\n"
    rows = [
        ("PIMPINAN", "Pimpinan", KADIS, "Kepala Dinas", "Kepala Dinas", "IV/c", "", "ya"),
        ("PIMPINAN", "Pimpinan", SEKDA, sekda_name, "Sekretaris Daerah", "IV/d", KADIS, ""),
        ("bidang-umum", "Bidang Umum", HEAD, "Kepala Bidang Umum", "Kepala Bidang", "IV/a", SEKDA, "ya"),
        ("bidang-umum", "Bidang Umum", STAFF, "Staf Umum", "Pengadministrasi", "III/a", HEAD, ""),
        ("bidang-umum", "Bidang Umum", ANALIS, "Analis Kebijakan", "Analis", "III/b", HEAD, ""),
        ("bidang-umum", "Bidang Umum", HR_NIP, "Pengelola Kinerja", "Analis SDM", "III/c", HEAD, ""),
    ]
    lines = [
        f'{AGENCY},Pemerintah Kota Palu,WITA,{u},{un},{n},"{name}",{pos},{rank},{boss},{h}'
        for u, un, n, name, pos, rank, boss, h in rows
    ]
    return head + "\n".join(lines) + "\n"


def with_agency(app: Appraisals, at=T["define"] - timedelta(days=1), sekda_name: str = SEKDA_NAME) -> None:
    result = app.import_org(org_csv(sekda_name), by=HR_ACTOR, at=at)
    assert result.ok, result.problems


def amend(s: Scenario, at=DECIDED) -> None:
    s.do(STAFF, DecideKeberatan(actor(SEKDA), "amended", "bukti triwulan IV sah", "di_atas", values("di_atas")), at)


@pytest.fixture
def keberatan() -> Scenario:
    """STAFF's appraisal with a keberatan filed, on an in-memory store with the agency's master data."""
    app = Appraisals()
    with_agency(app)
    return reach("keberatan", app=app)


def test_the_evaluation_states_the_agency_year_and_three_people_with_names_and_nips(keberatan: Scenario) -> None:
    documents = Documents(keberatan.app)
    stated, _ = documents.current(keberatan.get(STAFF), EVALUATION)
    assert (stated["agency"], stated["year"], stated["period"]) == (
        "Pemerintah Kota Palu",
        2024,
        ["2024-01-01", "2024-12-31"],
    )
    assert stated["employee"] == {
        "nip": STAFF,
        "name": "Staf Umum",
        "rank": "III/a",
        "position": "",
        "unit": "bidang-umum",
    }
    assert stated["appraiser"]["name"] == "Kepala Bidang Umum" and stated["appraiser"]["nip"] == HEAD
    # The Sekda takes no part in the cycle: named from the agency's master data, with rank and unit.
    assert stated["atasan"] == {
        "nip": SEKDA,
        "name": SEKDA_NAME,
        "rank": "IV/d",
        "position": "Sekretaris Daerah",
        "unit": "Pimpinan",
    }
    # The day of the state printed, in the agency's zone: filed 04:00 WITA on 22 January (21 Jan in UTC).
    assert stated["dated"] == "2025-01-22" and stated["zone"] == "WITA"
    assert stated["predikat"] == "baik" and stated["keberatan"]["outcome"] is None


def test_a_reference_round_trips_and_nothing_else_parses() -> None:
    ref = Reference(EVALUATION, Position(Scenario.new().id(STAFF), 8, 4, 3), "a" * 64)
    assert Reference.parse(ref.token) == ref and len(ref.token) <= MAX_TOKEN == 142
    for bad in (
        "",
        "x" * 100_000,
        ref.token + ".1",
        ref.token.upper(),
        ref.token.replace("evaluasi", "surat"),
        ref.token.replace(".8.", ".0."),  # no record has a version 0
        ref.token.replace(".4.", ".12345678."),
        ref.token[:-1] + "g",
        ref.token + "\x00",
        "<script>alert(1)</script>",
        ref.token + "\n",
    ):
        with pytest.raises(InvalidInput) as refused:
            Reference.parse(bad)
        assert refused.value.field == "rujukan"


def test_a_printed_evaluation_matches_until_the_keberatan_amends_it(keberatan: Scenario) -> None:
    documents = Documents(keberatan.app)
    _, printed = documents.current(keberatan.get(STAFF), EVALUATION)
    assert documents.verify(printed).status == MATCHES

    amend(keberatan)
    after = documents.verify(printed)
    assert after.status == SUPERSEDED and after.changed_at == DECIDED
    assert after.summary()["predikat"] == "baik"  # what the old paper says, not the record now
    _, reprinted = documents.current(keberatan.get(STAFF), EVALUATION)
    assert reprinted != printed and documents.verify(reprinted).status == MATCHES
    assert documents.verify(reprinted).summary()["predikat"] == "sangat_baik"


def test_an_skp_stays_current_while_only_later_work_is_recorded() -> None:
    app = Appraisals()
    with_agency(app)
    s = reach("execution", app=app)
    documents = Documents(app)
    _, printed = documents.current(s.get(STAFF), SKP)
    s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", "300 surat"), T["check_in"])
    verdict = documents.verify(printed)
    assert verdict.status == MATCHES and verdict.changed_at is None
    _, evaluation = documents.current(s.get(STAFF), EVALUATION)  # the realisation is on the evaluation
    s.do(STAFF, ReportProgress(actor(STAFF), "Q2", "004-1", "610 surat"), T["check_in"] + timedelta(days=90))
    assert documents.verify(evaluation).status == SUPERSEDED
    assert documents.verify(evaluation).changed_at == T["check_in"] + timedelta(days=90)


def test_a_renamed_atasan_supersedes_the_print_from_the_day_of_the_rename(keberatan: Scenario) -> None:
    documents = Documents(keberatan.app)
    _, printed = documents.current(keberatan.get(STAFF), SKP)
    renamed_at = T["deliver"] + timedelta(days=3)
    with_agency(keberatan.app, at=renamed_at, sekda_name="Dr. Ir. Rahmat Paliudju, M.T.")
    verdict = documents.verify(printed)
    assert verdict.status == SUPERSEDED and verdict.changed_at == renamed_at
    assert verdict.summary()["atasan"] == {"name": SEKDA_NAME, "nip": SEKDA}


def test_forged_and_foreign_references_match_nothing_and_tell_nothing(keberatan: Scenario) -> None:
    documents = Documents(keberatan.app)
    _, printed = documents.current(keberatan.get(STAFF), EVALUATION)
    p = printed.position
    forged = [
        Reference(EVALUATION, p, "0" * 64),
        Reference(SKP, p, printed.digest),  # the evaluation's digest presented as its SKP
        Reference(
            EVALUATION, Position(keberatan.id(HEAD), p.version, p.cycle_version, p.agency_version), printed.digest
        ),
        Reference(
            EVALUATION, Position(p.appraisal_id, p.version + 1, p.cycle_version, p.agency_version), printed.digest
        ),
        Reference(
            EVALUATION, Position(p.appraisal_id, p.version - 1, p.cycle_version, p.agency_version), printed.digest
        ),
        Reference(
            EVALUATION, Position(p.appraisal_id, p.version, p.cycle_version + 50, p.agency_version), printed.digest
        ),
        Reference(EVALUATION, Position(p.appraisal_id, p.version, p.cycle_version, 0), printed.digest),
        Reference(EVALUATION, Position(keberatan.cycle_id, 1, 1, 0), printed.digest),  # a cycle, not an appraisal
    ]
    for ref in forged:
        verdict = documents.verify(ref)
        assert verdict.status == NO_MATCH and verdict.summary() == {} and verdict.stated == {}, ref


def test_the_digest_binds_the_chain_heads_of_the_log_position(keberatan: Scenario) -> None:
    appraisal = keberatan.get(STAFF)
    cycle = keberatan.app.cycle(appraisal.cycle_id)
    stated = content(EVALUATION, appraisal, cycle, keberatan.app.agency(AGENCY))
    position = Position(appraisal.id, appraisal.version, cycle.version, 1)
    heads = (appraisal.chain_head, cycle.chain_head, "c" * 64)
    assert digest(EVALUATION, position, heads, stated) != digest(EVALUATION, position, ("0" * 64, *heads[1:]), stated)
    assert digest(EVALUATION, position, heads, stated) != digest(EVALUATION, position, heads, {**stated, "year": 2025})
