"""The `email` column of the org CSV: optional, one plain address, refused with its line and column otherwise.

Stored in the Agency's master data (where the outbox looks each person's address up when it sends);
absent, the person gets no mail and the outbox says so ("tanpa alamat email"), never a made-up address.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from domain.application import Appraisals
from domain.errors import InvalidInput
from domain.text import check_email
from services.catalogue import say
from tests.factories import HEAD, HR_ACTOR, STAFF, T
from tests.test_org_import import AGENCY, HEADER, org_csv


@pytest.fixture
def app(store_env: dict[str, str]) -> Iterator[Appraisals]:
    app = Appraisals(env=store_env)
    yield app
    app.close()


def with_emails(**emails: str) -> str:
    """The test agency's CSV with an `email` column; `emails` maps a NIP (as n<NIP>) to its cell."""
    lines = org_csv().splitlines()
    out = [HEADER + ",email"]
    for line in lines[1:]:
        nip = line.split(",")[5]
        out.append(f"{line},{emails.get(f'n{nip}', '')}")
    return "\n".join(out) + "\n"


def test_addresses_are_stored_in_the_master_data_and_a_missing_one_is_none(app: Appraisals) -> None:
    result = app.import_org(with_emails(**{f"n{HEAD}": " Rina.Kartika@PaluKota.go.id "}), by=HR_ACTOR, at=T["define"])
    assert result.ok, result.problems
    palu = app.agency(AGENCY)
    assert palu.email_of(HEAD) == "Rina.Kartika@palukota.go.id"  # stripped, the host lower-cased
    assert palu.email_of(STAFF) is None and palu.email_of("199001012015021999") is None


def test_an_address_added_later_is_one_change_and_importing_again_writes_nothing(app: Appraisals) -> None:
    assert app.import_org(org_csv(), by=HR_ACTOR, at=T["define"]).ok  # before the column existed
    assert app.import_org(with_emails(), by=HR_ACTOR, at=T["start"]).events == 0  # an empty column changes nothing
    added = app.import_org(with_emails(**{f"n{STAFF}": "staf@palukota.go.id"}), by=HR_ACTOR, at=T["start"])
    assert added.ok and added.events == 1
    assert app.agency(AGENCY).email_of(STAFF) == "staf@palukota.go.id"
    assert app.import_org(with_emails(**{f"n{STAFF}": "staf@palukota.go.id"}), by=HR_ACTOR, at=T["open"]).events == 0
    removed = app.import_org(with_emails(), by=HR_ACTOR, at=T["open"])
    assert removed.events == 1 and app.agency(AGENCY).email_of(STAFF) is None


@pytest.mark.parametrize(
    "cell",
    [
        '"staf@palukota.go.id\nBcc: semua@palukota.go.id"',  # a header injected through a line break
        '"staf@palukota.go.id, atasan@palukota.go.id"',  # a list
        "Staf Umum <staf@palukota.go.id>",  # a display name
        "staf@localhost",  # no domain
        "staf@@palukota.go.id",
        "staf.@palukota.go.id",
        "staf@-palukota.go.id",
        "staf@palukota.123",
        "stäf@palukota.go.id",  # not ASCII
        '"staf@palukota.go.id\x00"',
        "s" * 250 + "@palukota.go.id",
    ],
)
def test_a_hostile_address_is_refused_naming_line_and_column_and_nothing_is_written(app: Appraisals, cell: str) -> None:
    result = app.import_org(with_emails(**{f"n{STAFF}": cell}), by=HR_ACTOR, at=T["define"])
    assert not result.ok and result.events == 0
    [problem] = result.problems
    line = 5 + cell.count("\n")  # the physical line where the employee's record ends, as for every column
    assert (problem.line, problem.field) == (line, "email")
    assert str(problem).startswith(f"line {line}, email: must be ")
    assert app.find_agency(AGENCY) is None  # all or nothing


def test_the_rule_says_what_an_address_is_in_both_languages() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_email("email", "bukan alamat")
    assert refused.value.field == "email" and "nama@instansi.go.id" in str(refused.value)
    assert say(refused.value.code, refused.value.params, "id", "email") == (
        "Alamat email harus berupa satu alamat email, misalnya nama@instansi.go.id (bukan «bukan alamat»)"
    )
    assert check_email("email", "a.b+kinerja@sub.palukota.go.id") == "a.b+kinerja@sub.palukota.go.id"
