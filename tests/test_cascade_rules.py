"""Cascading without deadlock and "atasan saya salah" (#15), in the domain: the rules and the facts they record.

A subordinate's SKP waits for the superior's RHK ("menunggu RHK atasan") instead of being refused; the SKP is
approved only once every RHK utama is linked. A wrong pejabat penilai is flagged with a reason; HR's change of
supervisor resolves it in the same command, or HR dismisses it; each resolution is in the log.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.application import Appraisals
from domain.audit import Audit
from domain.cascade import PROVISIONAL, cascade_choice, cascade_days, cascade_dues, cascade_leads, unlinked, waiting_ids
from domain.cycle_commands import StartCycle
from domain.errors import InvalidInput, NotAllowed, WrongStage
from domain.people_commands import ChangeSupervisor
from domain.supervisor_flag import open_flag
from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.work_commands import ApproveSkp, DraftSkp, LinkRhk, ReturnSkp, SubmitSkp
from tests.factories import (
    ANALIS,
    HEAD,
    HR_ACTOR,
    KADIS,
    OUTSIDER,
    SEKDA,
    STAFF,
    Scenario,
    T,
    actor,
    define_cycle,
    rhk,
)

EMPLOYEE, APPRAISER = actor(STAFF), actor(HEAD)


def waiting_staff() -> Scenario:
    """STAFF drafts and submits while HEAD (their pejabat penilai, a participant) has no RHK yet."""
    s = Scenario.new()
    s.open(HEAD)
    s.open(STAFF)
    s.do(STAFF, DraftSkp(EMPLOYEE, rhk("staff", supports=PROVISIONAL)), T["draft"])
    s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"])
    return s


@pytest.mark.parametrize("supports", [PROVISIONAL, ""])
def test_a_subordinate_submits_while_the_superior_has_no_rhk_and_the_rhk_waits(supports: str) -> None:
    s = Scenario.new()
    s.open(STAFF)  # the head has not even opened: a participant with no RHK
    s.do(STAFF, DraftSkp(EMPLOYEE, rhk("staff", supports=supports)), T["draft"])
    submitted = s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"])
    assert submitted.pending == {"task": "review_skp", "assignee": HEAD}
    assert waiting_ids(s.get(STAFF).rhk) == ["staff-1"]


def test_naming_a_superior_rhk_that_does_not_exist_yet_is_refused_with_the_provisional_value() -> None:
    s = Scenario.new()
    s.open(HEAD)
    s.open(STAFF)
    s.do(STAFF, DraftSkp(EMPLOYEE, rhk("staff", supports="head-1")), T["draft"])
    with pytest.raises(InvalidInput) as e:
        s.do(STAFF, SubmitSkp(EMPLOYEE), T["submit"])
    assert str(e.value) == (
        "rhk[0].supports: the superior has no RHK yet: an RHK utama waits as 'menunggu-rhk-atasan' "
        "and is linked once they exist, got 'head-1'"
    )
    assert e.value.code == "cascade.not_yet"


def test_approval_requires_every_link_then_the_appraiser_links_during_review() -> None:
    s = waiting_staff()
    with pytest.raises(WrongStage) as e:
        s.do(STAFF, ApproveSkp(APPRAISER), T["approve"])
    assert str(e.value) == (
        "every RHK utama must name one of the superior's RHK before the SKP is approved: staff-1 still wait"
    )
    # The head's RHK arrive; until linked, approval is still refused.
    s.do(HEAD, DraftSkp(APPRAISER, rhk("head")), T["draft"])
    with pytest.raises(WrongStage):
        s.do(STAFF, ApproveSkp(APPRAISER), T["approve"])
    with pytest.raises(InvalidInput) as bad:
        s.do(STAFF, LinkRhk(APPRAISER, "staff-1", "head-9"), T["approve"])
    assert str(bad.value) == "supports: must name one of the superior's RHK (head-1, head-2), got 'head-9'"
    with pytest.raises(InvalidInput) as unknown:
        s.do(STAFF, LinkRhk(APPRAISER, "staff-7", "head-1"), T["approve"])
    assert str(unknown.value) == "rhk_id: must be one of the SKP's RHK (staff-1, staff-2), got 'staff-7'"
    linked = s.do(STAFF, LinkRhk(APPRAISER, "staff-1", "head-1"), T["approve"])
    assert s.get(STAFF).rhk[0]["supports"] == "head-1" and linked.stage == "planning"
    assert s.do(STAFF, ApproveSkp(APPRAISER), T["approve"]).stage == "execution"
    history = [e["type"] for e in Audit(s.app).history(s.id(STAFF))]
    assert history[-2:] == ["RhkLinked", "SkpApproved"]


def test_the_employee_links_a_draft_and_a_returned_skp_others_may_not() -> None:
    s = waiting_staff()
    s.do(HEAD, DraftSkp(APPRAISER, rhk("head")), T["draft"])
    s.do(STAFF, ReturnSkp(APPRAISER, "Tautkan ke RHK saya"), T["approve"])
    for who in (ANALIS, SEKDA, OUTSIDER):
        with pytest.raises(NotAllowed) as e:
            s.do(STAFF, LinkRhk(actor(who), "staff-1", "head-1"), T["approve"])
        assert e.value.code == "cascade.who_links"
    # The appraiser links only while the SKP is with them (submitted), not once it is returned.
    with pytest.raises(NotAllowed):
        s.do(STAFF, LinkRhk(APPRAISER, "staff-1", "head-1"), T["approve"])
    s.do(STAFF, LinkRhk(EMPLOYEE, "staff-1", "head-2"), T["approve"])
    assert unlinked(s.get(STAFF).rhk, ["head-1", "head-2"]) == []
    s.do(STAFF, SubmitSkp(EMPLOYEE), T["approve"])
    assert s.do(STAFF, ApproveSkp(APPRAISER), T["approve"]).stage == "execution"
    with pytest.raises(WrongStage):  # approved: the links are the plan's now
        s.do(STAFF, LinkRhk(EMPLOYEE, "staff-1", "head-1"), T["approve"])


def test_nothing_links_where_nothing_cascades() -> None:
    s = Scenario.new()
    s.open(HEAD)  # HEAD's appraiser (SEKDA) takes no part in the cycle: the top of the chain
    s.do(HEAD, DraftSkp(APPRAISER, rhk("head")), T["draft"])
    with pytest.raises(NotAllowed) as e:
        s.do(HEAD, LinkRhk(APPRAISER, "head-1", "x"), T["draft"])
    assert e.value.code == "cascade.no_superior"


def test_a_repeated_link_with_the_same_key_is_applied_once() -> None:
    s = waiting_staff()
    s.do(HEAD, DraftSkp(APPRAISER, rhk("head")), T["draft"])
    first = s.do(STAFF, LinkRhk(EMPLOYEE, "staff-1", "head-1"), T["approve"], key="k1")
    again = s.do(STAFF, LinkRhk(EMPLOYEE, "staff-1", "head-1"), T["approve"], key="k1")
    assert again.replayed and again.version == first.version


# --- "atasan saya salah" ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", [STAFF, HEAD])
def test_a_wrong_supervisor_is_flagged_then_corrected_by_a_change_of_supervisor(who: str) -> None:
    s = Scenario.new()
    s.open(STAFF)
    s.do(STAFF, FlagWrongSupervisor(actor(who), "Atasan saya Kepala Seksi, bukan Kepala Bidang"), T["draft"])
    flag = open_flag(s.get(STAFF))
    assert flag is not None and flag["role"] == ("employee" if who == STAFF else "appraiser")
    assert flag["appraiser_nip"] == HEAD and flag["by"] == who
    with pytest.raises(WrongStage) as twice:
        s.do(STAFF, FlagWrongSupervisor(EMPLOYEE, "lagi"), T["draft"])
    assert twice.value.code == "flag.open"
    change = ChangeSupervisor(HR_ACTOR, ANALIS, HEAD, "Koreksi atasan atas laporan pegawai")
    s.app.change_supervisor(s.cycle_id, STAFF, change, at=T["submit"])
    appraisal = s.get(STAFF)
    assert open_flag(appraisal) is None and appraisal.appraiser_nip == ANALIS
    [done] = appraisal.supervisor_flags
    assert done["resolution"]["outcome"] == "corrected" and done["resolution"]["appraiser_nip"] == ANALIS
    history = [e["type"] for e in Audit(s.app).history(s.id(STAFF))]
    assert history[-3:] == ["SupervisorFlagged", "SupervisorReassigned", "SupervisorFlagResolved"]


def test_hr_dismisses_a_flag_with_a_reason_and_only_hr_may() -> None:
    s = Scenario.new()
    s.open(STAFF)
    with pytest.raises(NotAllowed) as stranger:
        s.do(STAFF, FlagWrongSupervisor(actor(ANALIS), "bukan urusan saya"), T["draft"])
    assert stranger.value.code == "flag.who_flags"
    with pytest.raises(WrongStage) as none:
        s.do(STAFF, DismissSupervisorFlag(HR_ACTOR, "tidak ada"), T["draft"])
    assert none.value.code == "flag.none"
    s.do(STAFF, FlagWrongSupervisor(EMPLOYEE, "Salah atasan"), T["draft"])
    with pytest.raises(NotAllowed) as not_hr:
        s.do(STAFF, DismissSupervisorFlag(actor(KADIS), "sudah benar"), T["draft"])
    assert not_hr.value.code == "flag.who_resolves"
    with pytest.raises(InvalidInput):
        s.do(STAFF, DismissSupervisorFlag(HR_ACTOR, "  "), T["draft"])
    s.do(STAFF, DismissSupervisorFlag(HR_ACTOR, "SK penempatan menyebut Kepala Bidang"), T["draft"])
    appraisal = s.get(STAFF)
    assert open_flag(appraisal) is None and appraisal.appraiser_nip == HEAD
    assert appraisal.supervisor_flags[0]["resolution"]["outcome"] == "dismissed"
    # A change that keeps the appraiser (only the atasan moves) leaves a new flag open.
    s.do(STAFF, FlagWrongSupervisor(EMPLOYEE, "Masih salah"), T["draft"])
    s.app.change_supervisor(s.cycle_id, STAFF, ChangeSupervisor(HR_ACTOR, HEAD, KADIS, "atasan baru"), at=T["submit"])
    assert open_flag(s.get(STAFF)) is not None


def test_a_flag_with_a_script_or_a_nul_in_its_reason_is_refused_and_nothing_is_written() -> None:
    s = Scenario.new()
    s.open(STAFF)
    before = s.get(STAFF).version
    with pytest.raises(InvalidInput):
        s.do(STAFF, FlagWrongSupervisor(EMPLOYEE, "salah\x00"), T["draft"])
    s.do(STAFF, FlagWrongSupervisor(EMPLOYEE, "<script>alert(1)</script>"), T["draft"])  # text, shown escaped
    assert s.get(STAFF).version == before + 1


# --- the superiors' earlier deadline, HR's choice in the cycle -------------------------------------------


@given(before=st.integers(-1000, 1000) | st.none(), per_level=st.integers(-1000, 1000) | st.none())
def test_hr_s_cascade_days_are_taken_within_bounds_and_refused_naming_the_field(
    before: int | None, per_level: int | None
) -> None:
    cycle = CYCLE
    ok_before = before is None or 0 <= before <= 60
    ok_level = per_level is None or 0 <= per_level <= 30
    if ok_before and ok_level:
        assert cascade_choice(cycle, before, per_level) == (
            7 if before is None else before,
            5 if per_level is None else per_level,
        )
        return
    with pytest.raises(InvalidInput) as e:
        cascade_choice(cycle, before, per_level)
    assert e.value.field == ("cascade_days_before" if not ok_before else "cascade_days_per_level")
    assert e.value.code == "cycle.cascade_days"


@pytest.mark.parametrize("bad", [True, "7", 7.0])
def test_cascade_days_are_whole_numbers(bad: object) -> None:
    with pytest.raises(InvalidInput):
        cascade_choice(CYCLE, bad, None)  # type: ignore[arg-type]


def test_the_started_cycle_keeps_hr_s_days_and_heads_come_first_by_them() -> None:
    app = Appraisals()
    cycle_id = define_cycle(app, start=False)
    with pytest.raises(InvalidInput) as refused:
        app.execute_cycle(cycle_id, StartCycle(HR_ACTOR, cascade_days_per_level=31), at=T["start"])
    assert refused.value.field == "cascade_days_per_level"
    assert app.cycle(cycle_id).status == "defined"  # nothing written
    app.execute_cycle(cycle_id, StartCycle(HR_ACTOR, cascade_days_before=12, cascade_days_per_level=4), at=T["start"])
    cycle = app.cycle(cycle_id)
    assert cascade_days(cycle) == {"before": 12, "per_level": 4}
    leads, dues = cascade_leads(cycle), cascade_dues(cycle)
    planning = cycle.deadline("planning")
    for nip, lead in leads.items():
        assert (planning - dues[nip]).days == lead >= 12
        assert (lead - 12) % 4 == 0
    assert leads == {HEAD: 12}
    # One more level above: that head's RHK are due the chosen 4 days earlier again.
    head = cycle.participants[HEAD]
    cycle.participants[head["appraiser_nip"]] = {**head, "nip": head["appraiser_nip"], "appraiser_nip": "x"}
    assert cascade_leads(cycle) == {HEAD: 12, head["appraiser_nip"]: 16}


_app = Appraisals()
CYCLE = _app.cycle(define_cycle(_app, start=False))


@pytest.mark.parametrize("who", [STAFF, HEAD])
def test_a_flag_about_the_atasan_is_resolved_by_hr_s_correction_of_the_atasan(who: str) -> None:
    s = Scenario.new()
    s.open(STAFF)
    with pytest.raises(InvalidInput) as unknown:
        s.do(STAFF, FlagWrongSupervisor(actor(who), "salah", about="unit"), T["draft"])
    assert (unknown.value.field, unknown.value.code) == ("about", "flag.about")
    named = s.get(STAFF).atasan_nip
    assert named == SEKDA
    s.do(STAFF, FlagWrongSupervisor(actor(who), "Atasan Kabid saya Sekda, bukan Kadis", about="atasan"), T["draft"])
    flag = open_flag(s.get(STAFF))
    assert flag is not None and (flag["about"], flag["atasan_nip"]) == ("atasan", named)
    # A correction of the pejabat penilai alone leaves a flag about the atasan open ...
    s.app.change_supervisor(
        s.cycle_id, STAFF, ChangeSupervisor(HR_ACTOR, ANALIS, named, "koreksi penilai"), at=T["submit"]
    )
    assert open_flag(s.get(STAFF)) is not None
    # ... the atasan's correction resolves it, with the new atasan in the log.
    right = KADIS  # the atasan named was SEKDA
    s.app.change_supervisor(
        s.cycle_id, STAFF, ChangeSupervisor(HR_ACTOR, ANALIS, right, "koreksi atasan"), at=T["submit"]
    )
    appraisal = s.get(STAFF)
    assert open_flag(appraisal) is None
    [done] = appraisal.supervisor_flags
    assert (done["about"], done["resolution"]["outcome"], done["resolution"]["atasan_nip"]) == (
        "atasan",
        "corrected",
        right,
    )
    history = Audit(s.app).history(s.id(STAFF))
    assert [e["type"] for e in history][-2:] == ["SupervisorReassigned", "SupervisorFlagResolved"]
    assert history[-1]["payload"]["reason"] == "koreksi atasan"
