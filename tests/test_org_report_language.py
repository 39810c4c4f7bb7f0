"""The org import's report is said in Bahasa Indonesia (#13): every refusal the file's rules give for a
range of broken lines carries a code with an Indonesian text in the catalogue, so a new rule without one
fails here."""

from __future__ import annotations

from datetime import date

import pytest

from domain.org_csv import REQUIRED, read
from services.catalogue import say
from tests.page_language import assert_indonesian

BOSS, EMP = "196501012000011001", "198503152010011001"
GOOD = ("AG", "Dinas", "WIB", "U1", "Unit Satu")
HEADER = ",".join((*REQUIRED, "unit_head", "effective_date"))


def lines(*rows: tuple[str, ...]) -> str:
    return "\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n"


BROKEN = {
    "no columns": "a\tb\tc\n1\t2\t3\n",
    "missing column": "agency_code,nip\nAG," + EMP + "\n",
    "no lines": HEADER + "\n",
    "required": lines(("AG", "Dinas", "WIB", "U1", "Unit", EMP, "", "", "", "")),
    "zone": lines(("AG", "Dinas", "XYZ", "U1", "Unit", EMP, "Budi", "", "", "")),
    "no zone": lines(("AG", "Dinas", "", "U1", "Unit", EMP, "Budi", "", "", "")),
    "short nip": lines((*GOOD, "123", "Budi", "", "", "")),
    "birth date": lines((*GOOD, "198513152010011001", "Budi", "", "", "")),
    "appointment": lines((*GOOD, "198503152010131001", "Budi", "", "", "")),
    "appointed before birth": lines((*GOOD, "198503151980011001", "Budi", "", "", "")),
    "too young": lines((*GOOD, "198503151995011001", "Budi", "", "", "")),
    "gender": lines((*GOOD, "198503152010013001", "Budi", "", "", "")),
    "future birth": lines((*GOOD, "209901012120011001", "Budi", "", "", "")),
    "self": lines((*GOOD, EMP, "Budi", EMP, "", "")),
    "unit head": lines((*GOOD, EMP, "Budi", "", "mungkin", "")),
    "control": lines((*GOOD, EMP, "Bu\x00di", "", "", "")),
    "length": lines((*GOOD, EMP, "B" * 300, "", "", "")),
    "date": lines((*GOOD, EMP, "Budi", "", "", "2027-02-30")),
    "range": lines((*GOOD, EMP, "Budi", "", "", "1990-01-01")),
    "duplicate": lines((*GOOD, EMP, "Budi", "", "", ""), (*GOOD, EMP, "Budi", "", "", "")),
    "differs": lines(
        (*GOOD, BOSS, "Bu", "", "", ""), ("AG", "Dinas Lain", "WIB", "U1", "Unit Satu", EMP, "B", "", "", "")
    ),
    "two heads": lines((*GOOD, BOSS, "Bu", "", "ya", ""), (*GOOD, EMP, "Budi", BOSS, "ya", "")),
    "unknown supervisor": lines((*GOOD, EMP, "Budi", "197001012000011001", "", "")),
    "loop": lines((*GOOD, BOSS, "Bu", EMP, "", ""), (*GOOD, EMP, "Budi", BOSS, "", "")),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_every_refusal_of_the_org_file_is_said_in_indonesian(case: str) -> None:
    _, problems = read(BROKEN[case], lambda code: None, date(2026, 11, 30))
    assert problems, f"{case}: the file was accepted"
    for problem in problems:
        said = say(problem.code, dict(problem.params), "id", problem.field, named=False)
        assert said, f"{case}: no Indonesian text for {problem.reason!r} ({problem.code or 'no code'})"
        assert_indonesian(said, f"{case}: {said}")
