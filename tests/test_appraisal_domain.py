"""The appraisal's rules, driven through `Appraisals` in memory: who may act, when, and what follows.

Each test starts from a log the real commands wrote (tests/factories.py) and
asserts the exact message of every refusal that names a rule.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.appraisal import (
    EXECUTION,
    FINALISED,
    FOLLOW_UP,
    KEBERATAN,
    PLANNING,
    RESULT_DELIVERED,
    REVIEW,
)
from domain.audit import Audit
from domain.base import SYSTEM
from domain.commands import AppraisalCommand
from domain.cycle_commands import CalibrateUnit, SetOrgPredikat
from domain.errors import DeadlinePassed, DomainError, InvalidInput, NotAllowed, WrongStage
from domain.people_commands import ChangeSupervisor, DelegateTask
from domain.result_commands import (
    CloseKeberatanWindow,
    DecideFollowUp,
    DecideKeberatan,
    DeliverResult,
    EscalateKeberatan,
    FileKeberatan,
    Finalise,
    OpenReview,
    Rate,
    ReassignKeberatanDecider,
    SelfAssess,
)
from domain.rules import BERAKHLAK
from domain.work_commands import (
    ApproveSkp,
    DraftSkp,
    GivePeerFeedback,
    HoldCheckIn,
    ReportProgress,
    ReturnSkp,
    SubmitSkp,
)
from tests.factories import (
    ANALIS,
    HEAD,
    HR_ACTOR,
    KADIS,
    OUTSIDER,
    SEKDA,
    STAFF,
    UNIT,
    WITA,
    Rating,
    Scenario,
    T,
    actor,
    reach,
    rhk,
    values,
)

EMPLOYEE, APPRAISER, ATASAN, COLLEAGUE = actor(STAFF), actor(HEAD), actor(SEKDA), actor(ANALIS)
STRANGER = actor(OUTSIDER)  # takes no part in the cycle
ROLE = {
    STAFF: "employee",
    HEAD: "appraiser",
    SEKDA: "atasan",
    ANALIS: "colleague",
    OUTSIDER: "outsider",
    HR_ACTOR.nip: "hr",
}
RATE = {"results_rating": "sesuai", "behaviour_ratings": values(), "notes": ""}
UPHOLD = {
    "outcome": "upheld",
    "reasons": "penilaian sudah sesuai bukti",
    "results_rating": None,
    "behaviour_ratings": None,
}


def at_stage(stage: str) -> Scenario:
    """STAFF's appraisal at a stage; two extra stops: 'submitted' (SKP with the appraiser), 'rated'."""
    if stage == "submitted":
        s = Scenario.new()
        s.submit(STAFF)
        return s
    if stage == "rated":
        s = reach(REVIEW)
        s.rate(STAFF)
        return s
    return reach(stage)


def test_an_appraisal_walks_from_planning_to_finalised_always_waiting_on_one_named_person() -> None:
    s = Scenario.new()
    s.plan(HEAD)
    seen = [s.open(STAFF)]
    seen.append(s.do(STAFF, DraftSkp(EMPLOYEE, rhk=rhk("staff", supports="head-1")), T["draft"]))
    seen.append(s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"]))
    seen.append(s.do(STAFF, ApproveSkp(APPRAISER), T["approve"]))
    seen.append(s.do(STAFF, OpenReview(SYSTEM), T["review"]))
    seen.append(s.do(STAFF, Rate(APPRAISER, **RATE), T["rate"]))
    s.rate(HEAD)
    s.rate(ANALIS)
    s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, "unit kecil"), at=T["calibrate"])
    seen.append(s.do(STAFF, DeliverResult(APPRAISER), T["deliver"]))
    seen.append(s.close_window(STAFF))
    seen.append(
        s.do(
            STAFF,
            DecideFollowUp(HR_ACTOR, previous_predikats=["baik"], years_in_rank=4, notes="usul kenaikan pangkat"),
            T["follow_up"],
        )
    )
    seen.append(s.do(STAFF, Finalise(HR_ACTOR), T["finalise"]))

    assert [(o.version, o.stage, o.pending, o.predikat) for o in seen] == [
        (1, PLANNING, {"task": "draft_skp", "assignee": STAFF}, None),
        (2, PLANNING, {"task": "draft_skp", "assignee": STAFF}, None),
        (3, PLANNING, {"task": "review_skp", "assignee": HEAD}, None),
        (4, EXECUTION, {"task": "check_in", "assignee": HEAD}, None),
        (5, REVIEW, {"task": "rate", "assignee": HEAD}, None),
        (6, REVIEW, {"task": "deliver_result", "assignee": HEAD}, "baik"),
        (7, RESULT_DELIVERED, None, "baik"),
        (8, FOLLOW_UP, {"task": "decide_follow_up", "assignee": "hr"}, "baik"),
        (9, FOLLOW_UP, {"task": "finalise", "assignee": "hr"}, "baik"),
        (10, FINALISED, None, "baik"),
    ]


