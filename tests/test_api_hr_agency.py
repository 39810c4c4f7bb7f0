"""HR is bound to its agency (#15), through HTTP on the real Temporal test server, on both databases.

Siti administers agency A and Rudi agency B (the user directory names each one's agency). Each reads and acts on
their own agency's cycles, appraisals, flags and dashboards; on the other agency's they get 403 (a cycle, an
agency) or 404 (an appraisal, as to anyone unrelated), and the lists keep their own agency's rows. A transfer from
A to B is seen by HR of both agencies and by nobody else's HR. An auditor reads every agency.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.application import Appraisals
from domain.base import Actor
from domain.stages import FOLLOW_UP
from services.authz import CENTRAL
from services.readside import ReadSide
from services.users import UserDirectory
from services.views import my_tasks
from settings import event_store_env
from tests.factories import AGENCY as FACTORY_AGENCY
from tests.factories import reach
from tests.test_api_org import AGENCY, org_csv
from tests.test_api_support import (
    ATASAN,
    AUDITOR,
    EMP1,
    EMP2,
    OUTSIDER,
    PARTICIPANTS,
    SUPERVISOR,
    USERS,
    appraisal_id,
    participant,
)
from tests.test_api_world import World, eventually, start_server, world
from tests.test_transfer_flows import WIB, until
from tests.test_web_pages import sign_in

HR_A, HR_B, HR_C = "197002022000012003", "197103032001012004", "197204042002012005"
HR_NONE = "197305052003012006"  # HR whose agency nobody named: neither the users file nor any master data


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A server per test: the transfer moves its clock into the cycle's year."""
    environment = await start_server()
    yield environment
    await environment.shutdown()


def bind(w: World) -> tuple[str, str]:
    """Two agencies, and an HR user of each (and of a third) in the user directory; returns A's and B's codes."""
    a, b = (f"AG-{uuid.uuid4().hex[:8]}" for _ in range(2))
    w.app.state.users = UserDirectory.from_mapping(
        {
            **USERS,
            HR_A: {"name": "Siti HR A", "roles": ["hr"], "agency_id": a},
            HR_B: {"name": "Rudi HR B", "roles": ["hr"], "agency_id": b},
            HR_C: {"name": "Tono HR C", "roles": ["hr"], "agency_id": "AG-LAIN"},
            HR_NONE: {"name": "Dewi HR", "roles": ["hr"]},
        }
    )
    return a, b


async def import_org(w: World, hr: str, agency: str) -> httpx.Response:
    """HR's org CSV (tests/test_api_org.py's people) for `agency`."""
    return await w.http.post(
        "/api/v1/hr/org/import",
        files={"file": ("org.csv", org_csv().replace(AGENCY, agency).encode(), "text/csv")},
        data={"reason": "Impor SIASN"},
        headers=await w.headers(hr),
    )


