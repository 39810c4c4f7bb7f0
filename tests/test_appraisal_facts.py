"""What each appraisal command records (who, when, what) and the edges of its rule, from DOMAIN.md.

Every event must carry the actor's NIP and the business instant the command was given (§12: stored
instants are UTC, deadlines end at 23:59:59 of day D in the agency's zone). The keberatan window
is 14 calendar days from receipt (§5, PP 30/2019 Pasal 59): the result reaches the employee at
04:00 WITA on 21 January 2025, so the window ends at 23:59:59 WITA on 4 February, 15:59:59 UTC.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.appraisal import EXECUTION, FOLLOW_UP, KEBERATAN, REVIEW
from domain.audit import Audit
from domain.base import SYSTEM
from domain.errors import DeadlinePassed, InvalidInput, NotAllowed, WrongStage
from domain.follow_up import recommend
from domain.people_commands import DelegateTask, RecordDeadlineMissed
from domain.result_commands import (
    CloseKeberatanWindow,
    DecideFollowUp,
    DecideKeberatan,
    EscalateKeberatan,
    FileKeberatan,
    Finalise,
    ReassignKeberatanDecider,
    SelfAssess,
)
from domain.rules import DEFAULT_RULE_SET, rule_set
from domain.work_commands import (
    DraftSkp,
    GiveFeedback,
    GivePeerFeedback,
    HoldCheckIn,
    RecordCitizenFeedback,
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
    UTC,
    Rating,
    Scenario,
    T,
    actor,
    reach,
    rhk,
    values,
)

WINDOW_ENDS = datetime(2025, 2, 4, 15, 59, 59, tzinfo=UTC)
AT = T["check_in"] + timedelta(hours=3)


def recorded(s: Any, who: str = STAFF) -> dict[str, Any]:
    return Audit(s.app).history(s.id(who))[-1]


def fact(s: Any, kind: str, by: str, at: datetime, who: str = STAFF) -> dict[str, Any]:
    event = recorded(s, who)
    assert (event["type"], event["by"], event["at"]) == (kind, by, at.isoformat())
    payload: dict[str, Any] = event["payload"]
    return payload


def test_execution_records_who_gave_what_and_when() -> None:
    s = reach(EXECUTION)
    s.do(STAFF, ReportProgress(actor(STAFF), "Q1", "004-1", " 300 surat ", " https://arsip.example/300-surat.pdf "), AT)
    assert fact(s, "ProgressReported", STAFF, AT)["realisation"] == "300 surat"
    s.do(STAFF, GiveFeedback(actor(HEAD), "004-1", " tepat waktu "), AT)
    assert fact(s, "FeedbackGiven", HEAD, AT) == {
        "by": HEAD,
        "source": "supervisor",
        "about": "004-1",
        "text": "tepat waktu",
    }
    s.open(ANALIS)
    s.do(STAFF, GivePeerFeedback(actor(ANALIS), " kolaboratif "), AT)
    assert fact(s, "FeedbackGiven", ANALIS, AT) == {"by": ANALIS, "source": "peer", "about": "", "text": "kolaboratif"}
    s.do(STAFF, RecordCitizenFeedback(SYSTEM, 4, " cepat ", "survei-skm"), AT)
    assert fact(s, "FeedbackGiven", "citizen", AT) == {
        "by": "citizen",
        "source": "citizen",
        "about": "survei-skm",
        "text": "4: cepat",
    }
    s.do(STAFF, HoldCheckIn(actor(HEAD), "Q1", " dialog kinerja ", "sesuai", "sesuai"), AT)
    held = fact(s, "CheckInHeld", HEAD, AT)
    assert (held["notes"], held["predikat"]) == ("dialog kinerja", "baik")  # §3.2: Sesuai x Sesuai
    with pytest.raises(InvalidInput, match="^notes: is required and must be non-empty text$"):
        s.do(STAFF, HoldCheckIn(actor(HEAD), "Q2", "  "), AT)
    with pytest.raises(InvalidInput, match="^results_rating: must be one of di_atas, sesuai, di_bawah, got ''$"):
        s.do(STAFF, HoldCheckIn(actor(HEAD), "Q2", "x", None, "sesuai"), AT)


def test_a_self_assessment_is_the_employees_and_dated() -> None:
    s = reach(REVIEW)
    s.do(STAFF, SelfAssess(actor(STAFF), " capaian sesuai target "), AT)
    assert fact(s, "SelfAssessed", STAFF, AT)["text"] == "capaian sesuai target"


def test_a_delegation_is_recorded_refused_after_finalising_and_checked_like_any_nip() -> None:
    s = reach(EXECUTION)
    s.do(STAFF, DelegateTask(actor(HEAD), ANALIS, " cuti besar "), AT)
    delegated = fact(s, "TaskDelegated", HEAD, AT)
    assert (delegated["by"], delegated["to"], delegated["reason"]) == (HEAD, ANALIS, "cuti besar")
    with pytest.raises(InvalidInput, match=f"^to_nip: {ANALIS} already acts as the pejabat penilai$"):
        s.do(STAFF, DelegateTask(actor(HEAD), ANALIS, "lagi"), AT)
    with pytest.raises(InvalidInput, match="^to_nip: a NIP has exactly 18 digits, got '42'$"):
        s.do(STAFF, DelegateTask(actor(HEAD), "42", "x"), AT)
    # Appointed in March 2025, after the day of the delegation (§12: no future dates).
    with pytest.raises(InvalidInput, match="^to_nip: digits 9-14: the CPNS appointment 202503 is in the future$"):
        s.do(STAFF, DelegateTask(actor(HEAD), "199001012025031001", "x"), AT)
    with pytest.raises(NotAllowed, match="^only the employee's pejabat penilai delegates their tasks$"):
        s.do(STAFF, DelegateTask(actor(SEKDA), OUTSIDER, "x"), AT)
    done = reach("finalised")
    with pytest.raises(WrongStage, match="^the appraisal is finalised$"):
        done.do(STAFF, DelegateTask(actor(HEAD), OUTSIDER, "x"), T["finalise"] + timedelta(days=1))


def test_a_missed_deadline_is_the_calendars_and_escalates_up_the_chain() -> None:
    s = reach("planning")
    due = datetime(2024, 1, 31, 15, 59, 59, tzinfo=UTC)
    late = due + timedelta(seconds=1)
    with pytest.raises(NotAllowed, match="^missed deadlines are recorded by the calendar$"):
        s.do(STAFF, RecordDeadlineMissed(HR_ACTOR, "draft_skp", due), late)
    s.do(STAFF, RecordDeadlineMissed(SYSTEM, "draft_skp", due), late)
    assert fact(s, "DeadlineMissed", "system", late) == {
        "by": "system",
        "task": "draft_skp",
        "due": due.isoformat(),
        "escalated_to": "hr",
    }
    assert s.get(STAFF).escalation_target("a task no chain names") == "hr"


def test_a_keberatan_filed_at_the_last_second_of_day_14_is_on_time_and_recorded() -> None:
    s = reach("result_delivered")
    assert s.get(STAFF).keberatan_deadline == WINDOW_ENDS
    with pytest.raises(WrongStage, match=f"^the keberatan window is open until {re.escape(WINDOW_ENDS.isoformat())}$"):
        s.do(STAFF, CloseKeberatanWindow(SYSTEM), WINDOW_ENDS)
    with pytest.raises(InvalidInput, match="^reasons: is required and must be non-empty text$"):
        s.do(STAFF, FileKeberatan(actor(STAFF), " "), WINDOW_ENDS)
    s.do(STAFF, FileKeberatan(actor(STAFF), " bukti dukung Q3 tidak dinilai "), WINDOW_ENDS)
    filed = fact(s, "KeberatanFiled", STAFF, WINDOW_ENDS)
    assert (filed["reasons"], filed["decider"]) == ("bukti dukung Q3 tidak dinilai", SEKDA)


def test_a_keberatan_after_the_window_closed_by_itself_hears_the_14_day_rule() -> None:
    s = reach(FOLLOW_UP)
    with pytest.raises(DeadlinePassed, match="^a keberatan must be filed within 14 days of receiving the result"):
        s.do(STAFF, FileKeberatan(actor(STAFF), "terlambat"), WINDOW_ENDS + timedelta(days=2))


def test_an_undecided_keberatan_escalates_to_hr_once_overdue_and_hr_names_a_new_decider() -> None:
    s = reach(KEBERATAN)
    due = s.get(STAFF).keberatan["decision_due"]
    with pytest.raises(WrongStage, match="^the atasan's decision is not yet overdue$"):
        s.do(STAFF, EscalateKeberatan(SYSTEM), due)
    s.do(STAFF, EscalateKeberatan(SYSTEM), due + timedelta(seconds=1))
    assert fact(s, "KeberatanEscalated", "system", due + timedelta(seconds=1)) == {"by": "system", "to": "hr"}
    with pytest.raises(InvalidInput, match="^reason: is required and must be non-empty text$"):
        s.do(STAFF, ReassignKeberatanDecider(HR_ACTOR, KADIS, ""), due + timedelta(days=1))
    s.do(STAFF, ReassignKeberatanDecider(HR_ACTOR, KADIS, " atasan cuti "), due + timedelta(days=1))
    assert fact(s, "KeberatanDeciderReassigned", HR_ACTOR.nip, due + timedelta(days=1)) == {
        "by": HR_ACTOR.nip,
        "decider": KADIS,
        "reason": "atasan cuti",
    }


def test_the_atasan_may_amend_only_the_behaviour_and_the_decision_is_recorded() -> None:
    s = reach(KEBERATAN)
    when = WINDOW_ENDS + timedelta(days=3)
    with pytest.raises(InvalidInput, match="^reasons: is required and must be non-empty text$"):
        s.do(STAFF, DecideKeberatan(actor(SEKDA), "upheld", " "), when)
    with pytest.raises(InvalidInput, match="^results_rating: must be one of di_atas, sesuai, di_bawah, got 'baik'$"):
        s.do(STAFF, DecideKeberatan(actor(SEKDA), "amended", "x", "baik"), when)
    # Results stay Sesuai, behaviour rises to Di Atas: §3.2 gives Baik (only both Di Atas give Sangat Baik).
    s.do(STAFF, DecideKeberatan(actor(SEKDA), "amended", " bukti dipertimbangkan ", None, values("di_atas")), when)
    decided = fact(s, "KeberatanDecided", SEKDA, when)
    assert (decided["reasons"], decided["behaviour_rating"], decided["predikat"]) == (
        "bukti dipertimbangkan",
        "di_atas",
        "baik",
    )


def test_the_follow_up_and_finalising_are_hrs_and_recorded() -> None:
    s = reach(FOLLOW_UP)
    s.do(STAFF, DecideFollowUp(HR_ACTOR, ["baik"], 4, " sesuai tabel "), T["follow_up"])
    decided = fact(s, "FollowUpDecided", HR_ACTOR.nip, T["follow_up"])
    assert (decided["previous_predikats"], decided["years_in_rank"], decided["notes"]) == (["baik"], 4, "sesuai tabel")
    assert decided["decision"]["promotion_eligible"] is True  # §6.1: Baik two years running, 4 years in rank
    s.do(STAFF, Finalise(HR_ACTOR), T["finalise"])
    assert fact(s, "Finalised", HR_ACTOR.nip, T["finalise"]) == {"by": HR_ACTOR.nip}


@pytest.mark.parametrize(("years", "allowed"), [(-1, False), (0, True), (45, True), (46, False)])
def test_years_in_rank_run_from_a_new_rank_to_a_whole_career(years: int, allowed: bool) -> None:
    def advise() -> dict[str, Any]:
        return recommend(
            rule_set(DEFAULT_RULE_SET),
            predikat="baik",
            results_rating="sesuai",
            behaviour_ratings=values(),
            previous_predikats=["baik"],
            years_in_rank=years,
            ak_coefficient=None,
        )

    if allowed:
        assert advise()["promotion_eligible"] is (years >= 4)
    else:
        with pytest.raises(InvalidInput, match="^years_in_rank: must be between 0 and 45$"):
            advise()


def test_an_skp_is_submitted_by_its_employee_as_a_draft_or_again_after_a_return() -> None:
    s = Scenario.new()
    s.plan(HEAD)
    s.open(STAFF)
    with pytest.raises(WrongStage, match="^an SKP can be submitted only as a draft, it is empty$"):
        s.do(STAFF, SubmitSkp(actor(STAFF)), T["submit"])
    s.do(STAFF, DraftSkp(actor(STAFF), rhk("004", supports="head-1")), T["draft"])
    with pytest.raises(NotAllowed, match=r"^only the employee \(or HR's pengelola kinerja\) submits the SKP$"):
        s.do(STAFF, SubmitSkp(actor(HEAD)), T["submit"])
    s.do(STAFF, SubmitSkp(actor(STAFF)), T["submit"])
    s.do(STAFF, ReturnSkp(actor(HEAD), "target terlalu rendah"), T["submit"])
    s.do(STAFF, SubmitSkp(actor(STAFF)), T["approve"])  # resubmitted as it was, with the reasons answered in talk
    assert s.get(STAFF).skp_status == "submitted"
    assert [r["id"] for r in s.app.superior_rhk(s.get(STAFF)) or []] == ["head-1", "head-2"]


# --- #13: why this predikat, as the domain gives the reasons to every page and document ----------------------


def test_the_reasons_of_a_predikat_name_realisations_values_cell_calibration_keberatan_and_rule_set() -> None:
    s = reach(REVIEW)
    assert s.app.predikat_reasons(s.get(STAFF)) is None  # not rated: nothing to explain
    own = STAFF[-3:]  # the factories' RHK ids: the NIP's last three digits
    s.do(STAFF, ReportProgress(actor(STAFF), "Q1", f"{own}-1", "300 surat diproses", "https://arsip/q1.pdf"), AT)
    s.deliver({STAFF: Rating(results="di_atas", behaviour=values(akuntabel="di_atas", loyal="di_bawah"))})
    why = s.app.predikat_reasons(s.get(STAFF))
    assert why is not None and why.predikat == "baik" and why.cell == ("di_atas", "sesuai")
    assert (why.results.rating, why.results.unit_org_predikat) == ("di_atas", None)
    [main, extra] = why.results.rhk
    assert (main.rhk_id, main.kind, main.text) == (f"{own}-1", "utama", "Layanan administrasi umum tepat waktu")
    assert main.targets[0] == {"aspect": "kuantitas", "text": "Surat diproses", "target": "1200"}
    assert main.realisations == [
        {"period": "Q1", "realisation": "300 surat diproses", "evidence": "https://arsip/q1.pdf"}
    ]
    assert (extra.rhk_id, extra.realisations) == (f"{own}-2", [])
    # The seven values in the rule set's order; one above and one below leave the middle one: Sesuai.
    assert why.behaviour.rating == "sesuai" and why.behaviour.rule == "median"
    assert [v for v, _ in why.behaviour.values] == [
        "berorientasi_pelayanan",
        "akuntabel",
        "kompeten",
        "harmonis",
        "loyal",
        "adaptif",
        "kolaboratif",
    ]
    assert dict(why.behaviour.values)["loyal"] == "di_bawah"
    assert why.behaviour.counts == {"di_atas": 1, "sesuai": 5, "di_bawah": 1}
    assert why.calibration is not None and why.calibration.justification == (
        "unit kecil: pola distribusi tidak dapat dipenuhi"
    )
    assert (why.calibration.unit_id, why.calibration.org_predikat, sum(why.calibration.counts.values())) == (
        "bidang-umum",
        "baik",
        3,
    )
    assert why.keberatan is None and why.rule_set_id == "permenpanrb-6-2022"
    assert why.rule_set_source.startswith("PermenPANRB 6/2022")

    # A keberatan amended: the reasons are the amended ratings, with the atasan's recorded reasons.
    s.do(STAFF, FileKeberatan(actor(STAFF), "realisasi Q4 belum dihitung"), T["deliver"] + timedelta(days=1))
    s.do(STAFF, DecideKeberatan(actor(SEKDA), "amended", "bukti sah", None, values("di_atas")), WINDOW_ENDS)
    amended = s.app.predikat_reasons(s.get(STAFF))
    assert amended is not None and (amended.predikat, amended.cell) == ("sangat_baik", ("di_atas", "di_atas"))
    assert amended.keberatan is not None
    assert (amended.keberatan.outcome, amended.keberatan.decision, amended.keberatan.decided_by) == (
        "amended",
        "bukti sah",
        SEKDA,
    )
    assert amended.keberatan.reasons == "realisasi Q4 belum dihitung"


def test_a_unit_heads_results_rating_is_explained_by_the_units_organisation_predikat() -> None:
    s = reach(REVIEW, HEAD, org_predikat="istimewa")
    s.deliver()
    why = s.app.predikat_reasons(s.get(HEAD))
    assert why is not None and (why.results.rating, why.results.unit_org_predikat) == ("di_atas", "istimewa")