# --- who may act, and when ---------------------------------------------------------------------

REFUSALS = [
    # (stage, command, actor, arguments, error, message)
    (
        "submitted",
        ApproveSkp(EMPLOYEE),
        NotAllowed,
        "only the employee's pejabat penilai (or their delegate) approves an SKP",
    ),
    (
        "submitted",
        ReturnSkp(COLLEAGUE, reasons="x"),
        NotAllowed,
        "only the employee's pejabat penilai (or their delegate) returns an SKP",
    ),
    (
        "submitted",
        DraftSkp(EMPLOYEE, rhk=rhk("s", "head-1")),
        WrongStage,
        "the SKP is with the appraiser; wait until it is returned",
    ),
    (
        PLANNING,
        DraftSkp(COLLEAGUE, rhk=rhk("s", "head-1")),
        NotAllowed,
        "only the employee (or HR's pengelola kinerja) drafts the SKP",
    ),
    (PLANNING, ApproveSkp(APPRAISER), WrongStage, "the SKP is empty, not submitted"),
    (PLANNING, Rate(APPRAISER, **RATE), WrongStage, "the appraisal is at planning, not review"),
    (
        PLANNING,
        ReportProgress(EMPLOYEE, period="Q1", rhk_id="s-1", realisation="x", evidence=""),
        WrongStage,
        "the appraisal is at planning, not execution or review",
    ),
    (EXECUTION, ApproveSkp(APPRAISER), WrongStage, "the appraisal is at execution, not planning"),
    (
        EXECUTION,
        ReportProgress(APPRAISER, period="Q1", rhk_id="004-1", realisation="x", evidence=""),
        NotAllowed,
        "only the employee reports their own progress",
    ),
    (
        EXECUTION,
        HoldCheckIn(EMPLOYEE, period="Q1", notes="x", results_rating=None, behaviour_rating=None),
        NotAllowed,
        "only the employee's pejabat penilai (or their delegate) holds the check-in",
    ),
    (EXECUTION, OpenReview(EMPLOYEE), NotAllowed, "the review opens by the cycle calendar or by HR"),
    (
        EXECUTION,
        GivePeerFeedback(STRANGER, text="x"),
        NotAllowed,
        "peer feedback comes from a colleague of the same unit",
    ),
    (
        EXECUTION,
        GivePeerFeedback(EMPLOYEE, text="x"),
        NotAllowed,
        "an employee cannot give peer feedback on their own appraisal",
    ),
    (REVIEW, Rate(EMPLOYEE, **RATE), NotAllowed, "only the employee's pejabat penilai (or their delegate) rates"),
    (REVIEW, SelfAssess(APPRAISER, text="x"), NotAllowed, "only the employee writes the self-assessment"),
    (REVIEW, DeliverResult(APPRAISER), WrongStage, "rate the appraisal before delivering the result"),
    (
        REVIEW,
        FileKeberatan(EMPLOYEE, reasons="x"),
        WrongStage,
        "the appraisal is at review, not result_delivered",
    ),
    (
        "rated",
        SelfAssess(EMPLOYEE, text="x"),
        WrongStage,
        "the appraiser has already rated; the self-assessment is closed",
    ),
    ("rated", DeliverResult(COLLEAGUE), NotAllowed, "the appraiser or HR delivers the result"),
    (
        "rated",
        DeliverResult(APPRAISER),
        WrongStage,
        "the unit's distribution must be calibrated against the curve before results go out",
    ),
    (
        RESULT_DELIVERED,
        FileKeberatan(APPRAISER, reasons="x"),
        NotAllowed,
        "only the employee rated may file a keberatan",
    ),
    (RESULT_DELIVERED, CloseKeberatanWindow(HR_ACTOR), NotAllowed, "the keberatan window closes by itself"),
    (
        KEBERATAN,
        DecideKeberatan(EMPLOYEE, **UPHOLD),
        NotAllowed,
        "the keberatan is decided by the atasan pejabat penilai",
    ),
    (
        KEBERATAN,
        DecideKeberatan(APPRAISER, **UPHOLD),
        NotAllowed,
        "the keberatan is decided by the atasan pejabat penilai",
    ),
    (KEBERATAN, EscalateKeberatan(HR_ACTOR), NotAllowed, "an undecided keberatan escalates by its deadline"),
    (
        FOLLOW_UP,
        DecideFollowUp(APPRAISER, previous_predikats=[], years_in_rank=4, notes=""),
        NotAllowed,
        "HR (pengelola kinerja) decides the follow-up",
    ),
    (FOLLOW_UP, Finalise(EMPLOYEE), NotAllowed, "HR or the cycle finalises an appraisal"),
    (FOLLOW_UP, Finalise(HR_ACTOR), WrongStage, "decide the follow-up before finalising"),
    (FINALISED, Rate(APPRAISER, **RATE), WrongStage, "the appraisal is at finalised, not review"),
]


