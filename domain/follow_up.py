"""Follow-up (tindak lanjut, §6, §12): recommendations from the final predikat and the agency's table."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.base import require
from domain.errors import InvalidInput, Refusal, WrongStage, refusal
from domain.result_commands import DecideFollowUp, Finalise
from domain.rules import BELOW, PREDIKATS, RuleSet, check_predikat
from domain.stages import FOLLOW_UP, AppraisalState

YEARS_IN_RANK = refusal("follow_up.years_in_rank", "must be between 0 and 45")
ONLY_HR_FOLLOW_UP = refusal("follow_up.who_decides", "HR (pengelola kinerja) decides the follow-up")
WHO_FINALISES = refusal("follow_up.who_finalises", "HR or the cycle finalises an appraisal")
UNDECIDED = refusal("follow_up.undecided", "decide the follow-up before finalising")

# Why a promotion is not (yet) advised: recorded as code and figures, said through the message catalogue.
NEEDS_YEARS_OF_PREDIKAT = refusal("follow_up.needs_years_of_predikat", "needs predikat of the last {years} years")
NEEDS_PREDIKAT = refusal("follow_up.needs_predikat", "needs at least {predikat} in each of the last years")
NEEDS_YEARS_IN_RANK = refusal("follow_up.needs_years_in_rank", "needs {needed} years in rank, has {years}")
# The same reasons as FollowUpDecided events recorded them before codes (English text with figures): read back
# by `promotion_reasons`, never rewritten (a stored row's digest and Merkle leaf cover its text).
RECORDED_REASONS = (
    (re.compile(r"needs predikat of the last (?P<years>\d+) years"), NEEDS_YEARS_OF_PREDIKAT),
    (re.compile(r"needs at least (?P<predikat>\w+) in each of the last years"), NEEDS_PREDIKAT),
    (re.compile(r"needs (?P<needed>\d+) years in rank, has (?P<years>\d+)"), NEEDS_YEARS_IN_RANK),
)


def reason(said: Refusal, **params: Any) -> dict[str, Any]:
    """One reason as a decision records it: its code and figures."""
    return {"code": said.code, "params": params}


def promotion_reasons(recorded: Sequence[Any]) -> list[dict[str, Any]]:
    """A decision's reasons as code and figures, whether recorded so or, before codes, as English text.

    A text that none of the old wordings matches is kept as it was (`{"code": "", "text": ...}`).
    """
    reasons = []
    for item in recorded:
        if isinstance(item, Mapping):
            reasons.append({"code": str(item.get("code", "")), "params": dict(item.get("params") or {})})
            continue
        for pattern, said in RECORDED_REASONS:
            found = pattern.fullmatch(str(item))
            if found:
                figures = {k: int(v) if v.isdigit() else v for k, v in found.groupdict().items()}
                reasons.append(reason(said, **figures))
                break
        else:
            reasons.append({"code": "", "params": {}, "text": str(item)})
    return reasons


def promotion_check(rules: RuleSet, predikats: Sequence[str], years_in_rank: int) -> tuple[bool, list[dict[str, Any]]]:
    """Regular promotion (kenaikan pangkat, §6.1) under the agency's table: the predikat of the last years,
    newest first, each at least the table's minimum, and the years in rank; with every reason it is not open."""
    table = rules.follow_up
    floor = PREDIKATS.index(table.promotion_min_predikat)
    recent = list(predikats)[: table.promotion_years_of_good_predikat]
    enough_years = len(recent) == table.promotion_years_of_good_predikat
    good = enough_years and all(PREDIKATS.index(p) <= floor for p in recent)
    reasons = []
    if not enough_years:
        reasons.append(reason(NEEDS_YEARS_OF_PREDIKAT, years=table.promotion_years_of_good_predikat))
    elif not good:
        reasons.append(reason(NEEDS_PREDIKAT, predikat=table.promotion_min_predikat))
    if years_in_rank < table.promotion_min_years_in_rank:
        reasons.append(reason(NEEDS_YEARS_IN_RANK, needed=table.promotion_min_years_in_rank, years=years_in_rank))
    return good and years_in_rank >= table.promotion_min_years_in_rank, reasons


def recommend(
    rules: RuleSet,
    *,
    predikat: str,
    results_rating: str,
    behaviour_ratings: Mapping[str, str],
    previous_predikats: Sequence[str],
    years_in_rank: int,
    ak_coefficient: float | None,
) -> dict[str, Any]:
    """What the agency's table says follows from this year's result."""
    if years_in_rank < 0 or years_in_rank > 45:
        raise InvalidInput("years_in_rank", YEARS_IN_RANK)
    for i, p in enumerate(previous_predikats):
        check_predikat(f"previous_predikats[{i}]", p)
    table = rules.follow_up
    promotion, reasons = promotion_check(rules, [predikat, *previous_predikats], years_in_rank)
    return {
        "promotion_eligible": promotion,
        "promotion_reasons": reasons,
        "training": sorted(v for v, r in behaviour_ratings.items() if r == BELOW),
        "coaching": predikat in table.coaching_predikats,
        "improvement_months": table.improvement_months if results_rating == BELOW else 0,
        "sanction_referral": predikat in table.sanction_referral_predikats,
        "tukin_cut_percent": table.tukin_cut(predikat),
        "angka_kredit": rules.angka_kredit(predikat, ak_coefficient) if ak_coefficient else None,
    }


class FollowUp(AppraisalState):
    """The rules of the follow-up stage: HR applies the agency's table, then finalises."""

    def decide_follow_up(self, cmd: DecideFollowUp, at: datetime) -> None:
        self._require_hr(cmd.by, ONLY_HR_FOLLOW_UP)
        self._require_stage(FOLLOW_UP)
        assert self.rating is not None and self.predikat is not None
        advice = recommend(
            self.rules,
            predikat=self.predikat,
            results_rating=self.rating["results"],
            behaviour_ratings=self.rating["behaviour_values"],
            previous_predikats=cmd.previous_predikats,
            years_in_rank=cmd.years_in_rank,
            ak_coefficient=self.employee.get("ak_coefficient"),
        )
        previous = list(cmd.previous_predikats)
        self._follow_up_decided(cmd.by.nip, previous, cmd.years_in_rank, advice, cmd.notes.strip(), at)

    def finalise(self, cmd: Finalise, at: datetime) -> None:
        require(cmd.by.is_hr or cmd.by.is_system, WHO_FINALISES)
        if not cmd.by.is_system:
            self._require_not_own(cmd.by)
        self._require_stage(FOLLOW_UP)
        if self.follow_up is None:
            raise WrongStage(UNDECIDED)
        self._finalised(cmd.by.nip, at)
