"""The demo's past years: three appraisal cycles recorded at the real dates of their years (demo mode only).

The last of them is recorded in full (below); the two before it are shorter (plans, review, results,
follow-up: no daily log and no check-ins), with other ratings, so that the trend pages (#14) show three
years that differ. Between them HR records the careers' facts: a potential assessment of each employee
in June of the last two years (the 9-box) and one change of jabatan by decree in the middle year, which
carries the angka kredit balance over (demo/agency.csv holds the jabatan and jenjang of today; the first
import records the one held before the decree).

The live demo (demo/seed.py) drives this year's cycle through the API and its workflows, so every fact
of it is stamped when the seed runs: on one day. An auditor comparing two dates sees nothing change.
This module adds the year before, written straight to the domain with each command's business instant
(`at`, which the domain stores as the event's timestamp) set to the day it would have happened: the
org import and the cycle in January, SKPs drafted, one returned and redrafted, approved in January,
a daily log entry each month, progress and a check-in each quarter, the review opening on 1 December,
self-assessments, ratings, calibration and results in December, one keberatan decided before the
year ends, follow-up and finalisation in January, and the cycle closed.

Why straight to the domain, and why a finished year. The workflows keep time with Temporal's clock,
which cannot be set back, so a cycle they drive can only hold facts of today. A finished year needs
no workflow: every appraisal of it is finalised and its cycle closed, which is where the workflows
would have ended, so no running workflow holds a stage or a timer that disagrees with these facts.
Nothing is faked below the commands: every event passes the same rules, is chained and sealed when it
is written (the seal is the writing's, whatever its timestamp), and `kinerja audit verify` checks it.
The price: the log's order (its notification ids) is the order of writing, not of the timestamps, and
the year's appraisals were never run by workflows (no reminders or escalations are in their history).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from domain import calendar
from domain.application import Appraisals
from domain.appraisal import Appraisal
from domain.base import HR, SYSTEM, Actor
from domain.cycle import AppraisalCycle
from domain.cycle_commands import CalibrateUnit, CloseCycle, DefineCycle, SetOrgPredikat, StartCycle
from domain.errors import NotFound
from domain.result_commands import (
    CloseKeberatanWindow,
    DecideFollowUp,
    DecideKeberatan,
    DeliverResult,
    FileKeberatan,
    Finalise,
    OpenReview,
    Rate,
    SelfAssess,
)
from domain.rules import BERAKHLAK, PERMENPANRB_6_2022
from domain.talent_rules import PARTS
from domain.work_commands import ApproveSkp, DraftSkp, HoldCheckIn, LogDailyWork, ReportProgress, ReturnSkp, SubmitSkp

# The past year's history ends with the cycle closed on this day of January of the next year.
CLOSED_ON = (1, 20)
QUARTER_ENDS = {"Q1": (3, 28), "Q2": (6, 26), "Q3": (9, 25), "Q4": (11, 27)}
UNIT_PREDIKAT = "baik"
YEARS = 3  # the past years recorded, the last in full
# The results ratings of staff go round this list; each earlier year starts it elsewhere (its trend differs).
RESULTS = ("di_atas", "sesuai", "sesuai", "sesuai", "di_bawah", "sesuai", "sesuai")
SHIFT = {0: 0, 1: 5, 2: 2}  # years before the last -> where the list starts
# The change of jabatan the middle year records (#14): Taufik Mardjun moves from Administrator Database
# Kependudukan to Pranata Komputer at the same jenjang; the balance carries over.
MOVED_NIP, MOVED_BEFORE = "198409012011091005", "Administrator Database Kependudukan"
MOVED_ON, MOVED_DECREE = (7, 1), "800/214/BKPSDM-PALU/VII"


def past_year(today: date) -> int:
    """The latest year whose whole history (up to its cycle's closing in January) lies before `today`."""
    return today.year - 1 if today > date(today.year, *CLOSED_ON) else today.year - 2


@dataclass
class History:
    app: Appraisals
    year: int
    zone: str
    hr: Actor
    cycle_id: UUID
    last: dict[str, datetime] = field(default_factory=dict)  # each record's latest instant so far

    def at(self, month: int, day: int, hour: int = 10, year: int | None = None) -> datetime:
        """That day at `hour` o'clock in the agency's zone, as the UTC instant the domain stores."""
        local = datetime.combine(date(year or self.year, month, day), time(hour), tzinfo=calendar.zone(self.zone))
        return calendar.as_utc(local)

    def do(self, nip: str, cmd: Any, at: datetime, step: str) -> None:
        """One command at its instant; never before the record's last event, so that a record's versions
        follow its timestamps and the auditor's "state at a moment" is the state it had then."""
        last = self.last.get(nip)
        if last is not None and at < last:
            raise RuntimeError(f"{step} of {nip} at {at.isoformat()} comes before the record's last fact ({last})")
        appraisal_id = Appraisal.create_id(self.cycle_id, nip)
        self.app.execute(appraisal_id, cmd, at=at, key=f"demo-history:{self.year}:{step}:{nip}")
        self.last[nip] = at

    def get(self, nip: str) -> Appraisal:
        return self.app.appraisal(Appraisal.create_id(self.cycle_id, nip))


def seed_history(app: Appraisals, agency_csv: str, agency: str, hr_nip: str, today: date) -> str:
    """Record the past years' cycles of `agency` from its org file; a cycle already there is left alone."""
    last = past_year(today)
    said = []
    for year in range(last - YEARS + 1, last + 1):
        said.append(_seed_year(app, agency_csv, agency, hr_nip, year, last))
    return "; ".join(said)


def _seed_year(app: Appraisals, agency_csv: str, agency: str, hr_nip: str, year: int, last: int) -> str:
    cycle_id = AppraisalCycle.create_id(agency, year)
    try:
        app.cycle(cycle_id)
        return f"past year {year}: cycle {cycle_id} already recorded"
    except NotFound:
        pass
    zone = next(csv.DictReader(io.StringIO(agency_csv)))["time_zone"]
    h = History(app, year, zone, Actor(hr_nip, (HR,)), cycle_id)
    full = year == last
    text = _employed_by(agency_csv if year == last else _before_the_decree(agency_csv), year)
    imported = app.import_org(text, by=h.hr, at=h.at(1, 2), reason=f"Data organisasi tahun {year}")
    if imported.problems:
        raise RuntimeError(f"the org file of {agency} is refused: {imported.problems[0]}")
    definition, _ = app.cycle_definition(agency, year, by=h.hr)
    # The pengelola kinerja is left out of the past year: nobody else could have decided their follow-up.
    people = [p for p in definition.participants if p["nip"] != hr_nip]
    definition = DefineCycle(**{**vars(definition), "participants": people})
    app.define_cycle(definition, at=h.at(1, 3, 9), key=f"demo-history:{year}:define")
    app.execute_cycle(cycle_id, StartCycle(h.hr), at=h.at(1, 3, 10), key=f"demo-history:{year}:start")
    app.open_appraisals(cycle_id, [p["nip"] for p in people], h.at(1, 3, 11))
    h.last = dict.fromkeys((p["nip"] for p in people), h.at(1, 3, 11))
    by_nip = {p["nip"]: p for p in people}
    order = _top_down(by_nip)
    shift = SHIFT.get(last - year, 0)
    _plan(h, by_nip, order, returned=full)
    if full:
        _year_of_work(h, by_nip, order)
    _review(h, by_nip, order, shift)
    _after(h, by_nip, order, shift, keberatan=full)
    app.close_cycle(cycle_id, CloseCycle(h.hr), at=h.at(*CLOSED_ON, year=year + 1), key=f"demo-history:{year}:close")
    _careers(h, agency, agency_csv, year, last)
    how = "recorded over the year" if full else "recorded (plans, review, results, follow-up)"
    return f"past year {year}: cycle {cycle_id} {how} ({len(people)} appraisals, closed)"


def _before_the_decree(agency_csv: str) -> str:
    """The org file as it stood before the middle year's change of jabatan (the file holds today's)."""
    rows = list(csv.DictReader(io.StringIO(agency_csv)))
    for row in rows:
        if row["nip"] == MOVED_NIP:
            row["position"] = MOVED_BEFORE
    return _written(rows)


def _employed_by(agency_csv: str, year: int) -> str:
    """The org file of January `year`: those appointed later (the NIP's digits 9-14) were not there yet."""
    rows = [r for r in csv.DictReader(io.StringIO(agency_csv)) if int(r["nip"][8:14]) <= year * 100 + 1]
    return _written(rows)


def _written(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _careers(h: History, agency: str, agency_csv: str, year: int, last: int) -> None:
    """A year's June assessments of potential and, in the middle year, the change of jabatan by decree
    (recorded after the year's cycle, at their own dates: the agency's events follow their dates)."""
    assessed = year
    at = h.at(6, 15, year=assessed)
    employed = h.app.agency(agency).employees
    for n, row in enumerate(csv.DictReader(io.StringIO(agency_csv))):
        if row["nip"] == h.hr.nip or not row["supervisor_nip"] or row["nip"] not in employed:
            continue
        base = 42 + (n * 13 + (assessed - last) * 7) % 55
        scores = {part: min(100, base + 3 * i) for i, part in enumerate(PARTS)}
        h.app.record_assessment(
            agency,
            row["nip"],
            source=f"Asesmen potensi BKPSDM {assessed}",
            on=date(assessed, 6, 15),
            scores=scores,
            by=h.hr,
            at=at,
            key=f"demo-history:{assessed}:potential:{row['nip']}",
        )
    if assessed == last - 1:
        row = next(r for r in csv.DictReader(io.StringIO(agency_csv)) if r["nip"] == MOVED_NIP)
        month, day = MOVED_ON
        h.app.change_jabatan(
            agency,
            MOVED_NIP,
            position=row["position"],
            jenjang=row["jenjang"],
            decree=f"{MOVED_DECREE}/{assessed}",
            effective=date(assessed, month, day),
            by=h.hr,
            at=h.at(month, day, year=assessed),
            key=f"demo-history:{assessed}:jabatan:{MOVED_NIP}",
        )


def _top_down(people: dict[str, dict[str, Any]]) -> list[str]:
    """Participants with each one's pejabat penilai before them (an SKP cascades from the superior's RHK)."""
    depth: dict[str, int] = {}

    def level(nip: str) -> int:
        if nip not in depth:
            boss = people[nip]["appraiser_nip"]
            depth[nip] = 0 if boss not in people else level(boss) + 1
        return depth[nip]

    return sorted(people, key=lambda nip: (level(nip), nip))


def _rhk(nip: str, people: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    boss = people[nip]["appraiser_nip"]
    supports = "R1" if boss in people else ""
    unit = people[nip]["unit_name"]
    return [
        {
            "id": "R1",
            "kind": "utama",
            "text": f"Meningkatnya kualitas layanan administrasi kependudukan ({unit})",
            "supports": supports,
            "indicators": [
                {"id": "IKI-1", "aspect": "kuantitas", "text": "Jumlah dokumen diterbitkan", "target": "1.200 dokumen"},
                {"id": "IKI-2", "aspect": "waktu", "text": "Waktu penyelesaian layanan", "target": "3 hari kerja"},
            ],
        }
    ]


def _plan(h: History, people: dict[str, dict[str, Any]], order: list[str], *, returned: bool) -> None:
    """January: each SKP drafted and submitted after the superior's, approved by the pejabat penilai; in
    the year recorded in full, the first staff member's is returned once and approved after the redraft."""
    first_staff = next(nip for nip in order if not people[nip].get("is_unit_head"))
    for i, nip in enumerate(order):
        day = min(6 + i // 4, 24)
        h.do(nip, DraftSkp(Actor(nip), _rhk(nip, people)), h.at(1, day, 9), "draft")
        h.do(nip, SubmitSkp(Actor(nip)), h.at(1, day, 10), "submit")
        appraiser = Actor(people[nip]["appraiser_nip"])
        if returned and nip == first_staff:
            h.do(
                nip, ReturnSkp(appraiser, "Target IKI kuantitas belum sesuai rencana unit."), h.at(1, day, 14), "return"
            )
            redraft = _rhk(nip, people)
            redraft[0]["indicators"][0]["target"] = "1.500 dokumen"
            h.do(nip, DraftSkp(Actor(nip), redraft), h.at(1, day + 2, 9), "redraft")
            h.do(nip, SubmitSkp(Actor(nip)), h.at(1, day + 2, 10), "resubmit")
            h.do(nip, ApproveSkp(appraiser), h.at(1, day + 3, 11), "approve")
        else:
            h.do(nip, ApproveSkp(appraiser), h.at(1, day + 1, 11), "approve")


def _year_of_work(h: History, people: dict[str, dict[str, Any]], order: list[str]) -> None:
    """February to November, month by month: a daily log entry on the 10th; at the end of a quarter, its
    realisation and the check-in that follows it."""
    quarters = {month: (quarter, day) for quarter, (month, day) in QUARTER_ENDS.items()}
    for month in range(2, 12):
        for n, nip in enumerate(order):
            line = f"Menyelesaikan {20 + (n * 7 + month * 3) % 40} berkas layanan kependudukan"
            day = date(h.year, month, 10).isoformat()
            h.do(nip, LogDailyWork(Actor(nip), day, "R1", line), h.at(month, 10, 15), f"log-{month:02d}")
        if month not in quarters:
            continue
        quarter, day_of = quarters[month]
        for n, nip in enumerate(order):
            done = 300 * int(quarter[1]) + 11 * n
            report = ReportProgress(Actor(nip), quarter, "R1", f"{done} dokumen selesai sampai akhir {quarter}")
            h.do(nip, report, h.at(month, day_of, 14), f"progress-{quarter}")
            appraiser = Actor(people[nip]["appraiser_nip"])
            notes = f"Dialog kinerja {quarter}: capaian sesuai rencana, bukti dukung lengkap."
            check_in = HoldCheckIn(appraiser, quarter, notes, "sesuai", "sesuai")
            h.do(nip, check_in, h.at(month, day_of + 1 + n % 2, 10), f"check-in-{quarter}")


def _rating(n: int, nip: str, people: dict[str, dict[str, Any]], shift: int = 0) -> tuple[str, dict[str, str]]:
    if people[nip].get("is_unit_head"):
        results = PERMENPANRB_6_2022.unit_head_results[UNIT_PREDIKAT]
    else:
        results = RESULTS[(n + shift) % len(RESULTS)]
    return results, dict.fromkeys(BERAKHLAK, "di_atas" if results == "di_atas" else "sesuai")


def _review(h: History, people: dict[str, dict[str, Any]], order: list[str], shift: int) -> None:
    """December: the review opens on the 1st (the calendar, as the workflow opens it), self-assessments,
    the units' predikat, ratings, calibration and the results delivered on the 15th."""
    opening = calendar.end_of_day(date(h.year, 11, 30), h.zone) + timedelta(seconds=1)
    for nip in order:
        h.do(nip, OpenReview(SYSTEM), opening, "review")
        text = "Target layanan tercapai; antrean daring mempercepat penyelesaian berkas."
        h.do(nip, SelfAssess(Actor(nip), text), h.at(12, 3), "self-assess")
    units = sorted({p["unit_id"] for p in people.values()})
    for unit in units:
        predikat = SetOrgPredikat(h.hr, unit, UNIT_PREDIKAT)
        h.app.execute_cycle(h.cycle_id, predikat, at=h.at(12, 8), key=f"demo-history:{h.year}:predikat:{unit}")
    for n, nip in enumerate(order):
        results, values = _rating(n, nip, people, shift)
        rate = Rate(Actor(people[nip]["appraiser_nip"]), results, values, "Penilaian tahunan")
        h.do(nip, rate, h.at(12, 10), "rate")
    for unit in units:
        justification = "Sebaran sesuai capaian unit; dibahas dalam rapat kalibrasi."
        calibrate = CalibrateUnit(h.hr, unit, justification)
        h.app.calibrate_unit(h.cycle_id, calibrate, at=h.at(12, 12), key=f"demo-history:{h.year}:calibrate:{unit}")
    for nip in order:
        h.do(nip, DeliverResult(Actor(people[nip]["appraiser_nip"])), h.at(12, 15), "deliver")


def _after(h: History, people: dict[str, dict[str, Any]], order: list[str], shift: int, *, keberatan: bool) -> None:
    """One keberatan (in the year recorded in full), filed and upheld in December; the window closes for
    the others; in January HR decides each follow-up and finalises."""
    unhappy = next(nip for n, nip in enumerate(order) if _rating(n, nip, people, shift)[0] == "di_bawah")
    if keberatan:
        reasons = "Realisasi triwulan IV belum diperhitungkan; bukti dukung terlampir."
        h.do(unhappy, FileKeberatan(Actor(unhappy), reasons), h.at(12, 18), "keberatan")
        decider = Actor(people[unhappy]["atasan_nip"])
        decision = DecideKeberatan(decider, "upheld", "Bukti triwulan IV sudah diperhitungkan dalam rating.")
        h.do(unhappy, decision, h.at(12, 29), "keberatan-decided")
    window_closed = calendar.end_of_day(date(h.year, 12, 29), h.zone) + timedelta(hours=1)
    for nip in order:
        if nip != unhappy or not keberatan:
            h.do(nip, CloseKeberatanWindow(SYSTEM), window_closed, "window")
    for nip in order:
        h.do(nip, DecideFollowUp(h.hr, [], 2, "Tindak lanjut tahunan"), h.at(1, 8, year=h.year + 1), "follow-up")
        h.do(nip, Finalise(h.hr), h.at(1, 12, year=h.year + 1), "final")
