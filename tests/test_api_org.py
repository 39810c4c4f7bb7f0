"""HR's org master data over HTTP: CSV import with its report, a cycle from the org data, a mutation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from services.users import UserDirectory
from tests.test_api_support import ATASAN, EMP1, EMP2, HR_NIP, SUPERVISOR, USERS, appraisal_id
from tests.test_api_world import World, eventually, start_server, world

TOP = "196801011990031001"  # kepala dinas: in the org data, not in the explicit user list
AGENCY = "AG-ORG"
HEADER = "agency_code,agency_name,time_zone,unit_code,unit_name,nip,name,position,rank,supervisor_nip,unit_head"


def org_csv(emp2_supervisor: str = SUPERVISOR) -> str:
    people = [
        (TOP, "KANTOR", "Kepala Dinas", "", "ya"),
        (ATASAN, "KANTOR", "Sekretaris", TOP, ""),
        (SUPERVISOR, "U1", "Kepala Bidang", ATASAN, "ya"),
        (EMP1, "U1", "Analis", SUPERVISOR, ""),
        (EMP2, "U1", "Pengadministrasi", emp2_supervisor, ""),
    ]
    units = {"KANTOR": "Kantor Dinas", "U1": "Bidang Pelayanan"}
    lines = [
        f"{AGENCY},Dinas Uji,WIB,{unit},{units[unit]},{nip},Pegawai {nip[-3:]},{position},III/a,{sup},{head}"
        for nip, unit, position, sup, head in people
    ]
    return "\n".join([HEADER, *lines]) + "\n"


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    environment = await start_server()
    yield environment
    await environment.shutdown()


async def upload(w: World, text: str, expect: int = 200) -> dict:
    response = await w.http.post(
        "/api/v1/hr/org/import",
        files={"file": ("org.csv", text.encode(), "text/csv")},
        data={"reason": "Impor SIASN"},
        headers=await w.headers(HR_NIP),
    )
    assert response.status_code == expect, response.text
    return response.json()


async def test_import_define_from_org_data_and_forward_a_mutation(env: WorkflowEnvironment, tmp_path: Path) -> None:
    async with world(env, tmp_path) as w:
        w.app.state.users = UserDirectory.from_mapping(USERS, employees=w.app.state.readside.employee)

        # A file with mistakes is refused as a whole, with a report naming line, field and reason.
        broken = org_csv().replace(f",{EMP1},", ",19850315201001100X,").replace("WIB,U1", "UTC,U1", 1)
        report = await upload(w, broken, expect=422)
        assert {(p["line"], p["field"]) for p in report["problems"]} >= {(4, "time_zone"), (5, "nip")}
        assert report["message"].startswith("line 4, time_zone:")

        imported = await upload(w, org_csv())
        assert imported["ok"] and imported["agencies"] == [AGENCY] and imported["events"] > 0
        assert (await upload(w, org_csv()))["events"] == 0  # re-import: nothing changes

        # Anyone in the org data may use the dev login, without standing roles.
        assert (await w.call("POST", "/auth/dev-login", None, {"nip": TOP}))["roles"] == []

        # A cycle from the org data: appraiser = supervisor, atasan = the supervisor's supervisor.
        body = {
            "agency_id": AGENCY,
            "agency_name": "Dinas Uji",
            "time_zone": "WIB",
            "year": await w.year(),
            "unit_ids": ["U1"],
        }
        defined = await w.call("POST", "/hr/cycles", HR_NIP, body, expect=201)
        assert defined["participants"] == 3 and defined["skipped"] == []
        cycle = defined["id"]
        await w.call("POST", f"/hr/cycles/{cycle}/start", HR_NIP, expect=202)
        w.cycles.append((cycle, [EMP1, EMP2, SUPERVISOR]))
        await eventually(lambda: w.opened(cycle, [EMP1, EMP2, SUPERVISOR]))
        a2 = appraisal_id(cycle, EMP2)
        assert (await w.call("GET", f"/employees/appraisals/{a2}", SUPERVISOR))["atasan_nip"] == ATASAN

        # Citra now reports to the Sekretaris: the import records it and her running appraisal follows.
        moved = await upload(w, org_csv(emp2_supervisor=ATASAN))
        assert moved["supervisor_changes"] == [
            {
                "nip": EMP2,
                "cycle_id": cycle,
                "appraiser_nip": ATASAN,
                "atasan_nip": TOP,
                "forwarded": True,
                "reason": "",
            }
        ]
        view = await w.call("GET", f"/employees/appraisals/{a2}", ATASAN)
        assert view["appraiser_nip"] == ATASAN and view["your_relations"] == ["appraiser"]
        await w.call("GET", f"/employees/appraisals/{a2}", SUPERVISOR, expect=404)
        assert w.events(cycle, EMP2)[-1] == "SupervisorReassigned"
