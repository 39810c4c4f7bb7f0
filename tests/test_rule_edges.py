"""Edges of small rules: instants are UTC whatever the server's zone, ratings and texts name their field.

DOMAIN.md §12: stored instants are UTC and a deadline on day D ends at 23:59:59 of D in the agency's
zone; §3.1: three rating levels; §2.1: each IKI has an aspect (Kuantitas, Kualitas, Waktu, Biaya).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import pytest

from domain import calendar
from domain.audit import Audit
from domain.commands import CalibrateUnit, Rate, SelfAssess
from domain.errors import InvalidInput, WrongStage
from domain.rules import PERMENPANRB_6_2022
from domain.skp import check_skp
from domain.text import TEXT, text
from tests.factories import ANALIS, HEAD, HR_ACTOR, STAFF, UNIT, Scenario, T, actor, reach, rhk, values


@pytest.fixture
def server_in_jayapura(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A server whose own clock is set to WIT (UTC+9): nothing stored may follow it."""
    monkeypatch.setenv("TZ", "Asia/Jayapura")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_instants_are_utc_even_on_a_server_in_another_zone(server_in_jayapura: None) -> None:
    last = calendar.end_of_day(date(2025, 2, 4), "WITA")
    assert last.utcoffset() == timedelta(0) and last.replace(tzinfo=None) == datetime(2025, 2, 4, 15, 59, 59)
    wib = datetime(2025, 1, 21, 4, 0, tzinfo=timezone(timedelta(hours=7)))
    utc = calendar.as_utc(wib)
    assert utc.utcoffset() == timedelta(0) and utc.replace(tzinfo=None) == datetime(2025, 1, 20, 21, 0)


def test_an_instant_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^at: instants must carry a time zone$"):
        calendar.as_utc(datetime(2025, 1, 1, 8, 0))


def test_a_rating_is_recorded_with_its_rule_set_and_notes_and_names_a_wrong_level() -> None:
    s = reach("review")
    with pytest.raises(InvalidInput, match="^results_rating: must be one of di_atas, sesuai, di_bawah, got 'baik'$"):
        s.do(STAFF, Rate(actor(HEAD), "baik", values()), T["rate"])
    s.do(STAFF, SelfAssess(actor(STAFF), "x"), T["rate"])
    s.rate(STAFF)
    rated = Audit(s.app).history(s.id(STAFF))[-1]
    assert (rated["type"], rated["rule_set_id"]) == ("Rated", "permenpanrb-6-2022")
    assert (rated["payload"]["rule_set_id"], rated["payload"]["notes"]) == ("permenpanrb-6-2022", "penilaian tahunan")


def test_a_rating_after_calibration_is_refused_saying_a_keberatan_may_change_it() -> None:
    s = Scenario.new()
    for who in (HEAD, STAFF, ANALIS):
        s.rate(who)
    s.app.calibrate_unit(s.cycle_id, CalibrateUnit(HR_ACTOR, UNIT, "unit kecil"), at=T["calibrate"])
    message = "^the unit's distribution is calibrated: ratings are fixed, a keberatan may change them$"
    with pytest.raises(WrongStage, match=message):
        s.do(STAFF, Rate(actor(HEAD), "di_atas", values()), T["calibrate"])


def test_behaviour_ratings_name_what_is_missing_and_unknown() -> None:
    rules = PERMENPANRB_6_2022
    extra = {**values(), "jujur": "sesuai"}
    with pytest.raises(InvalidInput, match=r"\(missing: -; unknown: jujur\)$"):
        rules.behaviour_rating(extra)
    with pytest.raises(InvalidInput, match="^behaviour_rule: unknown rule 'mean'$"):
        dataclasses.replace(rules, behaviour_rule="mean").behaviour_rating(values())


def test_an_indicator_names_its_place_when_its_aspect_is_unknown() -> None:
    items = rhk("004")
    items[0]["indicators"][1]["aspect"] = "mutu"
    with pytest.raises(InvalidInput) as refused:
        check_skp(items)
    assert refused.value.field == "rhk[0].indicators[1].aspect"
    assert str(refused.value).endswith("must be one of kuantitas, kualitas, waktu, biaya, got 'mutu'")


def test_a_text_may_be_exactly_as_long_as_the_limit() -> None:
    assert text("notes", "a" * 5000) == "a" * 5000 and TEXT.limit == 5000
    with pytest.raises(InvalidInput, match="^notes: must be at most 5000 characters$"):
        text("notes", "a" * 5001)
