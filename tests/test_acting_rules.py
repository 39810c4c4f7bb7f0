"""Acting heads (Plt/Plh) in the domain: HR's designation and its refusals, and a designation's start and end
on an appraisal (the pending task moves to the acting head and back; the keberatan's decider likewise).

The factories' unit: HEAD heads `bidang-umum` and appraises STAFF and ANALIS; SEKDA appraises HEAD and is the
atasan of STAFF and ANALIS.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.acting import designation_id_of, reached, unit_head
from domain.acting_commands import BeginActing, DesignateActing, EndActing, EndDesignation
from domain.audit import Audit
from domain.base import SYSTEM, Actor
from domain.errors import DomainError, InvalidInput, NotAllowed, WrongStage
from domain.result_commands import DecideKeberatan
from domain.work_commands import ApproveSkp
from tests.factories import (
    ANALIS,
    HEAD,
    HR_ACTOR,
    HR_NIP,
    KADIS,
    OUTSIDER,
    SEKDA,
    STAFF,
    UNIT,
    UTC,
    Scenario,
    T,
    actor,
    participants,
    reach,
)

AT = datetime(2024, 1, 4, 2, 0, tzinfo=UTC)
WINDOW_ENDS_AT = T["deliver"] + timedelta(days=2)  # the keberatan is filed the day after delivery
DECREE = "800/12/BKPSDM/2024"


def designate(s: Scenario, key: str = "", at: datetime = AT, **change: Any) -> str:
    fields = {
        "by": HR_ACTOR,
        "unit_id": UNIT,
        "acting_nip": ANALIS,
        "kind": "plt",
        "starts": "2024-01-05",
        "ends": "2024-03-04",
        "decree": DECREE,
        **change,
    }
    return s.app.designate_acting(s.cycle_id, DesignateActing(**fields), at=at, key=key)


def test_a_designation_is_recorded_with_its_head_decree_and_period_and_reaches_the_heads_appraisals() -> None:
    s = Scenario.new()
    first = designate(s, key="k1")
    assert first == designation_id_of(s.cycle_id, DECREE) == designate(s, key="k1")  # a repeat writes nothing
    register = s.app.acting_register(s.cycle_id)
    assert register is not None and register.version == 2
    held = register.designations[first]
    assert {k: held[k] for k in ("unit_id", "head_nip", "acting_nip", "kind", "starts", "ends", "decree", "by")} == {
        "unit_id": UNIT,
        "head_nip": HEAD,
        "acting_nip": ANALIS,
        "kind": "plt",
        "starts": "2024-01-05",
        "ends": "2024-03-04",
        "decree": DECREE,
        "by": HR_NIP,
    }
    assert held["acting_name"] == "Analis Kebijakan"
    by_nip = {p["nip"]: p for p in participants()}
    assert reached(by_nip, HEAD) == sorted([STAFF, ANALIS])
    assert reached(by_nip, SEKDA) == sorted([HEAD, STAFF, ANALIS])
    assert register.in_charge(UNIT, datetime(2024, 3, 4).date())["id"] == first
    assert register.in_charge(UNIT, datetime(2024, 3, 5).date()) is None
    assert register.in_charge(UNIT, datetime(2024, 1, 4).date()) is None


def test_the_unit_head_is_the_marked_head_or_the_one_appraiser_the_members_share() -> None:
    marked = {p["nip"]: p for p in participants()}
    assert unit_head(marked, UNIT) == HEAD
    unmarked = {n: {**p, "is_unit_head": False} for n, p in marked.items() if n != HEAD}
    assert unit_head(unmarked, UNIT) == HEAD
    mixed = {**unmarked, OUTSIDER: {"nip": OUTSIDER, "unit_id": UNIT, "appraiser_nip": SEKDA, "atasan_nip": KADIS}}
    assert unit_head(mixed, UNIT) is None


REFUSED = [
    ({"kind": "pjs"}, "kind", "acting.kind"),
    ({"unit_id": "bidang-lain"}, "unit_id", "acting.no_unit"),
    ({"acting_nip": HEAD}, "acting_nip", "acting.over_self"),
    ({"acting_nip": "12345"}, "acting_nip", "nip.length"),
    ({"acting_nip": OUTSIDER}, "acting_nip", "acting.not_colleague"),
    ({"starts": "2024-03-05", "ends": "2024-03-04"}, "ends", "acting.ends_before_starts"),
    ({"starts": "2023-12-20"}, "starts", "acting.outside_cycle"),
    ({"ends": "2025-01-01"}, "ends", "acting.outside_cycle"),
    ({"starts": "2024-01-01", "ends": "2024-01-03"}, "ends", "acting.over"),
    ({"starts": "5 Januari"}, "starts", "input.date"),
    ({"decree": "  "}, "decree", "input.required"),
    ({"decree": "800/\x00"}, "decree", "input.control_character"),
]


@pytest.mark.parametrize(("change", "field", "code"), REFUSED, ids=[c for _, _, c in REFUSED])
def test_a_designation_that_breaks_a_rule_is_refused_naming_the_field(
    change: dict[str, Any], field: str, code: str
) -> None:
    s = Scenario.new()
    with pytest.raises(DomainError) as refused:
        designate(s, **change)
    assert refused.value.code == code or refused.value.code.startswith(code.split(".")[0])
    assert getattr(refused.value, "field", field) == field
    assert s.app.acting_register(s.cycle_id) is None  # nothing written


def test_only_hr_designates_never_itself_and_never_over_another_designation_of_the_unit() -> None:
    s = Scenario.new()
    with pytest.raises(NotAllowed) as refused:
        designate(s, by=actor(SEKDA))
    assert refused.value.code == "acting.only_hr"
    with pytest.raises(NotAllowed) as refused:
        designate(s, acting_nip=STAFF, by=Actor(STAFF, ("hr",)))
    assert refused.value.code == "acting.self_designated"
    designate(s)
    with pytest.raises(InvalidInput) as overlap:
        designate(s, acting_nip=STAFF, kind="plh", starts="2024-03-04", ends="2024-03-10", decree="800/13")
    assert (overlap.value.field, overlap.value.code) == ("starts", "acting.overlap")
    assert overlap.value.params["other_nip"] == ANALIS
    with pytest.raises(InvalidInput) as again:
        designate(s, starts="2024-05-01", ends="2024-05-02", decree=DECREE.lower())
    assert again.value.code == "acting.decree_used"
    designate(s, acting_nip=STAFF, kind="plh", starts="2024-03-05", ends="2024-03-10", decree="800/13")
    register = s.app.acting_register(s.cycle_id)
    assert register is not None and len(register.designations) == 2


def begin(s: Scenario, who: str, head: str = HEAD, acting: str = ANALIS, at: datetime = AT) -> Any:
    cmd = BeginActing(HR_ACTOR, "d1", UNIT, head, acting, "plt", DECREE)
    return s.do(who, cmd, at, key=f"begin-{who}")


def test_the_pending_task_moves_to_the_acting_head_and_back_and_what_they_did_is_on_record() -> None:
    s = Scenario.new()
    s.submit(STAFF)
    assert s.get(STAFF).pending_task() == {"task": "review_skp", "assignee": HEAD}
    began = begin(s, STAFF)
    assert began.pending == {"task": "review_skp", "assignee": ANALIS}
    assert begin(s, STAFF).replayed  # the same key: nothing more
    with pytest.raises(WrongStage) as twice:
        s.do(STAFF, BeginActing(HR_ACTOR, "d1", UNIT, HEAD, ANALIS, "plt", DECREE), AT)
    assert twice.value.code == "acting.already_began"
    with pytest.raises(NotAllowed):
        s.do(STAFF, ApproveSkp(actor(HEAD)), AT + timedelta(days=2))  # the head is away: the Plt acts
    approved_at = AT + timedelta(days=3)
    s.do(STAFF, ApproveSkp(actor(ANALIS)), approved_at)
    during = s.get(STAFF)
    assert during.pending_task() == {"task": "check_in", "assignee": ANALIS}
    ended = s.do(STAFF, EndActing(HR_ACTOR, "d1"), AT + timedelta(days=60))
    assert ended.pending == {"task": "check_in", "assignee": HEAD}
    with pytest.raises(WrongStage) as not_running:
        s.do(STAFF, EndActing(HR_ACTOR, "d1"), AT + timedelta(days=61))
    assert not_running.value.code == "acting.not_begun"
    audit = Audit(s.app)
    history = audit.history(s.id(STAFF))
    kinds = [e["type"] for e in history]
    assert kinds[-3:] == ["ActingBegan", "SkpApproved", "ActingEnded"]
    assert history[-3]["payload"] == {
        "by": HR_NIP,
        "designation_id": "d1",
        "role": "appraiser",
        "unit_id": UNIT,
        "head_nip": HEAD,
        "acting_nip": ANALIS,
        "kind": "plt",
        "decree": DECREE,
    }
    at_approval = audit.state_at(s.id(STAFF), at=approved_at)
    assert at_approval["acting"]["appraiser"]["nip"] == ANALIS
    assert at_approval["acting"]["appraiser"]["decree"] == DECREE
    after = audit.state_at(s.id(STAFF), at=AT + timedelta(days=60))
    assert after["acting"] == {}
    assert [(p["nip"], p["until"]) for p in after["acting_history"]] == [
        (ANALIS, (AT + timedelta(days=60)).isoformat())
    ]


def test_nobody_acts_over_their_own_appraisal_nor_where_the_head_takes_no_part_nor_after_finalising() -> None:
    s = Scenario.new()
    s.open(ANALIS)
    s.open(HEAD)
    with pytest.raises(NotAllowed) as own:
        begin(s, ANALIS)
    assert own.value.code == "acting.own_appraisal"
    with pytest.raises(WrongStage) as elsewhere:
        begin(s, HEAD)
    assert elsewhere.value.code == "acting.not_under_head"
    s.open(STAFF)
    with pytest.raises(NotAllowed) as not_hr:
        s.do(STAFF, BeginActing(actor(SEKDA), "d1", UNIT, HEAD, ANALIS, "plt", DECREE), AT)
    assert not_hr.value.code == "acting.only_hr"
    # The designator's own appraisal is the unit's like any other (#15): the step reaches it, and ends there.
    designator = Actor(STAFF, ("hr",))
    began = s.do(STAFF, BeginActing(designator, "d1", UNIT, HEAD, ANALIS, "plt", DECREE), AT)
    assert began.pending == {"task": "draft_skp", "assignee": STAFF} and s.get(STAFF).acting_appraiser == ANALIS
    s.do(STAFF, EndActing(designator, "d1"), AT + timedelta(days=1))
    assert s.get(STAFF).acting_appraiser == HEAD


def test_an_acting_atasan_decides_the_pending_keberatan_and_hands_it_back_at_the_end() -> None:
    s = reach("keberatan")
    assert s.get(STAFF).keberatan["decider"] == SEKDA
    with pytest.raises(NotAllowed) as rates:
        begin(s, STAFF, head=SEKDA, acting=HEAD, at=WINDOW_ENDS_AT)
    assert rates.value.code == "acting.atasan_rates"  # HEAD rated STAFF: not the keberatan's decider too
    began = begin(s, STAFF, head=SEKDA, acting=KADIS, at=WINDOW_ENDS_AT)
    assert began.pending == {"task": "decide_keberatan", "assignee": KADIS}
    assert s.get(STAFF).escalation_target("rate") == KADIS  # an overdue task of the appraiser goes to the Plt atasan
    ended = s.do(STAFF, EndActing(HR_ACTOR, "d1"), WINDOW_ENDS_AT + timedelta(days=1))
    assert ended.pending == {"task": "decide_keberatan", "assignee": SEKDA}
    s.do(STAFF, DecideKeberatan(actor(SEKDA), "upheld", "sesuai bukti"), WINDOW_ENDS_AT + timedelta(days=2))


def test_an_acting_head_acts_only_for_the_head_named_after_a_change_of_supervisor() -> None:
    s = Scenario.new()
    s.submit(STAFF)
    begin(s, STAFF)
    appraisal = s.get(STAFF)
    appraisal.__dict__["appraiser_nip"] = KADIS  # as a SupervisorReassigned would leave it
    assert appraisal.acting_appraiser == KADIS


def end(s: Scenario, designation: str, ends: str, at: datetime, key: str = "", **change: Any) -> dict[str, Any]:
    cmd = EndDesignation(**{"by": HR_ACTOR, "designation_id": designation, "ends": ends, "reason": "kembali", **change})
    return s.app.end_designation(s.cycle_id, cmd, at=at, key=key)


def test_hr_ends_a_designation_early_with_a_reason_or_cancels_one_not_begun_and_the_unit_is_free_again() -> None:
    s = Scenario.new()
    first = designate(s)
    feb_20 = datetime(2024, 2, 20, 2, 0, tzinfo=UTC)
    refusals = [
        ({"by": actor(SEKDA)}, "2024-02-20", NotAllowed, "acting.only_hr", None),
        ({}, "2024-03-04", InvalidInput, "acting.not_earlier", "ends"),  # not earlier than its last day
        ({}, "2024-02-18", InvalidInput, "acting.backdated", "ends"),  # before yesterday: done under it stays its own
        ({"reason": "  "}, "2024-02-20", InvalidInput, "input.required_text", "reason"),
        ({}, "20-02-2024", InvalidInput, "input.date", "ends"),
        ({"designation_id": "nope"}, "2024-02-20", InvalidInput, "acting.no_designation", "designation_id"),
    ]
    for change, ends, error, code, field in refusals:
        with pytest.raises(error) as refused:
            end(s, first, ends, feb_20, **change)
        assert refused.value.code == code and getattr(refused.value, "field", None) == field
    held = end(s, first, "2024-02-20", feb_20, key="e1", reason="Kepala bidang kembali bertugas")
    assert held["ends"] == "2024-02-20" and held["shortened"]["previous"] == "2024-03-04"
    assert held["shortened"]["reason"] == "Kepala bidang kembali bertugas" and not held["shortened"]["cancelled"]
    version = s.app.acting_register(s.cycle_id).version
    assert end(s, first, "2024-02-20", feb_20, key="e1")["ends"] == "2024-02-20"  # a retry writes nothing
    assert s.app.acting_register(s.cycle_id).version == version
    register = s.app.acting_register(s.cycle_id)
    assert register.in_charge(UNIT, datetime(2024, 2, 20).date())["id"] == first
    assert register.in_charge(UNIT, datetime(2024, 2, 21).date()) is None
    # The unit is free from 21 February: another designation may follow; one not begun can be cancelled.
    later = designate(s, at=feb_20, starts="2024-04-01", ends="2024-04-30", decree="800/99")
    cancelled = end(s, later, "2024-03-31", feb_20)
    assert (
        cancelled["shortened"]["cancelled"]
        and s.app.acting_register(s.cycle_id).in_charge(UNIT, datetime(2024, 4, 2).date()) is None
    )


def test_a_participant_added_while_a_designation_runs_joins_it_once_and_leaves_with_it() -> None:
    s = Scenario.new()
    first = designate(s)
    register = s.app.acting_register(s.cycle_id)
    newcomer = {"appraiser_nip": HEAD, "atasan_nip": SEKDA}
    assert register.joining(OUTSIDER, newcomer) == []  # not begun yet: its start reaches everyone then
    s.app.record_acting_step(s.cycle_id, first, "begin", [STAFF], {}, by=SYSTEM, at=AT)
    register = s.app.acting_register(s.cycle_id)
    assert [d["id"] for d in register.joining(OUTSIDER, newcomer)] == [first]
    assert register.joining(STAFF, newcomer) == []  # reached at its start already
    assert register.joining(OUTSIDER, {"appraiser_nip": KADIS, "atasan_nip": SEKDA}) == []  # not under the head
    with pytest.raises(NotAllowed):
        register.record_joined(HR_ACTOR, first, OUTSIDER, None, AT)  # only the calendar records it
    s.app.record_acting_joined(s.cycle_id, first, OUTSIDER, None, by=SYSTEM, at=AT)
    s.app.record_acting_joined(s.cycle_id, first, OUTSIDER, None, by=SYSTEM, at=AT)  # once
    register = s.app.acting_register(s.cycle_id)
    assert register.joining(OUTSIDER, newcomer) == []
    assert register.designations[first]["joined"][OUTSIDER]["reached"]
    assert register.reached_now(first) == sorted([STAFF, OUTSIDER])  # its end leaves both