@pytest.mark.parametrize(
    ("stage", "command", "error", "message"),
    REFUSALS,
    ids=[f"{r[0]}-{type(r[1]).__name__}-by-{ROLE[r[1].by.nip]}" for r in REFUSALS],
)
def test_a_command_by_the_wrong_actor_or_at_the_wrong_stage_is_refused_and_writes_nothing(
    stage: str, command: AppraisalCommand, error: type[DomainError], message: str
) -> None:
    s = at_stage(stage)
    before = s.get(STAFF).version

    with pytest.raises(error) as e:
        s.do(STAFF, command, T["finalise"] + timedelta(days=1))

    assert type(e.value) is error
    assert str(e.value) == message
    assert s.get(STAFF).version == before


def test_a_returned_skp_says_why_and_goes_back_to_the_employee() -> None:
    s = at_stage("submitted")
    with pytest.raises(InvalidInput, match=r"^reasons: a returned SKP must say why$"):
        s.do(STAFF, ReturnSkp(APPRAISER, reasons="  "), T["approve"])

    s.do(STAFF, ReturnSkp(APPRAISER, reasons="target kuantitas terlalu rendah"), T["approve"])
    returned = s.get(STAFF)
    assert (returned.skp_status, returned.pending_task()) == ("returned", {"task": "draft_skp", "assignee": STAFF})
    assert returned.skp_returns == [
        {"by": HEAD, "reasons": "target kuantitas terlalu rendah", "at": T["approve"].isoformat()}
    ]

    s.do(STAFF, DraftSkp(EMPLOYEE, rhk=rhk("staff", supports="head-2")), T["approve"])
    s.do(STAFF, SubmitSkp(EMPLOYEE), T["approve"])
    assert s.do(STAFF, ApproveSkp(APPRAISER), T["approve"]).stage == EXECUTION


# --- cascading (§2.1): a subordinate's SKP follows the superior's RHK ----------------------------


@pytest.mark.parametrize("superior", ["not opened", "opened without an SKP"])
def test_a_subordinate_cannot_name_a_superior_rhk_while_the_superior_has_none(superior: str) -> None:
    """#15: the SKP is not refused for the superior's lateness; only a link to an RHK that does not exist is
    (the RHK waits as "menunggu RHK atasan" instead: tests/test_cascade_rules.py)."""
    s = Scenario.new()
    if superior == "opened without an SKP":
        s.open(HEAD)
    s.open(STAFF)
    s.do(STAFF, DraftSkp(EMPLOYEE, rhk=rhk("staff", supports="head-1")), T["draft"])

    with pytest.raises(InvalidInput) as e:
        s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"])
    assert str(e.value) == (
        "rhk[0].supports: the superior has no RHK yet: an RHK utama waits as 'menunggu-rhk-atasan' "
        "and is linked once they exist, got 'head-1'"
    )

    # The head is the top of the chain here (the sekda takes no part), so the head's SKP needs no cascade.
    s.open(HEAD)
    s.do(HEAD, DraftSkp(APPRAISER, rhk=rhk("head")), T["draft"])
    assert s.do(HEAD, SubmitSkp(APPRAISER), T["submit"]).pending == {"task": "review_skp", "assignee": SEKDA}
    assert s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"]).pending == {"task": "review_skp", "assignee": HEAD}


