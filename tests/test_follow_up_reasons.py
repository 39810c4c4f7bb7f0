"""Why a promotion is not advised: code and figures in new FollowUpDecided events, and the English text of the
events recorded before codes read as the same codes, on SQLite and PostgreSQL (#13).

The old rows are never rewritten (their digest and Merkle leaf cover the text): they load, verify and read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from domain.application import Appraisals
from domain.audit import Audit
from domain.follow_up import NEEDS_PREDIKAT, NEEDS_YEARS_IN_RANK, NEEDS_YEARS_OF_PREDIKAT, promotion_reasons
from domain.result_commands import DecideFollowUp
from settings import event_store_env
from tests.factories import HR_ACTOR, STAFF, T, reach
from tests.page_language import english_on
from tests.test_appraisal_domain import NOTHING_FOLLOWS
from web.advice import follow_up_value

# Every wording domain/follow_up.py ever recorded (git log -p domain/follow_up.py), with its code and figures.
RECORDED = [
    ("needs predikat of the last 2 years", NEEDS_YEARS_OF_PREDIKAT.code, {"years": 2}),
    ("needs at least baik in each of the last years", NEEDS_PREDIKAT.code, {"predikat": "baik"}),
    ("needs 4 years in rank, has 3", NEEDS_YEARS_IN_RANK.code, {"needed": 4, "years": 3}),
]


def decided(app: Appraisals, appraisal_id: UUID) -> list[Any]:
    """The FollowUpDecided events as stored."""
    return [e for e in app.repository.event_store.get(appraisal_id) if type(e).__name__ == "FollowUpDecided"]


@pytest.mark.parametrize(("text", "code", "params"), RECORDED)
def test_a_reason_recorded_in_english_reads_as_its_code_and_figures(text: str, code: str, params: Any) -> None:
    assert promotion_reasons([text]) == [{"code": code, "params": params}]


def test_a_reason_recorded_with_its_code_reads_as_recorded_and_an_unknown_text_is_kept() -> None:
    coded = {"code": NEEDS_PREDIKAT.code, "params": {"predikat": "baik"}}
    assert promotion_reasons([coded, "something else"]) == [coded, {"code": "", "params": {}, "text": "something else"}]


def test_the_page_says_each_reason_in_indonesian() -> None:
    said = follow_up_value("promotion_reasons", promotion_reasons([text for text, _, _ in RECORDED]))
    assert said == (
        "belum ada predikat 2 tahun terakhir; perlu predikat paling rendah Baik setiap tahun; "
        "perlu 4 tahun dalam pangkat, baru 3 tahun"
    )
    assert not english_on(f"<li>{said}</li>")


def test_a_new_decision_records_its_reasons_as_codes() -> None:
    s = reach("follow_up")
    s.do(STAFF, DecideFollowUp(HR_ACTOR, previous_predikats=[], years_in_rank=3, notes=""), T["follow_up"])
    (stored,) = decided(s.app, s.id(STAFF))
    assert stored.decision["promotion_reasons"] == [
        {"code": NEEDS_YEARS_OF_PREDIKAT.code, "params": {"years": 2}},
        {"code": NEEDS_YEARS_IN_RANK.code, "params": {"needed": 4, "years": 3}},
    ]


def test_a_decision_recorded_in_english_before_codes_still_loads_verifies_and_reads(store_url: str) -> None:
    s = reach("follow_up", app=Appraisals(env=event_store_env(store_url)))
    appraisal = s.get(STAFF)
    english = {k: v for k, v in NOTHING_FOLLOWS.items() if k != "notes"}  # the decision, as recorded then:
    english |= {"promotion_eligible": False, "promotion_reasons": [text for text, _, _ in RECORDED]}
    appraisal._follow_up_decided(HR_ACTOR.nip, ["baik"], 3, english, "", T["follow_up"])  # as recorded then
    s.app.save(appraisal)

    reloaded = Appraisals(env=event_store_env(store_url)).appraisal(s.id(STAFF))
    assert reloaded.follow_up is not None
    assert reloaded.follow_up["promotion_reasons"] == [{"code": c, "params": p} for _, c, p in RECORDED]
    (stored,) = decided(s.app, s.id(STAFF))
    assert stored.decision["promotion_reasons"] == [text for text, _, _ in RECORDED]  # the row is as written
    assert Audit(s.app).verify(s.id(STAFF)).ok is True
