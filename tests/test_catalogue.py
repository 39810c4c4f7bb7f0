"""One message catalogue (#13): every refusal has a code, every code an Indonesian text, and the API speaks
the caller's language.

The codes are found twice: by importing every declaring module (the registry, domain/errors.py REFUSALS)
and by reading the source of every raise, so a refusal raised with a bare English text, or with figures
its declaration does not name, fails here before anyone sees it in English.
"""

from __future__ import annotations

import ast
import importlib
import string
from pathlib import Path
from typing import Any

import httpx
import pytest
from markupsafe import escape
from temporalio.exceptions import ApplicationError

from activities.errors import domain_errors_fail_fast
from domain import calendar
from domain.errors import REFUSALS, DomainError, InvalidInput, NotAllowed, Refusal, WrongStage, refusal
from domain.participants import SELF_APPOINTED
from domain.planning import NOT_SUBMITTED
from domain.text import TEXT
from services import catalogue
from services.catalogue import every_refusal, negotiate, placeholders, say, text
from tests.page_language import english_on
from tests.test_api_support import build_app, settings_for

ROOT = Path(__file__).resolve().parent.parent
ERRORS = {
    "DomainError",
    "NotAllowed",
    "WrongStage",
    "InvalidInput",
    "DeadlinePassed",
    "NotFound",
    "ConcurrencyConflict",
    "Unauthenticated",
    "IssuerUnavailable",
}
# Where the refusal stands among the arguments of the calls that raise (or record) one.
REFUSERS = {"require": 1, "forbidden": 0, "InvalidInput": 1, "ApiError": 2}
METHODS = {"of": 2}  # Problem.of(line, field, refusal), ApiError.of(status, kind, refusal)


def test_every_code_has_an_indonesian_text_that_uses_only_its_figures() -> None:
    refusals = every_refusal()
    assert len(refusals) > 150  # the domain's and the services' refusals, not an empty registry
    for locale in catalogue.LOCALES:
        for code, declared in refusals.items():
            said = text(code, locale)
            assert said, f"{code} has no {locale} text in services/locale/{locale}/LC_MESSAGES/messages.po"
            unknown = placeholders(said) - declared.params - {"field"}
            assert not unknown, f"the {locale} text of {code} uses {unknown}, which the refusal does not carry"


def test_the_catalogue_holds_no_code_nobody_raises() -> None:
    refusals = every_refusal()
    for locale in catalogue.LOCALES:
        stale = {m.id for m in catalogue.catalogue(locale) if m.id} - set(refusals)
        assert not stale, f"{locale} texts for codes no longer declared: {sorted(stale)}"


def _sources() -> list[Path]:
    return [p for d in catalogue.DECLARING for p in sorted((ROOT / d).rglob("*.py"))]