@pytest.mark.parametrize("supports", ["head-9", ""])
def test_an_utama_rhk_must_support_one_of_the_superiors_rhk(supports: str) -> None:
    s = Scenario.new()
    s.plan(HEAD)
    s.open(STAFF)
    s.do(STAFF, DraftSkp(EMPLOYEE, rhk=rhk("staff", supports=supports)), T["draft"])

    with pytest.raises(InvalidInput) as e:
        s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"])
    assert str(e.value) == f"rhk[0].supports: must name one of the superior's RHK (head-1, head-2), got {supports!r}"
    assert s.get(STAFF).skp_status == "draft"


# --- rating ------------------------------------------------------------------------------------


def test_a_rating_records_the_kuadran_predikat_of_results_and_median_behaviour() -> None:
    s = reach(REVIEW)
    behaviour = values("di_atas", harmonis="di_bawah", loyal="sesuai", adaptif="sesuai")  # median: di_atas
    outcome = s.do(STAFF, Rate(APPRAISER, results_rating="di_atas", behaviour_ratings=behaviour, notes=""), T["rate"])
    assert outcome.predikat == "sangat_baik"
    assert s.get(STAFF).rating == {
        "results": "di_atas",
        "behaviour": "di_atas",
        "behaviour_values": behaviour,
        "predikat": "sangat_baik",
        "by": HEAD,
    }


def test_a_unit_heads_results_rating_is_the_units_predikat() -> None:
    s = Scenario.new()
    s.plan(HEAD)
    s.do(HEAD, OpenReview(SYSTEM), T["review"])
    rate = {"behaviour_ratings": values(), "notes": ""}
    with pytest.raises(InvalidInput) as e:
        s.do(HEAD, Rate(ATASAN, results_rating="sesuai", **rate), T["rate"])
    assert str(e.value) == "org_predikat: a unit head's results rating follows the unit's predikat: set it first"

    s.app.execute_cycle(s.cycle_id, SetOrgPredikat(HR_ACTOR, UNIT, "istimewa"), at=T["org_predikat"])
    with pytest.raises(InvalidInput) as e:
        s.do(HEAD, Rate(ATASAN, results_rating="sesuai", **rate), T["rate"])
    assert str(e.value) == "results_rating: the head of a unit rated istimewa takes di_atas as results rating (§2.3)"
    assert s.do(HEAD, Rate(ATASAN, results_rating="di_atas", **rate), T["rate"]).predikat == "baik"


# --- calibration: the curve warns, it does not block (§3.4, §12) --------------------------------


def test_calibration_counts_a_whole_unit_only() -> None:
    s = reach(REVIEW)
    s.rate(STAFF)
    s.rate(HEAD)
    with pytest.raises(WrongStage) as e:
        s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, "x"), at=T["calibrate"])
    assert str(e.value) == f"Analis Kebijakan ({ANALIS}) of unit bidang-umum is not rated yet: calibrate a whole unit"


def test_a_deviation_from_the_curve_needs_a_recorded_justification_and_then_goes_through() -> None:
    s = reach(REVIEW)
    for who in (HEAD, STAFF, ANALIS):
        s.rate(who)  # all three Baik in a unit rated Baik
    cycle_version = s.app.cycle(s.cycle_id).version
    warnings = [
        "curve expects at most 70% Baik: 2 of 3 allowed, 3 rated",
        "curve expects at least one Butuh Perbaikan + Kurang/Misconduct: 1 of 3 required, 0 rated",
    ]

    with pytest.raises(InvalidInput) as e:
        s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, " "), at=T["calibrate"])
    assert str(e.value) == "justification: the distribution deviates from the curve: " + "; ".join(warnings)
    assert s.app.cycle(s.cycle_id).version == cycle_version
    with pytest.raises(WrongStage, match="must be calibrated"):
        s.do(STAFF, DeliverResult(APPRAISER), T["deliver"])

    justification = "tiga pegawai; pola distribusi tidak dapat dipenuhi pada unit sekecil ini"
    assert s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, justification), at=T["calibrate"]) == warnings
    with pytest.raises(WrongStage, match="calibrated: ratings are fixed"):
        s.do(
            STAFF,
            Rate(APPRAISER, results_rating="di_atas", behaviour_ratings=dict.fromkeys(BERAKHLAK, "di_atas"), notes=""),
            T["deliver"],
        )
    assert s.app.cycle(s.cycle_id).calibrations[UNIT] == {
        "org_predikat": "baik",
        "counts": {"sangat_baik": 0, "baik": 3, "butuh_perbaikan": 0, "kurang": 0, "sangat_kurang": 0},
        "warnings": warnings,
        "justification": justification,
    }
    assert s.do(STAFF, DeliverResult(APPRAISER), T["deliver"]).stage == RESULT_DELIVERED


