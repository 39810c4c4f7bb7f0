"""Seed the demo agency through the public API, as its users would.

Dinas Kependudukan dan Pencatatan Sipil Kota Palu (WITA): one dinas, three units,
40 employees (demo/agency.csv). The cycle of the current year (in the agency's zone) is left in
progress; once that year's review has opened (1 December, WITA) the demo seeds next year's cycle
instead, as check-ins are closed from then on:
- Sekretariat: SKP drafts waiting on the Sekretaris (supervisor inbox), some not drafted yet;
- Bidang Pendaftaran Penduduk: SKP approved, check-ins held for part of the staff;
- Bidang Pencatatan Sipil: rated, calibrated and delivered; one keberatan waits on the Kepala Dinas.
Every write carries an Idempotency-Key, and a cycle that already exists is left alone,
so running it twice changes nothing.
"""

from __future__ import annotations

import csv
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from domain import calendar
from domain.appraisal import Appraisal
from domain.cycle import AppraisalCycle
from domain.rules import BERAKHLAK, PERMENPANRB_6_2022
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
        hr["nip"]: {"name": hr["name"], "roles": ["hr"], "note": "HR / pengelola kinerja"},
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


class DemoClient:
    """Logs in as each demo user in turn and calls the API with an Idempotency-Key per step."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=f"{base}/api/v1", timeout=120)
        self.tokens: dict[str, str] = {}

    def call(self, method: str, path: str, nip: str, body: Any = None, key: str = "", **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._token(nip)}"}
        if method != "GET":
            headers["Idempotency-Key"] = f"demo:{key or path}:{nip}"
        r = self.http.request(method, path, json=body, headers=headers, **kw)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path} as {nip}: {r.status_code} {r.text}")
        return r.json()

    def _token(self, nip: str) -> str:
        if nip not in self.tokens:
            r = self.http.post("/auth/dev-login", json={"nip": nip})
            r.raise_for_status()
            self.tokens[nip] = r.json()["access_token"]
        return self.tokens[nip]


def demo_year(today: date) -> int:
    """The year whose cycle the demo seeds on `today` (the agency's date): this year's until its review
    opens, next year's from then on (a check-in, which the demo holds, is refused once the review opens)."""
    opens = calendar.parse_day("review_opens", f"{today.year}-{PERMENPANRB_6_2022.review_opens}")
    return today.year + 1 if today >= opens else today.year


def seed(base: str, today: date | None = None) -> str:
    today = today or calendar.local_day(datetime.now(timezone.utc), ZONE)
    api, staff, hr = DemoClient(base), employees(), _hr()["nip"]
    year = demo_year(today)
    cycle = str(AppraisalCycle.create_id(AGENCY, year))
    existing = api.http.get(f"/hr/cycles/{cycle}", headers={"Authorization": f"Bearer {api._token(hr)}"})
    if existing.status_code == 200:
        return f"cycle {cycle} already seeded"
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
    _wait_open(api, cycle, hr, created["participants"])

    kadis = next(e["nip"] for e in staff if e["position"] == "Kepala Dinas")
    by_unit: dict[str, list[dict[str, str]]] = {}
    for e in staff:
        by_unit.setdefault(e["unit_code"], []).append(e)
    appraisals = {e["nip"]: str(Appraisal.create_id(UUID(cycle), e["nip"])) for e in staff}
    heads = {u: next(e for e in people if e["unit_head"]) for u, people in by_unit.items() if u in UNITS}

    # Unit heads plan first: their RHK is what their staff's SKP cascades from.
    for unit, head in heads.items():
        a = appraisals[head["nip"]]
        _skp(api, a, head["nip"], f"{unit}-R", "", 2)
        if unit != "SEKRETARIAT":
            api.call("POST", f"/tasks/appraisals/{a}/skp/approve", kadis)
    for unit in UNITS:
        people = by_unit[unit]
        head_nip = heads[unit]["nip"]
        for i, e in enumerate(p for p in people if not p["unit_head"]):
            a = appraisals[e["nip"]]
            if unit == "SEKRETARIAT" and i % 3 == 2:
                continue  # not drafted yet
            _skp(api, a, e["nip"], f"R{i + 1}", f"{unit}-R{1 + i % 2}", 1)
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
    _review_capil(api, appraisals, by_unit["CAPIL"], heads["CAPIL"]["nip"], kadis, hr, cycle)
    return f"cycle {cycle} seeded: {created['participants']} appraisals"


def _skp(api: DemoClient, appraisal: str, nip: str, prefix: str, supports: str, count: int) -> None:
    rhk = [
        {
            "id": f"{prefix}{n}" if count > 1 else prefix,
            "kind": "utama",
            "text": f"Meningkatnya kualitas layanan administrasi kependudukan ({n})",
            "supports": supports,
            "indicators": [
                {"id": "IKI-1", "aspect": "kuantitas", "text": "Jumlah dokumen diterbitkan", "target": "1.200 dokumen"},
                {
                    "id": "IKI-2",
                    "aspect": "waktu",
                    "text": "Waktu penyelesaian layanan",
                    "target": "paling lama 3 hari kerja",
                },
            ],
        }
        for n in range(1, count + 1)
    ]
    api.call("PUT", f"/employees/appraisals/{appraisal}/skp", nip, {"rhk": rhk})
    api.call("POST", f"/employees/appraisals/{appraisal}/skp/submit", nip)


def _review_capil(
    api: DemoClient,
    appraisals: dict[str, str],
    people: list[dict[str, str]],
    head: str,
    kadis: str,
    hr: str,
    cycle: str,
) -> None:
    """Bidang Pencatatan Sipil: rated, calibrated and delivered; one keberatan pending."""
    staff = [p for p in people if not p["unit_head"]]
    results = [
        "di_atas",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "sesuai",
        "di_bawah",
        "sesuai",
        "di_atas",
        "sesuai",
    ]
    api.call("PUT", f"/hr/cycles/{cycle}/units/CAPIL/org-predikat", hr, {"predikat": "baik"})
    for p in people:
        api.call("POST", f"/hr/appraisals/{appraisals[p['nip']]}/review/open", hr)
    for i, p in enumerate(staff):
        values = dict.fromkeys(BERAKHLAK, "di_atas" if results[i] == "di_atas" else "sesuai")
        api.call(
            "POST",
            f"/tasks/appraisals/{appraisals[p['nip']]}/rating",
            head,
            {"results_rating": results[i], "behaviour_ratings": values, "notes": "Penilaian tahunan"},
        )
    api.call(
        "POST",
        f"/tasks/appraisals/{appraisals[head]}/rating",
        kadis,
        {"results_rating": "sesuai", "behaviour_ratings": dict.fromkeys(BERAKHLAK, "sesuai")},
    )
    api.call(
        "POST",
        f"/hr/cycles/{cycle}/units/CAPIL/calibration",
        hr,
        {"justification": "Sebaran sesuai capaian unit; dibahas dalam rapat kalibrasi"},
    )
    for p in people:
        appraiser = kadis if p["nip"] == head else head
        api.call("POST", f"/tasks/appraisals/{appraisals[p['nip']]}/result", appraiser)
    unhappy = staff[8]["nip"]  # rated di_bawah: butuh perbaikan
    api.call(
        "POST",
        f"/employees/appraisals/{appraisals[unhappy]}/keberatan",
        unhappy,
        {"reasons": "Realisasi triwulan IV belum diperhitungkan; bukti dukung terlampir"},
    )


def _wait_open(api: DemoClient, cycle: str, hr: str, expected: int, timeout: float = 180) -> None:
    """Until the cycle workflow counts every appraisal's workflow as running, and the read models show them."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = api.call("GET", f"/hr/cycles/{cycle}/progress", hr)
        # The cycle workflow's own count of running appraisal workflows (recorded once each start was
        # accepted, domain/opening.py), not the records: a record alone may still wait for its workflow,
        # and a write to it would get 409. The read models count the same fact; the seed reads them next.
        running = progress["workflow"].get("running", 0)
        opened = sum(sum(u["stages"].values()) for u in progress["units"])
        if progress["workflow"].get("opening_done") and running >= expected and opened >= expected:
            return
        time.sleep(1)
    raise RuntimeError(f"the cycle workflow did not open {expected} appraisals within {timeout} s")