def _refusals_raised(path: Path) -> list[tuple[int, ast.expr, list[ast.keyword]]]:
    """Every refusal raised or required in a module: (line, the refusal argument, the figures given)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute):
            position = METHODS.get(node.func.attr)
        elif isinstance(node.func, ast.Name):
            position = REFUSERS.get(node.func.id, 0 if node.func.id in ERRORS else None)
        else:
            continue
        if position is None or len(node.args) <= position:
            continue
        found.append((node.lineno, node.args[position], node.keywords))
    return found


def test_every_raise_site_names_a_declared_refusal_with_exactly_its_figures() -> None:
    """Read from the source: no DomainError (nor require, nor forbidden) is raised with bare text, and each
    passes the figures its declaration names, no more and no fewer."""
    every_refusal()
    sites = 0
    for path in _sources():
        module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for line, argument, keywords in _refusals_raised(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            assert not isinstance(argument, (ast.Constant, ast.JoinedStr, ast.BinOp)), f"{where}: a bare message"
            if not isinstance(argument, ast.Name):
                continue  # a refusal passed on (a helper's parameter): checked where it is declared
            refusal = getattr(module, argument.id, None)
            if not isinstance(refusal, Refusal):
                continue  # a parameter holding a refusal
            assert refusal.code in REFUSALS, where
            given = {k.arg for k in keywords} - {"headers"}  # ApiError.of's own argument, not a figure
            if None not in given:  # **params: checked where the helper is called
                assert given == set(refusal.params), f"{where}: {refusal.code} takes {set(refusal.params)}, got {given}"
            sites += 1
    assert sites > 150


def test_a_refusal_says_its_figures_in_indonesian_with_the_pages_names() -> None:
    refused = WrongStage(NOT_SUBMITTED, skp_status="approved")
    assert str(refused) == "the SKP is approved, not submitted"  # the developer's and the log's text
    assert refused.code == "skp.not_submitted" and refused.params == {"skp_status": "approved"}
    assert say(refused.code, refused.params, "id") == "SKP berstatus Disetujui, bukan menunggu persetujuan"
    assert say(refused.code, refused.params, "en") == "the SKP is approved, not submitted"


def test_a_refused_field_is_named_as_people_know_it() -> None:
    with pytest.raises(InvalidInput) as refused:
        TEXT.check("reasons", "  ")
    e = refused.value
    assert say(e.code, e.params, "id", e.field) == "Alasan wajib diisi"
    assert say(e.code, e.params, "en", e.field) == str(e) == "reasons: is required and must be non-empty text"


def test_dates_in_a_refusal_are_said_in_the_agencys_format() -> None:
    with pytest.raises(InvalidInput) as refused:
        calendar.parse_day("until", "2031-02-03", latest=calendar.date(2030, 12, 31))
    said = say(refused.value.code, refused.value.params, "id", refused.value.field)
    assert said == "Batas waktu baru harus di antara 1 Januari 2000 dan 31 Desember 2030 (bukan 3 Februari 2031)"


def test_a_code_without_a_text_says_nothing_and_the_caller_keeps_the_english() -> None:
    assert say("no.such.code", {}, "id") == "" and say("", {}, "id") == ""


def test_a_figure_left_out_stays_named_rather_than_failing() -> None:
    """A text never breaks the answer it is part of: a missing figure shows as {name}."""
    assert "{skp_status}" in say(NOT_SUBMITTED.code, {}, "id")
    assert "{skp_status}" in str(WrongStage(NOT_SUBMITTED))


def test_a_code_is_declared_once_with_one_text() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        refusal(NOT_SUBMITTED.code, "something else")
    assert refusal(NOT_SUBMITTED.code, NOT_SUBMITTED.english) is REFUSALS[NOT_SUBMITTED.code]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "id"),
        ("", "id"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("EN-gb", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("fr, de;q=0.9", "id"),  # neither offered: the default
        ("fr, en;q=0.5", "en"),
        ("en;q=0.4, id;q=0.8", "id"),  # by weight, not by order
        ("id;q=0, en", "en"),  # q=0: "not this one"
        ("en;q=0", "id"),
        ("*", "id"),
        ("en;q=2", "id"),  # a weight above 1 is malformed: the entry is not trusted
        ("en;q=abc", "id"),
        ("en;level=1", "id"),
        ("<script>alert(1)</script>", "id"),
        ("en\x00", "id"),
        (";;;,,,;q=", "id"),
        ("x" * 100_000, "id"),
        (",".join(["fr"] * 5_000) + ",en", "id"),  # the English entry lies past what is read
        ("de;q=0.1," * 3 + "en;q=0.2", "en"),
    ],
)
def test_the_language_is_negotiated_from_accept_language(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


# --- the API ---------------------------------------------------------------------------------------------

API = "/api/v1"


@pytest.fixture
def app(tmp_path: Path) -> Any:
    return build_app(settings_for(tmp_path))


async def _post(app: Any, body: dict[str, Any], headers: dict[str, Any]) -> httpx.Response:
    """A dev login with no Accept-Language but the one given (the shared test client asks for English)."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://kinerja.test") as client,
    ):
        return await client.post(f"{API}/auth/dev-login", json=body, headers=headers)


async def _malformed_nip(app: Any, headers: dict[str, Any]) -> httpx.Response:
    return await _post(app, {"nip": "19850315201001300"}, headers)