def test_a_distribution_within_the_curve_is_calibrated_without_justification() -> None:
    s = reach(REVIEW)
    s.rate(HEAD)  # Baik
    s.rate(STAFF, Rating("di_bawah"))  # Butuh Perbaikan
    s.rate(ANALIS, Rating("di_atas", values("di_atas")))  # Sangat Baik
    assert s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, ""), at=T["calibrate"]) == []
    assert s.app.cycle(s.cycle_id).calibrations[UNIT]["counts"] == {
        "sangat_baik": 1,
        "baik": 1,
        "butuh_perbaikan": 1,
        "kurang": 0,
        "sangat_kurang": 0,
    }


# --- keberatan (§5, §12): 14 calendar days in the agency's zone ----------------------------------
# The result goes out at 04:00 WITA on 21 January 2025 (20 January in UTC): day 0 is the local day,
# so day 14 is 4 February and the window ends at 23:59:59 WITA that day.

DAY_14_2359 = datetime(2025, 2, 4, 23, 59, 0, tzinfo=WITA)
DAY_15_0000 = datetime(2025, 2, 5, 0, 0, 30, tzinfo=WITA)


def test_a_keberatan_filed_at_2359_agency_time_on_day_14_is_accepted_and_goes_to_the_atasan() -> None:
    s = reach(RESULT_DELIVERED)
    assert s.get(STAFF).keberatan_deadline == datetime(2025, 2, 4, 23, 59, 59, tzinfo=WITA)

    outcome = s.do(STAFF, FileKeberatan(EMPLOYEE, reasons="bukti dukung triwulan IV diabaikan"), DAY_14_2359)

    assert (outcome.stage, outcome.pending) == (KEBERATAN, {"task": "decide_keberatan", "assignee": SEKDA})
    assert s.get(STAFF).keberatan == {
        "reasons": "bukti dukung triwulan IV diabaikan",
        "decider": SEKDA,
        "decision_due": datetime(2025, 2, 18, 23, 59, 59, tzinfo=WITA),  # 14 days for the atasan's decision
        "escalated": False,
    }


def test_a_keberatan_on_day_15_is_refused_naming_the_14_day_rule_and_the_rating_stands() -> None:
    s = reach(RESULT_DELIVERED)
    version = s.get(STAFF).version

    with pytest.raises(DeadlinePassed) as e:
        s.do(STAFF, FileKeberatan(EMPLOYEE, reasons="terlambat"), DAY_15_0000)

    assert str(e.value) == (
        "a keberatan must be filed within 14 days of receiving the result (by 2025-02-04 23:59:59 WITA); "
        "filed on 2025-02-05"
    )
    assert s.get(STAFF).version == version
    outcome = s.close_window(STAFF)
    assert (outcome.stage, outcome.predikat) == (FOLLOW_UP, "baik")


def test_the_keberatan_window_closes_only_after_day_14() -> None:
    s = reach(RESULT_DELIVERED)
    with pytest.raises(WrongStage) as e:
        s.do(STAFF, CloseKeberatanWindow(SYSTEM), DAY_14_2359)
    assert str(e.value) == "the keberatan window is open until 2025-02-04T15:59:59+00:00"
    assert s.do(STAFF, CloseKeberatanWindow(SYSTEM), DAY_15_0000).stage == FOLLOW_UP


def test_the_atasan_upholds_a_keberatan_and_the_rating_stands() -> None:
    s = reach(KEBERATAN)
    outcome = s.do(STAFF, DecideKeberatan(ATASAN, **UPHOLD), T["window_closed"])
    assert (outcome.stage, outcome.predikat) == (FOLLOW_UP, "baik")
    assert s.get(STAFF).keberatan["outcome"] == "upheld"
    assert s.get(STAFF).keberatan["decided_by"] == SEKDA


