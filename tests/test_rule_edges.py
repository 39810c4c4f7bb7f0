"""Edges of small rules: instants are UTC whatever the server's zone, ratings and texts name their field.

The text rules of domain/text.py have a table per rule below: what each kind of text may hold, and the
words of each refusal (field, rule code, the character named).

DOMAIN.md §12: stored instants are UTC and a deadline on day D ends at 23:59:59 of D in the agency's
zone; §3.1: three rating levels; §2.1: each IKI has an aspect (Kuantitas, Kualitas, Waktu, Biaya).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import calendar
from domain.audit import Audit
from domain.cycle_commands import CalibrateUnit
from domain.errors import InvalidInput, WrongStage
from domain.result_commands import Rate, SelfAssess
from domain.rules import PERMENPANRB_6_2022
from domain.skp import check_skp
from domain.text import (
    CODE,
    ITEM,
    LINK,
    NAME,
    TEXT,
    Link,
    Name,
    OptionalText,
    TextRule,
    check_command,
    describe,
    forbidden_character,
    invisible_character,
    is_web_link,
    refuse_control_characters,
    scrub,
    text,
)
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


# --- the text rules (domain/text.py) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "character, words",
    [
        ("\x00", "NUL"),
        ("\t", "a tab"),
        ("\n", "a line break"),
        ("\r", "a line break"),
        ("\x07", "U+0007"),  # no Unicode name: the code point alone
        ("\u202e", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("\u200b", "U+200B ZERO WIDTH SPACE"),
        ("\ufeff", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    ],
)
def test_a_refused_character_is_named_as_a_reader_can_find_it(character: str, words: str) -> None:
    assert describe(character) == words


def test_scrub_replaces_every_control_character_and_cuts_to_the_limit() -> None:
    assert scrub("a\x00b\x1bc\td\ne") == "a\ufffdb\ufffdc\td\ne"  # tab and line breaks stay
    assert scrub("x" * 5000) == "x" * 2000
    assert scrub("abcdef", 3) == "abc"
    assert scrub("\ud800ok", 10) == "\ufffdok"


@pytest.mark.parametrize(
    "value, multiline, found",
    [
        ("Budi", False, None),
        ("Budi\tSantoso", False, "\t"),
        ("Budi\tSantoso", True, None),
        ("baris\r\nbaris", True, None),
        ("baris\nbaris", False, "\n"),
        ("a\x00b", True, "\x00"),
        ("a\x7fb", True, "\x7f"),
        ("a\x85b", True, "\x85"),
        ("a\x9fb", True, "\x9f"),
        ("a\xa0b", True, None),  # no-break space is text
        ("a\x0bb", True, "\x0b"),
        ("a\x1fb", False, "\x1f"),
    ],
)
def test_control_characters_by_kind_of_text(value: str, multiline: bool, found: str | None) -> None:
    assert forbidden_character(value, multiline) == found


@pytest.mark.parametrize(
    "value, multiline, found",
    [
        ("Budi Santoso", False, None),
        ("Bu\u200bdi", False, "\u200b"),
        ("Bu\u200bdi", True, None),  # free text may hold zero-width characters...
        ("a\u202eb", True, "\u202e"),  # ...but never a direction override
        ("a\u202ab", True, "\u202a"),
        ("a\u2066b", True, "\u2066"),
        ("a\u2069b", True, "\u2069"),
        ("a\u2065b", True, None),  # unassigned, next to the isolates: not a format character
        ("a\u202fb", True, None),  # narrow no-break space, next to the overrides: text
        ("Ana\u00adlis", False, "\u00ad"),
        ("\U0001f468\u200d\U0001f469", True, None),
    ],
)
def test_invisible_characters_by_kind_of_text(value: str, multiline: bool, found: str | None) -> None:
    assert invisible_character(value, multiline) == found


@pytest.mark.parametrize(
    "rule, value, message, code",
    [
        (NAME, 7, "must be text", "text"),
        (NAME, "", "is required and must be non-empty text", "required_text"),
        (NAME, "   ", "is required and must be non-empty text", "required_text"),
        (NAME, "B" * 201, "must be at most 200 characters", "length"),
        (CODE, "C" * 101, "must be at most 100 characters", "length"),
        (NAME, "Budi\x00", "must not contain control characters (NUL found)", "control"),
        (NAME, "Budi\n", "must not contain control characters (a line break found)", "control"),
        (
            NAME,
            "Bu\u200bdi",
            "must not contain invisible formatting characters (U+200B ZERO WIDTH SPACE found)",
            "invisible",
        ),
        (
            TEXT,
            "ok\u202e",
            "must not contain invisible formatting characters (U+202E RIGHT-TO-LEFT OVERRIDE found)",
            "invisible",
        ),
        (
            LINK,
            "javascript:alert(1)",
            "must be a link starting with http:// or https:// and naming a host, not javascript:",
            "link",
        ),
        (LINK, "arsip/q1.pdf", "must be a link starting with http:// or https:// and naming a host", "link"),
    ],
)
def test_each_refusal_names_the_field_the_rule_and_its_figures(
    rule: TextRule, value: object, message: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        rule.check("field", value)
    assert str(refused.value) == f"field: {message}"
    assert (refused.value.field, refused.value.code) == ("field", f"input.{code}")


def test_what_each_kind_of_text_keeps() -> None:
    assert NAME.check("name", "  Budi Santoso ") == "Budi Santoso"
    assert NAME.check("name", "B" * 200) == "B" * 200
    assert ITEM.check("rhk", "baris satu\n\tbaris dua") == "baris satu\n\tbaris dua"
    assert TEXT.check("notes", "x" * 5000) == "x" * 5000
    assert LINK.check("evidence", "") == ""  # evidence may be absent
    assert LINK.check("evidence", " https://arsip.example.go.id/q1.pdf ") == "https://arsip.example.go.id/q1.pdf"
    assert NAME.optional().check("rank", "") == "" and NAME.optional().required is False and NAME.required


@pytest.mark.parametrize(
    "link, web",
    [
        ("https://arsip.example.go.id/q1.pdf", True),
        ("HTTP://arsip.example.go.id", True),
        ("https://", False),
        ("https:///path", False),
        ("ftp://arsip.example.go.id/q1.pdf", False),
        (" https://arsip.example.go.id", False),  # not stripped: not rendered as a link
        ("https://arsip.example.go.id/a b", False),
        ("https://arsip.example.go.id/\x00", False),
        ("https://[::1", False),  # urlsplit refuses it
        (None, False),
    ],
)
def test_which_values_a_page_may_render_as_a_link(link: object, web: bool) -> None:
    assert is_web_link(link) is web


@dataclass(frozen=True)
class _Command:
    name: Name
    note: OptionalText
    evidence: Link
    untyped: str


def test_check_command_checks_each_declared_field_and_leaves_presence_to_the_aggregate() -> None:
    check_command(_Command("", "", "", "\x00"))  # empty name: the aggregate's rule says why it is needed
    with pytest.raises(InvalidInput, match="^name: must not contain control characters"):
        check_command(_Command("Bu\x00di", "", "", ""))
    with pytest.raises(InvalidInput, match="^evidence: must be a link"):
        check_command(_Command("Budi", "", "data:text/html,x", ""))
    with pytest.raises(InvalidInput, match="^note: must be at most 5000 characters"):
        check_command(_Command("Budi", "n" * 5001, "", ""))


def test_the_last_net_walks_every_string_keys_included_and_names_its_path() -> None:
    refuse_control_characters({"rhk": [{"id": "R1", "text": "ok\ttab\nline"}], "n": 3, "none": None})
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"rhk": [{"id": "R1", "text": "a\x00"}]}, "rhk[0].text", "control"),
        ({"ratings": {"ber\x00": 3}}, "ratings", "control"),
        ({"tags": ("a", "b\x1b")}, "tags[1]", "control"),
        ({"notes": "a\u202eb"}, "notes", "invisible"),
        ({"seen": frozenset({"\u2066x"})}, "seen[0]", "invisible"),
    ]
    for fields, path, code in cases:
        with pytest.raises(InvalidInput) as refused:
            refuse_control_characters(fields, "event")
        assert (refused.value.field, refused.value.code) == (f"event.{path}", f"input.{code}")
    with pytest.raises(InvalidInput, match="^notes: must not contain invisible"):
        refuse_control_characters({"notes": "\u2067"})


@given(st.text(max_size=300))
def test_scrubbed_text_always_passes_the_last_net_unless_an_override_is_in_it(value: str) -> None:
    clean = scrub(value)
    assert forbidden_character(clean, multiline=True) is None
    assert len(clean) <= 2000
    if invisible_character(clean, multiline=True) is None:
        refuse_control_characters({"text": clean})


# --- days and instants (DOMAIN.md §12: stored instants are UTC; Kinerja's span is 2000-01-01..2199-12-31) --


@pytest.mark.parametrize(
    ("value", "earliest", "latest", "message", "rule", "params"),
    [
        ("31-01-2024", None, None, "until: must be a date YYYY-MM-DD, got '31-01-2024'", "input.date", {}),
        ("2" * 45, None, None, f"until: must be a date YYYY-MM-DD, got '{'2' * 40}'", "input.date", {}),
        (
            "1999-12-31",
            None,
            None,
            "until: must fall between 2000-01-01 and 2199-12-31, got 1999-12-31",
            "input.range",
            {"earliest": date(2000, 1, 1), "latest": date(2199, 12, 31)},
        ),
        (
            "2024-01-31",
            date(2024, 2, 1),
            date(2024, 2, 29),
            "until: must fall between 2024-02-01 and 2024-02-29, got 2024-01-31",
            "input.range",
            {"earliest": date(2024, 2, 1), "latest": date(2024, 2, 29)},
        ),
        (
            "2024-03-01",
            date(2024, 2, 1),
            date(2024, 2, 29),
            "until: must fall between 2024-02-01 and 2024-02-29, got 2024-03-01",
            "input.range",
            {"earliest": date(2024, 2, 1), "latest": date(2024, 2, 29)},
        ),
    ],
)
def test_a_day_is_refused_naming_the_field_the_rule_and_its_span(
    value: str, earliest: date | None, latest: date | None, message: str, rule: str, params: dict[str, date]
) -> None:
    span = () if earliest is None else (earliest, latest)
    with pytest.raises(InvalidInput) as refused:
        calendar.parse_day("until", value, *span)
    figures = {k: v for k, v in refused.value.params.items() if k in params}  # the span; the value is said too
    assert (str(refused.value), refused.value.field, refused.value.code, figures) == (
        message,
        "until",
        rule,
        params,
    )


@pytest.mark.parametrize(
    ("value", "span", "expected"),
    [
        ("2000-01-01", (), date(2000, 1, 1)),
        ("2199-12-31", (), date(2199, 12, 31)),
        ("2024-02-01", (date(2024, 2, 1), date(2024, 2, 29)), date(2024, 2, 1)),
        ("2024-02-29", (date(2024, 2, 1), date(2024, 2, 29)), date(2024, 2, 29)),
    ],
)
def test_the_first_and_last_day_of_a_span_are_inside_it(value: str, span: tuple[date, ...], expected: date) -> None:
    assert calendar.parse_day("until", value, *span) == expected


WIT = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("value", "message", "rule", "params"),
    [
        (datetime(2024, 1, 2, 1, 0), "since: must carry a time zone", "time.no_zone", {}),
        (
            datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone.utc),
            "since: must fall between 2000-01-01 and 2199-12-31, got 1999-12-31T23:59:59+00:00",
            "input.range",
            {"earliest": date(2000, 1, 1), "latest": date(2199, 12, 31)},
        ),
        (
            datetime(2200, 1, 1, 0, 0, tzinfo=WIT),
            "since: must fall between 2000-01-01 and 2199-12-31, got 2200-01-01T00:00:00+09:00",
            "input.range",
            {"earliest": date(2000, 1, 1), "latest": date(2199, 12, 31)},
        ),
    ],
)
def test_an_instant_is_refused_naming_the_field_and_kinerjas_span(
    value: datetime, message: str, rule: str, params: dict[str, date]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        calendar.check_instant("since", value)
    figures = {k: v for k, v in refused.value.params.items() if k in params}  # the span; the value is said too
    assert (str(refused.value), refused.value.field, refused.value.code, figures) == (
        message,
        "since",
        rule,
        params,
    )


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        # 1 January 2000 00:00 WIT is still 1999 in UTC: the span is read in the instant's own zone.
        (datetime(2000, 1, 1, 0, 0, tzinfo=WIT), datetime(1999, 12, 31, 15, 0, tzinfo=timezone.utc)),
        (datetime(2199, 12, 31, 23, 59, 59, tzinfo=WIT), datetime(2199, 12, 31, 14, 59, 59, tzinfo=timezone.utc)),
    ],
)
def test_an_instant_at_either_end_of_the_span_is_kept_as_utc(value: datetime, utc: datetime) -> None:
    kept = calendar.check_instant("since", value)
    assert kept == utc and kept.tzinfo == timezone.utc


def test_an_instant_with_no_utc_equivalent_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput) as refused:
        calendar.as_utc(datetime(1, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=14))), "since")
    assert str(refused.value) == "since: 0001-01-01T00:00:00+14:00 has no UTC equivalent"
    assert refused.value.field == "since"


@pytest.mark.parametrize("naive", ["since", "until"])
def test_a_diff_names_the_bound_that_carries_no_time_zone(naive: str) -> None:
    s = Scenario.new()
    bounds = {"since": T["define"], "until": T["start"]}
    bounds[naive] = bounds[naive].replace(tzinfo=None)
    with pytest.raises(InvalidInput) as refused:
        Audit(s.app).diff(s.cycle_id, bounds["since"], bounds["until"])
    assert str(refused.value) == f"{naive}: must carry a time zone"


# The daily digest's hour (domain/calendar.next_local_hour): the first HH:00 in the agency's zone strictly after
# the instant, returned in UTC. WIB is UTC+7, WITA UTC+8, WIT UTC+9 (DOMAIN.md §12 "Time").
NEXT_DIGEST = [
    # (instant in UTC, hour, zone, the digest's instant in UTC)
    (
        datetime(2026, 3, 10, 22, 59, 59, 999999, timezone.utc),
        7,
        "WITA",
        datetime(2026, 3, 10, 23, 0, tzinfo=timezone.utc),
    ),
    (datetime(2026, 3, 10, 23, 0, tzinfo=timezone.utc), 7, "WITA", datetime(2026, 3, 11, 23, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 10, 23, 0, 0, 1, timezone.utc), 7, "WITA", datetime(2026, 3, 11, 23, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc), 7, "WIB", datetime(2026, 3, 11, 0, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 10, 1, 0, tzinfo=timezone.utc), 7, "WIT", datetime(2026, 3, 10, 22, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 10, 15, 30, tzinfo=timezone.utc), 0, "WITA", datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)),
    (datetime(2026, 3, 10, 15, 30, tzinfo=timezone.utc), 23, "WITA", datetime(2026, 3, 11, 15, 0, tzinfo=timezone.utc)),
    (datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), 7, "WITA", datetime(2027, 1, 1, 23, 0, tzinfo=timezone.utc)),
    (
        datetime(2026, 3, 10, 8, 0, tzinfo=timezone(timedelta(hours=8))),
        7,
        "WITA",
        datetime(2026, 3, 10, 23, 0, tzinfo=timezone.utc),
    ),
]


@pytest.mark.parametrize(("instant", "hour", "zone", "expected"), NEXT_DIGEST)
def test_the_digest_goes_out_at_the_first_local_hour_strictly_after_the_notice(
    instant: datetime, hour: int, zone: str, expected: datetime
) -> None:
    sent = calendar.next_local_hour(instant, hour, zone)
    assert sent == expected
    assert sent.utcoffset() == timedelta(0)  # stored instants are UTC
    assert (sent.minute, sent.second, sent.microsecond) == (0, 0, 0)


@pytest.mark.parametrize("hour", [-1, 24, 99])
def test_a_digest_hour_outside_the_day_is_refused_naming_its_field(hour: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        calendar.next_local_hour(datetime(2026, 3, 10, tzinfo=timezone.utc), hour, "WITA")
    assert refused.value.field == "digest_hour" and f"got {hour}" in str(refused.value)


def test_a_digest_for_an_instant_without_a_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="^at: instants must carry a time zone"):
        calendar.next_local_hour(datetime(2026, 3, 10, 8, 0), 7, "WITA")


def test_check_command_reads_the_rules_of_a_command_class_it_meets_for_the_first_time() -> None:
    # A class made here is new to check_command's cache of rules per class, so its rules are read now.
    @dataclass(frozen=True)
    class Fresh:
        title: Name
        note: OptionalText
        untyped: str

    check_command(Fresh("Budi", "", "\x00 no rule declared"))
    with pytest.raises(InvalidInput) as refused:
        check_command(Fresh("Bu\x00di", "", ""))
    assert (refused.value.field, refused.value.rule) == ("title", "control")
    with pytest.raises(InvalidInput) as refused:
        check_command(Fresh("Budi", "n" * 5001, ""))
    assert (refused.value.field, refused.value.rule) == ("note", "length")
    check_command(Fresh("Budi", "", ""))  # read once, the same rules hold on the next command
    with pytest.raises(InvalidInput):
        check_command(Fresh("n" * 201, "", ""))