async def test_the_api_says_a_refusal_in_indonesian_by_default_with_its_code_and_figures(app: Any) -> None:
    response = await _malformed_nip(app, {})
    answer = response.json()
    assert response.status_code == 422 and response.headers["content-language"] == "id"
    assert answer["code"] == "nip.length" and answer["field"] == "nip"
    assert answer["params"] == {"digits": 18, "value": "19850315201001300"}
    assert answer["message"] == "NIP harus tepat 18 digit angka (bukan «19850315201001300»)"
    assert "accept-language" in response.headers["vary"].lower()


async def test_the_api_says_it_in_english_when_the_caller_prefers_english(app: Any) -> None:
    response = await _malformed_nip(app, {"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"})
    assert response.headers["content-language"] == "en"
    assert response.json()["message"] == "nip: a NIP has exactly 18 digits, got '19850315201001300'"


@pytest.mark.parametrize("header", ["\x7f\x80garbage", "en;q=" + "9" * 5000, "id;q=0,en;q=0,*;q=0", "🇮🇩"])
async def test_a_hostile_accept_language_still_gets_the_indonesian_answer(app: Any, header: str) -> None:
    response = await _malformed_nip(app, {"Accept-Language": header.encode()})
    assert response.status_code == 422 and response.json()["code"] == "nip.length"
    assert response.json()["message"].startswith("NIP harus tepat 18 digit")


async def test_a_validation_error_is_said_in_indonesian_too(app: Any) -> None:
    response = await _post(app, {}, {})
    answer = response.json()
    assert response.status_code == 422 and answer["code"] == "input.required"
    assert answer["message"] == "NIP wajib diisi" and answer["errors"][0]["field"] == "nip"


def test_a_refusal_from_the_domain_carries_its_code_across_a_workflow() -> None:
    """An activity's failure carries the code and figures in its details (activities/errors.py)."""
    with pytest.raises(ApplicationError) as failed, domain_errors_fail_fast():
        raise WrongStage(NOT_SUBMITTED, skp_status="draft")
    assert failed.value.details == ({"field": None, "code": "skp.not_submitted", "params": {"skp_status": "draft"}},)
    assert failed.value.type == "WrongStage" and failed.value.non_retryable


def test_every_domain_error_requires_a_declared_refusal() -> None:
    """A bare English text is no longer a refusal (mypy says so too): the catalogue could not say it."""
    for error in (DomainError, NotAllowed, WrongStage):
        with pytest.raises(AttributeError):
            error("a bare message")  # type: ignore[arg-type]


def test_no_indonesian_text_repeats_the_english_one() -> None:
    """A text copied untranslated into the Indonesian catalogue would pass the first test; the pages' own
    check (tests/page_language.py) would catch it only on a page some test happens to open."""
    for code, declared in every_refusal().items():
        figures = dict.fromkeys(declared.params, "X")
        said = say(code, figures, "id", "nip")
        assert not english_on(f"<p>{said}</p>"), f"{code}: {said}"


def test_the_page_check_knows_every_english_refusal() -> None:
    refused = WrongStage(NOT_SUBMITTED, skp_status="draft")
    assert sorted(english_on(f"<p>Belum/tidak dapat dilakukan: {refused}</p>")) == ["not submitted", "the SKP is"]
    assert english_on("<p>Isian belum benar: reasons: is required and must be non-empty text</p>")
    appointed = NotAllowed(SELF_APPOINTED, where="")
    assert english_on(f"<p>Tidak diizinkan: {escape(str(appointed))}</p>")  # the apostrophe escaped, as on a page
    assert not english_on(f"<p>Belum/tidak dapat dilakukan: {say(refused.code, refused.params, 'id')}</p>")


def test_texts_take_their_figures_as_given_text() -> None:
    """Figures reach the catalogue as text (JSON, a workflow's failure): a format spec such as {seconds:g}
    would fail on them and turn a refusal into a 500, so no text, English or Indonesian, carries one."""
    for code, declared in every_refusal().items():
        texts = (declared.english, text(code, "id"), text(code, "en"))
        for said in texts:
            specs = [spec for _, name, spec, _ in string.Formatter().parse(said) if name and spec]
            assert not specs, f"{code}: {said!r} formats its figures ({specs})"
    assert say("skp.not_submitted", {"skp_status": object()}, "en")  # any figure is said as text, never an error