def test_an_amended_keberatan_changes_the_predikat_and_recomputation_agrees() -> None:
    s = reach(KEBERATAN)
    outcome = s.do(
        STAFF,
        DecideKeberatan(
            ATASAN,
            outcome="amended",
            reasons="bukti dukung menunjukkan capaian di atas target",
            results_rating="di_atas",
            behaviour_ratings=values("di_atas"),
        ),
        T["window_closed"],
    )

    assert (outcome.stage, outcome.predikat) == (FOLLOW_UP, "sangat_baik")
    assert s.get(STAFF).rating["results"] == "di_atas"
    audit = Audit(s.app).recompute(s.id(STAFF))
    assert audit["final_predikat"] == "sangat_baik"
    assert [(r["event"], r["predikat"]) for r in audit["ratings"]] == [
        ("Rated", {"recorded": "baik", "recomputed": "baik"}),
        ("KeberatanDecided", {"recorded": "sangat_baik", "recomputed": "sangat_baik"}),
    ]
    assert audit["all_match"] is True


@pytest.mark.parametrize(
    ("decision", "message"),
    [
        (
            {"outcome": "amended", "results_rating": "sesuai", "behaviour_ratings": None},
            "outcome: an amendment must change a rating; otherwise uphold",
        ),
        (
            {"outcome": "amended", "results_rating": None, "behaviour_ratings": values()},
            "outcome: an amendment must change a rating; otherwise uphold",
        ),
        (
            {"outcome": "rejected", "results_rating": None, "behaviour_ratings": None},
            "outcome: must be upheld or amended, got 'rejected'",
        ),
    ],
    ids=["same-results", "same-values", "unknown-outcome"],
)
def test_an_amendment_that_changes_nothing_is_refused(decision: dict[str, Any], message: str) -> None:
    s = reach(KEBERATAN)
    with pytest.raises(InvalidInput) as e:
        s.do(STAFF, DecideKeberatan(ATASAN, reasons="x", **decision), T["window_closed"])
    assert str(e.value) == message
    assert s.get(STAFF).stage == KEBERATAN


def test_an_undecided_keberatan_escalates_by_the_system_after_its_deadline_and_hr_then_reassigns_it() -> None:
    s = reach(KEBERATAN)  # filed 22 January 04:00 WITA: the atasan decides by 5 February 23:59:59 WITA
    due = s.get(STAFF).keberatan["decision_due"]
    assert due == datetime(2025, 2, 5, 23, 59, 59, tzinfo=WITA)
    reassign = {"decider_nip": OUTSIDER, "reason": "atasan cuti panjang"}

    with pytest.raises(WrongStage, match=r"^a keberatan is reassigned only after it escalated$"):
        s.do(STAFF, ReassignKeberatanDecider(HR_ACTOR, **reassign), T["window_closed"])
    with pytest.raises(WrongStage, match=r"^the atasan's decision is not yet overdue$"):
        s.do(STAFF, EscalateKeberatan(SYSTEM), due)
    with pytest.raises(NotAllowed, match=r"^an undecided keberatan escalates by its deadline$"):
        s.do(STAFF, EscalateKeberatan(HR_ACTOR), due + timedelta(seconds=1))

    s.do(STAFF, EscalateKeberatan(SYSTEM), due + timedelta(seconds=1))
    assert s.get(STAFF).keberatan["escalated"] is True
    with pytest.raises(WrongStage, match=r"^the keberatan was already escalated to HR$"):
        s.do(STAFF, EscalateKeberatan(SYSTEM), due + timedelta(days=1))
    with pytest.raises(NotAllowed, match=r"^only HR \(pengelola kinerja\) reassigns an escalated keberatan$"):
        s.do(STAFF, ReassignKeberatanDecider(ATASAN, **reassign), T["window_closed"])
    with pytest.raises(NotAllowed, match=r"^the new decider must be neither party$"):
        s.do(STAFF, ReassignKeberatanDecider(HR_ACTOR, decider_nip=HEAD, reason="x"), T["window_closed"])

    outcome = s.do(STAFF, ReassignKeberatanDecider(HR_ACTOR, **reassign), T["window_closed"])
    assert outcome.pending == {"task": "decide_keberatan", "assignee": OUTSIDER}
    with pytest.raises(NotAllowed, match="decided by the atasan pejabat penilai"):
        s.do(STAFF, DecideKeberatan(ATASAN, **UPHOLD), T["window_closed"])
    assert s.do(STAFF, DecideKeberatan(STRANGER, **UPHOLD), T["window_closed"]).stage == FOLLOW_UP