async def test_hr_of_one_agency_is_refused_the_other_agency_s_records(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        agency_a, agency_b = bind(w)
        cycle_a = await w.launch(HR_A, agency_id=agency_a)
        cycle_b = await w.launch(HR_B, [participant(OUTSIDER, "Dedi")], agency_id=agency_b)
        a1 = appraisal_id(cycle_a, EMP1)
        reason = {"reason": "Atasan langsung saya Bu Atasan"}
        await w.call("POST", f"/employees/appraisals/{a1}/supervisor-flag", EMP1, reason, key="flag")

        # Its own agency: HR of A reads and acts.
        assert (await w.call("GET", f"/hr/cycles/{cycle_a}", HR_A))["agency_id"] == agency_a
        await w.call("GET", f"/employees/appraisals/{a1}", HR_A)
        assert [f["employee_nip"] for f in await w.call("GET", "/hr/supervisor-flags", HR_A)] == [EMP1]

        # The other agency's: HR of B is refused every cycle route, read or write, and every appraisal is 404.
        extension = {"until": f"{await w.year()}-02-28", "reason": "SE BKN"}
        for method, path, body in (
            ("GET", f"/hr/cycles/{cycle_a}", None),
            ("GET", f"/hr/cycles/{cycle_a}/progress", None),
            ("GET", f"/hr/cycles/{cycle_a}/appraisals", None),
            ("GET", f"/hr/cycles/{cycle_a}/distribution", None),
            ("GET", f"/hr/cycles/{cycle_a}/cascade", None),
            ("POST", f"/hr/cycles/{cycle_a}/deadlines/planning/extension", extension),
            ("POST", f"/hr/cycles/{cycle_a}/close", {"exceptions": {}}),
        ):
            refused = await w.call(method, path, HR_B, body, expect=403)
            assert refused["code"] == "role.other_agency", (path, refused)
        for method, path, body in (
            ("GET", f"/employees/appraisals/{a1}", None),
            ("POST", f"/hr/appraisals/{a1}/supervisor-flag/dismiss", {"reason": "sudah benar"}),
            (
                "POST",
                f"/hr/appraisals/{a1}/supervisor",
                {"appraiser_nip": EMP2, "atasan_nip": SUPERVISOR, "reason": "x"},
            ),
            ("POST", f"/hr/appraisals/{a1}/review/open", None),
        ):
            await w.call(method, path, HR_B, body, expect=404)
        # The audit trail names its record as record_id (an appraisal or a cycle): bound alike.
        for view in ("history", "verify", "state", "export"):
            await w.call("GET", f"/audit/records/{a1}/{view}", HR_B, expect=404)
            refused = await w.call("GET", f"/audit/records/{cycle_a}/{view}", HR_B, expect=403)
            assert refused["code"] == "role.other_agency", (view, refused)
        assert (await w.call("GET", f"/audit/records/{a1}/history", HR_A))[0]["type"]
        assert (await w.call("GET", f"/audit/records/{a1}/history", AUDITOR))[0]["type"]
        # The same through a bulk request, whose appraisals are in the body, not the path: each item is 404 too
        # (HR delivers results, so a bulk item of another agency's appraisal would have been a write there).
        items = [{"appraisal_id": str(a1), "task": task} for task in ("review_skp", "deliver_result")]
        for hr in (HR_B, HR_NONE):
            answers = await w.call("POST", "/tasks/bulk", hr, {"items": items}, key=f"bulk-{hr}")
            assert [(a["done"], a["status"], a["error"]["code"]) for a in answers] == [
                (False, 404, "role.not_readable")
            ] * 2, answers
        await w.call("GET", "/hr/supervisor-flags", HR_B, params={"cycle_id": cycle_a}, expect=403)
        await w.call("GET", "/hr/trends", HR_B, params={"agency_id": agency_a}, expect=403)
        body = {"agency_id": agency_a, "time_zone": "WIB", "year": 2031, "participants": PARTICIPANTS}
        assert (await w.call("POST", "/hr/cycles", HR_B, body, expect=403))["code"] == "role.other_agency"
        # Safe by default: HR whose agency nobody named acts on no agency's records and lists none.
        for method, path, sent in (
            ("GET", f"/hr/cycles/{cycle_a}", None),
            ("POST", f"/hr/cycles/{cycle_a}/close", {"exceptions": {}}),
            ("POST", "/hr/cycles", body),
        ):
            refused = await w.call(method, path, HR_NONE, sent, expect=403)
            assert refused["code"] == "role.no_agency", (path, refused)
        assert await w.call("GET", "/hr/cycles", HR_NONE) == []
        assert (await import_org(w, HR_NONE, agency_a)).json()["code"] == "role.no_agency"
        # HR of B cannot import A's master data: the file is refused, nothing recorded.
        response = await import_org(w, HR_B, agency_a)
        assert (response.status_code, response.json()["code"]) == (403, "role.other_agency")
        assert w.app.state.appraisals.find_agency(agency_a) is None  # no master data recorded for A
        # The lists keep each agency's own rows; the flag is A's task only.
        assert await w.call("GET", "/hr/supervisor-flags", HR_B) == []
        assert {c["agency_id"] for c in await w.call("GET", "/hr/cycles", HR_B)} == {agency_b}
        assert {c["agency_id"] for c in await w.call("GET", "/hr/cycles", HR_A)} == {agency_a}
        assert {agency_a, agency_b} <= {c["agency_id"] for c in await w.call("GET", "/hr/cycles", AUDITOR)}
        await w.call("GET", f"/hr/cycles/{cycle_b}", HR_A, expect=403)
        assert await w.call("GET", f"/hr/cycles/{cycle_b}/cascade", HR_B) == []
        # The pages are bound alike: HR of B's session gets 403 on A's dashboard and lists only B's cycle.
        transport = httpx.ASGITransport(app=w.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kinerja.test") as pages:
            await sign_in(pages, HR_B)
            refused = await pages.get(f"/hr/siklus/{cycle_a}")
            assert refused.status_code == 403 and "hanya menangani catatan instansinya sendiri" in refused.text
            assert (await pages.get(f"/hr/siklus/{cycle_b}")).status_code == 200
            listing = await pages.get("/hr")  # B's cycle is the only one listed: its dashboard opens
            assert (listing.status_code, listing.headers["location"]) == (303, f"/hr/siklus/{cycle_b}")
            await sign_in(pages, HR_NONE)
            refused = await pages.get(f"/hr/siklus/{cycle_a}")
            assert refused.status_code == 403 and "belum terikat pada instansi" in refused.text
            home = await pages.get("/hr")  # no cycle of any agency, nor another agency's name
            assert home.status_code == 200 and agency_a not in home.text and agency_b not in home.text
        # Nothing of A was written by B's attempts: the flag is still open, the appraiser unchanged.
        seen = await w.call("GET", f"/employees/appraisals/{a1}", HR_A)
        assert seen["appraiser_nip"] == SUPERVISOR
        assert w.events(cycle_a, EMP1)[-1] == "SupervisorFlagged"
        # HR of A answers it.
        await w.call(
            "POST", f"/hr/appraisals/{a1}/supervisor-flag/dismiss", HR_A, {"reason": "SK menyebut Pak Penilai"}
        )


async def test_a_transfer_between_agencies_is_seen_by_hr_of_both_and_no_other(
    env: WorkflowEnvironment, tmp_path: Path, store_url: str
) -> None:
    async with world(env, tmp_path, store_url) as w:
        agency_a, agency_b = bind(w)
        year = await w.year()
        origin = await w.launch(HR_A, [participant(EMP1, "Budi")], agency_id=agency_a)
        destination = await w.launch(HR_B, [participant(EMP2, "Citra")], agency_id=agency_b)
        await until(w, datetime(year, 6, 3, 9, 0, tzinfo=WIB))
        decree = {
            "nip": EMP1,
            "to_agency_id": agency_b,
            "to_unit_id": "U9",
            "to_unit_name": "Bidang Kurikulum",
            "to_appraiser_nip": OUTSIDER,
            "to_atasan_nip": ATASAN,
            "effective": f"{year}-06-01",
            "decree": "821/77/BKD",
            "reason": "Mutasi antarinstansi",
        }
        await w.call("POST", f"/hr/cycles/{origin}/transfers", HR_B, decree, expect=403)  # not B's cycle
        recorded = await w.call("POST", f"/hr/cycles/{origin}/transfers", HR_A, decree, expect=201)
        transfer = recorded["id"]
        w.cycles.append((destination, [EMP1]))
        for hr, agency in ((HR_A, agency_a), (HR_B, agency_b)):
            assert (await w.call("GET", f"/transfers/{transfer}", hr))["id"] == transfer
            assert [t["id"] for t in await w.call("GET", f"/hr/agencies/{agency}/transfers", hr)] == [transfer]
        await w.call("GET", f"/hr/agencies/{agency_a}/transfers", HR_B, expect=403)
        await w.call("GET", f"/transfers/{transfer}", HR_C, expect=403)
        await w.call("GET", f"/hr/agencies/{agency_b}/transfers", HR_C, expect=403)
        # The new post's appraisal is B's: HR of B reads it, HR of A no longer does.
        new = recorded["destination"]["appraisal_id"]
        await eventually(lambda: w.call("GET", "/employees/me/appraisals", EMP1), lambda v: len(v) == 2)
        assert (await w.call("GET", f"/employees/appraisals/{new}", HR_B))["employee_nip"] == EMP1
        await w.call("GET", f"/employees/appraisals/{new}", HR_A, expect=404)
        await w.call("GET", f"/employees/appraisals/{appraisal_id(origin, EMP1)}", HR_A)  # the old post stays A's


async def test_hr_s_inbox_keeps_its_own_agency_s_tasks(tmp_path: Path) -> None:
    """HR's shared inbox ("hr": the follow-up decision after the keberatan window) keeps a bound HR user's agency's
    tasks; a central pengelola ("*") sees every agency's; an HR user whose agency nobody named sees none."""
    url = f"sqlite:///{tmp_path / 'kinerja.db'}"
    app = Appraisals(env=event_store_env(url))
    reach(FOLLOW_UP, app=app)
    readside = ReadSide.from_url(url, app)
    await readside.catch_up()
    now = datetime(2030, 1, 1, tzinfo=WIB)

    async def tasks(agency: str) -> list[str]:
        return [t["task"] for t in await my_tasks(readside, Actor(HR_A, ("hr",), agency), now)]

    assert await tasks(FACTORY_AGENCY) == ["decide_follow_up"]
    assert await tasks(CENTRAL) == ["decide_follow_up"]
    assert await tasks("") == []
    assert await tasks("AG-LAIN") == []
    app.close()
