"""Seed the demo agency through the public API, as its users would.

Dinas Kependudukan dan Pencatatan Sipil Kota Palu (WITA): one dinas, three units,
40 employees (demo/agency.csv). The cycle of the current year (in the agency's zone) is left in
progress; once that year's review has opened (1 December, WITA) the demo seeds next year's cycle
instead, as check-ins are closed from then on:
- Sekretariat: SKP drafts waiting on the Sekretaris (supervisor inbox), some not drafted yet;
- Bidang Pendaftaran Penduduk: SKP approved, check-ins held for part of the staff;
- Bidang Pencatatan Sipil: rated, calibrated and delivered; one keberatan waits on the Kepala Dinas.
Every write carries an Idempotency-Key, and a cycle that already exists is left alone,
so running it twice changes nothing. Given the store (`kinerja dev` passes it), a fresh demo first
records the year before, finished, at the dates of its year (demo/history.py): the auditor's "state
at a date" and "diff" show an appraisal change over a year, which the live cycle, seeded in one go
through its workflows, cannot.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

from demo.history import seed_history
from demo.steps import DemoClient, draft_skp, review_capil, wait_open
from domain import calendar
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from domain.rules import PERMENPANRB_6_2022
from settings import DATA_DIR

HERE = Path(__file__).parent
AGENCY_CSV = HERE / "agency.csv"
ZONE = "WITA"  # Kota Palu
DEMO_USERS_FILE = DATA_DIR / "dev-users.json"
AGENCY = "disdukcapil-palu"
SEKDA = "196806051994071001"  # Sekretaris Daerah: the Kepala Dinas's superior (no superior in the file)
AUDITOR = "197708172003122001"  # an auditor of the Inspektorat
UNITS = ("SEKRETARIAT", "DAFDUK", "CAPIL")  # the dinas's units; PIMPINAN and SETDA hold its leadership


def employees() -> list[dict[str, str]]:
    with AGENCY_CSV.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _hr() -> dict[str, str]:
    return next(e for e in employees() if "Pengelola Kinerja" in e["position"])


def demo_users() -> dict[str, Any]:
    """The dev-login directory: every employee of the agency, plus HR, an auditor and the Sekda."""
    staff = employees()
    kadis = next(e for e in staff if e["position"] == "Kepala Dinas")
    heads = [e for e in staff if e["unit_head"] and e["unit_code"] in UNITS]
    hr = _hr()
    users = {
        hr["nip"]: {"name": hr["name"], "roles": ["hr"], "agency_id": AGENCY, "note": "HR / pengelola kinerja"},
        AUDITOR: {"name": "Maria Lasawedy (Inspektorat)", "roles": ["auditor"], "note": "auditor (read-only)"},
        kadis["nip"]: {"name": kadis["name"], "roles": [], "note": "Kepala Dinas: atasan, decides the keberatan"},
        SEKDA: {
            "name": "Sekretaris Daerah Kota Palu",
            "roles": [],
            "note": "appraiser of the Kepala Dinas, atasan of unit heads",
        },
    }
    for head in heads:
        users[head["nip"]] = {"name": head["name"], "roles": [], "note": f"supervisor, {head['position']}"}
    for unit in ("SEKRETARIAT", "CAPIL"):
        e = next(e for e in staff if e["unit_code"] == unit and not e["unit_head"] and e["nip"] != hr["nip"])
        users[e["nip"]] = {"name": e["name"], "roles": [], "note": f"employee, {e['position']}"}
    return {"agencies": [AGENCY], "users": users}


def demo_year(today: date) -> int:
    """The year whose cycle the demo seeds on `today` (the agency's date): this year's until its review
    opens, next year's from then on (a check-in, which the demo holds, is refused once the review opens)."""
    opens = calendar.parse_day("review_opens", f"{today.year}-{PERMENPANRB_6_2022.review_opens}")
    return today.year + 1 if today >= opens else today.year


def seed(base: str, today: date | None = None, history: Appraisals | None = None) -> str:
    today = today or calendar.local_day(datetime.now(timezone.utc), ZONE)
    api, staff, hr = DemoClient(base), employees(), _hr()["nip"]
    year = demo_year(today)
    cycle = str(AppraisalCycle.create_id(AGENCY, year))
    existing = api.http.get(f"/hr/cycles/{cycle}", headers={"Authorization": f"Bearer {api._token(hr)}"})
    if existing.status_code == 200:
        return f"cycle {cycle} already seeded"
    past = ""
    if history is not None:  # before the live import: the org data's first record is the past year's
        past = seed_history(history, AGENCY_CSV.read_text(encoding="utf-8"), AGENCY, hr, today) + "; "
    api.call("POST", "/hr/org/import", hr, key="import", files={"file": ("agency.csv", AGENCY_CSV.read_bytes())})
    planning = max(date(year, 1, 31), today + timedelta(days=21)).isoformat()
    created = api.call(
        "POST",
        "/hr/cycles",
        hr,
        {
            "agency_id": AGENCY,
            "agency_name": staff[0]["agency_name"],
            "time_zone": ZONE,
            "year": year,
            "deadlines": {"planning": planning},
        },
    )
    # The review opens on the rule set's date (1 December, agency time), or a week after today when the
    # seed runs later in the year: the Bidang Pendaftaran's check-ins need its appraisals still in execution.
    review = max(date(year, 12, 1), min(today + timedelta(days=7), date(year, 12, 31)))
    api.call("POST", f"/hr/cycles/{cycle}/start", hr, {"review_opens": review.strftime("%m-%d")})
    wait_open(api, cycle, hr, created["participants"])

    kadis = next(e["nip"] for e in staff if e["position"] == "Kepala Dinas")
    by_unit: dict[str, list[dict[str, str]]] = {}
    for e in staff:
        by_unit.setdefault(e["unit_code"], []).append(e)
    appraisals = {e["nip"]: str(Appraisal.create_id(UUID(cycle), e["nip"])) for e in staff}
    heads = {u: next(e for e in people if e["unit_head"]) for u, people in by_unit.items() if u in UNITS}

    # Unit heads plan first: their RHK is what their staff's SKP cascades from.
    for unit, head in heads.items():
        a = appraisals[head["nip"]]
        draft_skp(api, a, head["nip"], f"{unit}-R", "", 2)
        if unit != "SEKRETARIAT":
            api.call("POST", f"/tasks/appraisals/{a}/skp/approve", kadis)
    for unit in UNITS:
        people = by_unit[unit]
        head_nip = heads[unit]["nip"]
        for i, e in enumerate(p for p in people if not p["unit_head"]):
            a = appraisals[e["nip"]]
            if unit == "SEKRETARIAT" and i % 3 == 2:
                continue  # not drafted yet
            draft_skp(api, a, e["nip"], f"R{i + 1}", f"{unit}-R{1 + i % 2}", 1)
            if unit == "SEKRETARIAT":
                continue  # waiting on the Sekretaris in the inbox
            api.call("POST", f"/tasks/appraisals/{a}/skp/approve", head_nip)
            api.call(
                "POST",
                f"/employees/appraisals/{a}/progress",
                e["nip"],
                {
                    "period": "Q3",
                    "rhk_id": f"R{i + 1}",
                    "realisation": f"{200 + 17 * i} dokumen selesai",
                    "evidence": f"https://arsip.disdukcapil.palukota.go.id/q3/{e['nip']}.pdf",
                },
            )
            if unit == "DAFDUK" and i % 2 == 0:
                api.call(
                    "POST",
                    f"/tasks/appraisals/{a}/check-ins",
                    head_nip,
                    {
                        "period": "Q3",
                        "notes": "Dialog kinerja triwulan III",
                        "results_rating": "sesuai",
                        "behaviour_rating": "sesuai",
                    },
                )
    review_capil(api, appraisals, by_unit["CAPIL"], heads["CAPIL"]["nip"], kadis, hr, cycle)
    return f"{past}cycle {cycle} seeded: {created['participants']} appraisals"