def test_a_change_of_supervisor_moves_cycle_appraisal_and_a_pending_keberatan_together() -> None:
    s = reach(KEBERATAN)
    change = ChangeSupervisor(HR_ACTOR, SEKDA, KADIS, "mutasi kepala bidang")
    outcome = s.app.change_supervisor(s.cycle_id, STAFF, change, at=T["window_closed"])

    assert outcome.pending == {"task": "decide_keberatan", "assignee": KADIS}
    assert s.app.cycle(s.cycle_id).participants[STAFF]["appraiser_nip"] == SEKDA
    assert (s.get(STAFF).appraiser_nip, s.get(STAFF).atasan_nip) == (SEKDA, KADIS)
    with pytest.raises(NotAllowed):
        s.do(STAFF, DecideKeberatan(ATASAN, **UPHOLD), T["window_closed"])
    with pytest.raises(NotAllowed, match=r"^only HR records a change of supervisor$"):
        s.app.change_supervisor(s.cycle_id, STAFF, ChangeSupervisor(APPRAISER, HEAD, SEKDA, "x"), at=T["window_closed"])


# --- follow-up (§6, §12) -----------------------------------------------------------------------

NOTHING_FOLLOWS = {
    "promotion_eligible": True,
    "promotion_reasons": [],
    "training": [],
    "coaching": False,
    "improvement_months": 0,
    "sanction_referral": False,
    "tukin_cut_percent": 0.0,
    "angka_kredit": None,
    "notes": "",
}
NOT_GOOD_ENOUGH = {
    "promotion_eligible": False,
    "promotion_reasons": [{"code": "follow_up.needs_predikat", "params": {"predikat": "baik"}}],
}
FOUR_BELOW = values("di_bawah", berorientasi_pelayanan="sesuai", akuntabel="sesuai", kompeten="sesuai")

FOLLOW_UPS = [
    # (who, results, values, previous predikats, years in rank, predikat, what differs from NOTHING_FOLLOWS)
    ("baik-twice", STAFF, "sesuai", values(), ["baik"], 4, "baik", {}),
    ("better-than-baik", STAFF, "sesuai", values(), ["sangat_baik"], 7, "baik", {}),
    ("previous-year-poor", STAFF, "sesuai", values(), ["butuh_perbaikan"], 4, "baik", NOT_GOOD_ENOUGH),
    (
        "three-years-in-rank",
        STAFF,
        "sesuai",
        values(),
        ["baik"],
        3,
        "baik",
        {
            "promotion_eligible": False,
            "promotion_reasons": [{"code": "follow_up.needs_years_in_rank", "params": {"needed": 4, "years": 3}}],
        },
    ),
    (
        "no-previous-year",
        STAFF,
        "sesuai",
        values(),
        [],
        9,
        "baik",
        {
            "promotion_eligible": False,
            "promotion_reasons": [{"code": "follow_up.needs_years_of_predikat", "params": {"years": 2}}],
        },
    ),
    (
        "two-values-low",
        STAFF,
        "sesuai",
        values(loyal="di_bawah", adaptif="di_bawah"),
        ["baik"],
        4,
        "baik",
        {"training": ["adaptif", "loyal"]},
    ),
    (
        "butuh-perbaikan",
        STAFF,
        "di_bawah",
        values(),
        ["baik"],
        4,
        "butuh_perbaikan",
        {**NOT_GOOD_ENOUGH, "coaching": True, "improvement_months": 6},
    ),
    (
        "kurang",
        STAFF,
        "sesuai",
        FOUR_BELOW,
        ["baik"],
        4,
        "kurang",
        {
            **NOT_GOOD_ENOUGH,
            "training": ["adaptif", "harmonis", "kolaboratif", "loyal"],
            "sanction_referral": True,
            "tukin_cut_percent": 1.0,
        },
    ),
    (
        "sangat-kurang",
        STAFF,
        "di_bawah",
        values("di_bawah"),
        ["baik"],
        4,
        "sangat_kurang",
        {
            **NOT_GOOD_ENOUGH,
            "training": sorted(values()),
            "improvement_months": 6,
            "sanction_referral": True,
            "tukin_cut_percent": 2.0,
        },
    ),
    (
        "functional-sangat-baik",
        ANALIS,
        "di_atas",
        values("di_atas"),
        ["baik"],
        4,
        "sangat_baik",
        {"angka_kredit": 18.75},
    ),
    ("functional-baik", ANALIS, "sesuai", values(), ["baik"], 4, "baik", {"angka_kredit": 12.5}),
]


