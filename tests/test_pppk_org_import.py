"""PPPK contracts from HR's org CSV (#14): optional columns employment, contract_start, contract_end, checked like
every other column (the line, the column, the rule), recorded as the agency's contract facts; the same file twice
records nothing; a file without the columns keeps what is recorded."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from domain.application import Appraisals
from domain.pppk import contract_of
from tests.factories import HR_ACTOR, nip

AT = datetime(2026, 1, 5, tzinfo=timezone.utc)
A, B, C = (
    nip("19900101", "202401", "1", "031"),
    nip("19910202", "202401", "2", "032"),
    nip("19920303", "201503", "1", "033"),
)
HEAD = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip,employment,contract_start,contract_end\n"


def line(who: str, name: str, employment: str = "", start: str = "", end: str = "") -> str:
    return f"sigi,Pemkab Sigi,WITA,u1,Bidang Satu,{who},{name},,{employment},{start},{end}\n"


def test_contracts_come_with_the_org_csv_checked_and_once() -> None:
    app = Appraisals()
    text = (
        HEAD
        + line(A, "Ani", "pppk", "2024-02-01", "2029-01-31")
        + line(B, "Beni", "pppk_paruh_waktu", "2025-01-01", "2025-12-31")
        + line(C, "Cici")
    )
    first = app.import_org(text, by=HR_ACTOR, at=AT)
    assert not first.problems
    agency = app.agency("sigi")
    assert contract_of(agency, A) == {
        "employment": "pppk",
        "contract_start": "2024-02-01",
        "contract_end": "2029-01-31",
    }
    assert contract_of(agency, B)["employment"] == "pppk_paruh_waktu"
    assert contract_of(agency, C)["employment"] == "pns"  # nothing stated: PNS, no contract
    assert sorted(n for _, n, _ in first.contracts) == sorted([A, B])
    again = app.import_org(text, by=HR_ACTOR, at=AT)
    assert (again.events, again.contracts) == (0, [])
    without = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,supervisor_nip\n"
    without += f"sigi,Pemkab Sigi,WITA,u1,Bidang Satu,{A},Ani,\n"
    assert app.import_org(without, by=HR_ACTOR, at=AT).events == 0
    assert contract_of(app.agency("sigi"), A)["contract_end"] == "2029-01-31"


def test_a_wrong_contract_names_its_line_column_and_rule_and_nothing_is_recorded() -> None:
    app = Appraisals()
    text = (
        HEAD
        + line(A, "Ani", "pppk", "2026-01-01", "2026-03-31")  # shorter than a year
        + line(B, "Beni", "pns", "2026-01-01", "")  # a PNS with a contract day
        + line(C, "Cici", "honorer", "", "")
    )
    result = app.import_org(text, by=HR_ACTOR, at=AT)
    found = [(p.line, p.field, p.code) for p in result.problems]
    assert found == [
        (2, "contract_end", "pppk.contract_too_short"),
        (3, "contract_start", "pppk.pns_no_contract"),
        (4, "employment", "pppk.employment"),
    ]
    assert app.find_agency("sigi") is None


def test_contracts_dossiers_and_exports_on_a_partitioned_store(store_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Each agency's own log (KINERJA_PARTITIONED): the contract, the dossier and the export's results are found
    there, and another agency's log holds none of them."""
    from domain.career_results import final_results  # noqa: PLC0415
    from domain.partitions import PartitionedAppraisals  # noqa: PLC0415
    from domain.pppk_service import dossiers_of, produce_dossier, save_contract  # noqa: PLC0415
    from partitioning.store import open_appraisals  # noqa: PLC0415
    from tests.career_kit import finished, import_agencies  # noqa: PLC0415
    from tests.factories import AGENCY, STAFF  # noqa: PLC0415
    from tests.test_partitions import settings_for  # noqa: PLC0415

    app = open_appraisals(settings_for(store_url, tmp_path, partitioned=True))
    assert isinstance(app, PartitionedAppraisals)
    s = finished(app)
    import_agencies(app, f"{AGENCY},Pemerintah Kota Palu,WITA,bidang-umum,Bidang Umum,{STAFF},Staf Umum,\n")
    contract = {"employment": "pppk", "contract_start": "2024-01-01", "contract_end": "2025-06-30"}
    save_contract(app, AGENCY, STAFF, contract, by=HR_ACTOR, at=AT)
    dossier_id = produce_dossier(app, AGENCY, STAFF, "2025-06-30", AT)
    assert produce_dossier(app, AGENCY, STAFF, "2025-06-30", AT) == dossier_id  # once
    [listed] = dossiers_of(app, AGENCY)
    assert listed["dossier"]["results"][0] == {"year": 2024, "months": 12, "stage": "finalised", "predikat": "baik"}
    assert app.agency_of_record(UUID(dossier_id)) == AGENCY
    assert len(final_results(app, app.cycle(s.cycle_id))) == 3
    app.close()
