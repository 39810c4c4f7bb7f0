"""Test data and drivers: valid NIPs, one agency's cycle, SKPs, and an appraisal taken to any stage.

Everything goes through the real `Appraisals` commands, so a test that starts
"at review" starts from a log the application itself wrote.

The cycle (Pemerintah Kota Palu, WITA, year 2024) has one unit, `bidang-umum`:

    SEKDA (not a participant)  appraises HEAD, is the atasan of STAFF and ANALIS
    KADIS (not a participant)  is the atasan of HEAD
    HEAD  (unit head)          appraises STAFF and ANALIS
    STAFF                      structural staff
    ANALIS                     functional staff (angka kredit coefficient 12.5)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from domain.application import Appraisals
from domain.appraisal import (
    EXECUTION,
    FINALISED,
    FOLLOW_UP,
    KEBERATAN,
    PLANNING,
    REVIEW,
    STAGES,
    Appraisal,
)
from domain.base import HR, SYSTEM, Actor
from domain.commands import AppraisalCommand
from domain.cycle_commands import CalibrateUnit, DefineCycle, SetOrgPredikat, StartCycle
from domain.errors import NotFound
from domain.outcome import Outcome
from domain.result_commands import (
    CloseKeberatanWindow,
    DecideFollowUp,
    DeliverResult,
    FileKeberatan,
    Finalise,
    OpenReview,
    Rate,
)
from domain.rules import AS_EXPECTED, BERAKHLAK, DEFAULT_RULE_SET
from domain.work_commands import ApproveSkp, DraftSkp, SubmitSkp

WITA = timezone(timedelta(hours=8), "WITA")
UTC = timezone.utc


def nip(birth: str = "19850412", appointed: str = "201003", gender: str = "1", serial: str = "001") -> str:
    """An 18-digit NIP from its parts (DOMAIN.md §12)."""
    return f"{birth}{appointed}{gender}{serial}"


SEKDA = nip("19680101", "199003", "1", "001")
KADIS = nip("19650202", "198803", "2", "002")
HEAD = nip("19750315", "200001", "1", "003")
STAFF = nip("19900720", "201503", "2", "004")
ANALIS = nip("19920811", "201803", "1", "005")
HR_NIP = nip("19800505", "200503", "2", "006")
OUTSIDER = nip("19880909", "201203", "1", "007")

HR_ACTOR = Actor(HR_NIP, (HR,))
UNIT = "bidang-umum"
AGENCY = "pemkot-palu"
YEAR = 2024


def actor(nip_: str) -> Actor:
    return Actor(nip_)


def participants() -> list[dict[str, Any]]:
    return [
        {
            "nip": HEAD,
            "name": "Kepala Bidang Umum",
            "unit_id": UNIT,
            "appraiser_nip": SEKDA,
            "atasan_nip": KADIS,
            "is_unit_head": True,
            "rank": "IV/a",
        },
        {
            "nip": STAFF,
            "name": "Staf Umum",
            "unit_id": UNIT,
            "appraiser_nip": HEAD,
            "atasan_nip": SEKDA,
            "rank": "III/a",
        },
        {
            "nip": ANALIS,
            "name": "Analis Kebijakan",
            "unit_id": UNIT,
            "appraiser_nip": HEAD,
            "atasan_nip": SEKDA,
            "rank": "III/b",
            "ak_coefficient": 12.5,
        },
    ]


def rhk(prefix: str, supports: str = "") -> list[dict[str, Any]]:
    """A valid RHK list: one utama (cascaded from `supports`) and one tambahan."""
    return [
        {
            "id": f"{prefix}-1",
            "kind": "utama",
            "text": "Layanan administrasi umum tepat waktu",
            "supports": supports,
            "indicators": [
                {"id": f"{prefix}-1a", "aspect": "kuantitas", "text": "Surat diproses", "target": "1200"},
                {"id": f"{prefix}-1b", "aspect": "waktu", "text": "Rata-rata hari proses", "target": "2"},
            ],
        },
        {
            "id": f"{prefix}-2",
            "kind": "tambahan",
            "text": "Pendampingan magang",
            "indicators": [{"id": f"{prefix}-2a", "aspect": "kualitas", "text": "Laporan diterima", "target": "1"}],
        },
    ]


def values(rating: str = AS_EXPECTED, **overrides: str) -> dict[str, str]:
    """A rating of every BerAKHLAK value: `rating` everywhere except the named overrides."""
    return {v: overrides.get(v, rating) for v in BERAKHLAK}


# The business calendar of the cycle; every command in the factories happens at one of these instants.
T = {
    "define": datetime(2024, 1, 2, 1, 0, tzinfo=UTC),
    "start": datetime(2024, 1, 3, 1, 0, tzinfo=UTC),
    "open": datetime(2024, 1, 4, 1, 0, tzinfo=UTC),
    "draft": datetime(2024, 1, 10, 1, 0, tzinfo=UTC),
    "submit": datetime(2024, 1, 11, 1, 0, tzinfo=UTC),
    "approve": datetime(2024, 1, 12, 1, 0, tzinfo=UTC),
    "check_in": datetime(2024, 4, 5, 1, 0, tzinfo=UTC),
    "review": datetime(2024, 12, 20, 1, 0, tzinfo=UTC),
    "org_predikat": datetime(2025, 1, 6, 1, 0, tzinfo=UTC),
    "rate": datetime(2025, 1, 8, 1, 0, tzinfo=UTC),
    "calibrate": datetime(2025, 1, 15, 1, 0, tzinfo=UTC),
    # 04:00 WITA on 21 January; still 20 January in UTC, so a day count in UTC would be off by one.
    "deliver": datetime(2025, 1, 20, 20, 0, tzinfo=UTC),
    "window_closed": datetime(2025, 2, 10, 1, 0, tzinfo=UTC),
    "follow_up": datetime(2025, 2, 12, 1, 0, tzinfo=UTC),
    "finalise": datetime(2025, 2, 14, 1, 0, tzinfo=UTC),
}


def define_cycle(
    app: Appraisals, *, rule_set_id: str = DEFAULT_RULE_SET, start: bool = True, agency_id: str = AGENCY
) -> UUID:
    definition = DefineCycle(
        HR_ACTOR, agency_id, "Pemerintah Kota Palu", "WITA", YEAR, participants(), rule_set_id=rule_set_id
    )
    cycle_id = app.define_cycle(definition, at=T["define"])
    if start:
        app.execute_cycle(cycle_id, StartCycle(HR_ACTOR), at=T["start"])
    return cycle_id


# A unit head's results rating is the unit's organisation predikat (DOMAIN.md §2.3 step 3), as the
# README's product decision maps it: Istimewa -> Di Atas, Baik -> Sesuai, anything lower -> Di Bawah.
# Stated here, not read from the rule set, so a broken rule set cannot agree with itself.
UNIT_HEAD_RESULTS = {
    "istimewa": "di_atas",
    "baik": "sesuai",
    "butuh_perbaikan": "di_bawah",
    "kurang": "di_bawah",
    "sangat_kurang": "di_bawah",
}


@dataclass
class Rating:
    """What the appraiser gives one person: a results rating and the seven value ratings."""

    results: str = AS_EXPECTED
    behaviour: dict[str, str] = field(default_factory=values)


@dataclass
class Scenario:
    """One cycle and the appraisals of its unit, driven through the real commands."""

    app: Appraisals
    cycle_id: UUID
    org_predikat: str = "baik"

    @classmethod
    def new(
        cls,
        app: Appraisals | None = None,
        *,
        rule_set_id: str = DEFAULT_RULE_SET,
        org_predikat: str = "baik",
        agency_id: str = AGENCY,
    ) -> Scenario:
        app = app if app is not None else Appraisals()
        return cls(app, define_cycle(app, rule_set_id=rule_set_id, agency_id=agency_id), org_predikat)

    def id(self, who: str) -> UUID:
        return Appraisal.create_id(self.cycle_id, who)

    def get(self, who: str) -> Appraisal:
        return self.app.appraisal(self.id(who))

    def do(self, who: str, cmd: AppraisalCommand, at: datetime, key: str = "") -> Outcome:
        return self.app.execute(self.id(who), cmd, at=at, key=key)

    # --- stage by stage ---------------------------------------------------

    def open(self, who: str) -> Outcome:
        return self.app.open_appraisal(self.cycle_id, who, T["open"])

    def submit(self, who: str) -> Outcome:
        """Open, draft and submit the SKP (the head's first: a subordinate's RHK cascade from it)."""
        self.open(who)
        if who == HEAD:
            items = rhk("head")
        else:
            if not self.exists(HEAD):
                self.plan(HEAD)
            items = rhk(who[-3:], supports="head-1")
        self.do(who, DraftSkp(actor(who), items), T["draft"])
        return self.do(who, SubmitSkp(actor(who)), T["submit"])

    def plan(self, who: str) -> Outcome:
        """Open, draft, submit and approve the SKP: the appraisal reaches execution."""
        self.submit(who)
        return self.do(who, ApproveSkp(actor(self.get(who).appraiser_nip)), T["approve"])

    def exists(self, who: str) -> bool:
        try:
            self.get(who)
        except NotFound:
            return False
        return True

    def rate(self, who: str, rating: Rating | None = None) -> Outcome:
        """From anywhere before review: plan, open the review and rate."""
        rating = rating or Rating()
        if not self.exists(who) or self.get(who).stage == PLANNING:
            self.plan(who)
        if self.get(who).stage == EXECUTION:
            self.do(who, OpenReview(SYSTEM), T["review"])
        cycle = self.app.cycle(self.cycle_id)
        if UNIT not in cycle.org_predikat:
            set_it = SetOrgPredikat(HR_ACTOR, UNIT, self.org_predikat)
            self.app.execute_cycle(self.cycle_id, set_it, at=T["org_predikat"])
        results = rating.results
        if who == HEAD:  # a unit head's results rating follows the unit's predikat (§2.3)
            results = UNIT_HEAD_RESULTS[self.org_predikat]
        by = actor(self.get(who).appraiser_nip)
        return self.do(who, Rate(by, results, dict(rating.behaviour), "penilaian tahunan"), T["rate"])

    def deliver(self, ratings: dict[str, Rating] | None = None) -> None:
        """Rate the whole unit, calibrate it (with a justification) and deliver every result."""
        ratings = ratings or {}
        for who in (HEAD, STAFF, ANALIS):
            if not self.exists(who) or self.get(who).rating is None:
                self.rate(who, ratings.get(who))
        justification = "unit kecil: pola distribusi tidak dapat dipenuhi"
        self.app.calibrate_unit(self.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, justification), at=T["calibrate"])
        for who in (HEAD, STAFF, ANALIS):
            self.do(who, DeliverResult(actor(self.get(who).appraiser_nip)), T["deliver"])

    def close_window(self, who: str) -> Outcome:
        return self.do(who, CloseKeberatanWindow(SYSTEM), T["window_closed"])


def reach(
    stage: str,
    who: str = STAFF,
    app: Appraisals | None = None,
    *,
    ratings: dict[str, Rating] | None = None,
    org_predikat: str = "baik",
) -> Scenario:
    """A scenario whose appraisal of `who` stands at `stage` (keberatan: filed on the day after delivery)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    s = Scenario.new(app, org_predikat=org_predikat)
    if stage == PLANNING:
        s.open(who)
    elif stage == EXECUTION:
        s.plan(who)
    elif stage == REVIEW:
        s.plan(who)
        s.do(who, OpenReview(SYSTEM), T["review"])
    else:
        s.deliver(ratings)
        if stage == KEBERATAN:
            s.do(who, FileKeberatan(actor(who), "bukti dukung belum dipertimbangkan"), T["deliver"] + timedelta(days=1))
        elif stage in (FOLLOW_UP, FINALISED):
            s.close_window(who)
            if stage == FINALISED:
                s.do(who, DecideFollowUp(HR_ACTOR, ["baik"], 4), T["follow_up"])
                s.do(who, Finalise(HR_ACTOR), T["finalise"])
    assert s.get(who).stage == stage, (s.get(who).stage, stage)
    return s