@pytest.mark.parametrize(
    ("who", "results", "behaviour", "previous", "years", "predikat", "differs"),
    [f[1:] for f in FOLLOW_UPS],
    ids=[f[0] for f in FOLLOW_UPS],
)
def test_hr_decides_the_follow_up_from_the_agency_table_and_finalises(
    who: str,
    results: str,
    behaviour: dict[str, str],
    previous: list[str],
    years: int,
    predikat: str,
    differs: dict[str, Any],
) -> None:
    s = reach(FOLLOW_UP, who, ratings={who: Rating(results, behaviour)})
    assert s.get(who).predikat == predikat

    outcome = s.do(
        who, DecideFollowUp(HR_ACTOR, previous_predikats=previous, years_in_rank=years, notes=""), T["follow_up"]
    )

    assert s.get(who).follow_up == {**NOTHING_FOLLOWS, **differs}
    assert outcome.pending == {"task": "finalise", "assignee": "hr"}
    finalised = s.do(who, Finalise(HR_ACTOR), T["finalise"])
    assert (finalised.stage, finalised.pending, finalised.predikat) == (FINALISED, None, predikat)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"previous_predikats": ["cukup"], "years_in_rank": 4},
            "previous_predikats[0]: must be one of sangat_baik, baik, butuh_perbaikan, kurang, sangat_kurang, "
            "got 'cukup'",
        ),
        ({"previous_predikats": ["baik"], "years_in_rank": -1}, "years_in_rank: must be between 0 and 45"),
    ],
)
def test_follow_up_inputs_are_checked(args: dict[str, Any], message: str) -> None:
    s = reach(FOLLOW_UP)
    with pytest.raises(InvalidInput) as e:
        s.do(STAFF, DecideFollowUp(HR_ACTOR, notes="", **args), T["follow_up"])
    assert str(e.value) == message


# --- delegation: "or someone with delegated authority" (§4) ----------------------------------------


def test_a_delegate_acts_for_the_appraiser_until_the_appraiser_takes_the_tasks_back() -> None:
    s = reach(REVIEW)
    delegate = actor(ANALIS)
    with pytest.raises(NotAllowed, match="only the employee's pejabat penilai delegates"):
        s.do(STAFF, DelegateTask(EMPLOYEE, to_nip=ANALIS, reason="cuti"), T["rate"])
    with pytest.raises(InvalidInput, match="reason: is required"):
        s.do(STAFF, DelegateTask(APPRAISER, to_nip=ANALIS, reason=" "), T["rate"])

    delegated = s.do(STAFF, DelegateTask(APPRAISER, to_nip=ANALIS, reason="cuti besar"), T["rate"])
    assert delegated.pending == {"task": "rate", "assignee": ANALIS}
    with pytest.raises(NotAllowed, match=r"pejabat penilai \(or their delegate\) rates"):
        s.do(STAFF, Rate(APPRAISER, results_rating="sesuai", behaviour_ratings=values("sesuai"), notes=""), T["rate"])
    rated = s.do(
        STAFF,
        Rate(delegate, results_rating="sesuai", behaviour_ratings=values("sesuai"), notes="atas nama penilai"),
        T["rate"],
    )
    assert rated.predikat == "baik" and rated.pending == {"task": "deliver_result", "assignee": ANALIS}
    assert s.app.appraisal(rated.id).rating["by"] == ANALIS  # the log names who really acted

    back = s.do(STAFF, DelegateTask(APPRAISER, to_nip=HEAD, reason="kembali bertugas"), T["rate"])
    assert back.pending == {"task": "deliver_result", "assignee": HEAD}
    with pytest.raises(InvalidInput, match="already acts as the pejabat penilai"):
        s.do(STAFF, DelegateTask(APPRAISER, to_nip=HEAD, reason="lagi"), T["rate"])
