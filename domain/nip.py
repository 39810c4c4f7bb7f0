"""The NIP, the 18-digit civil-servant number, checked in one place."""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidInput

NIP_LENGTH = 18


def check_nip(nip: str, field: str = "nip") -> str:
    """Return the NIP if well formed, else say which part is wrong.

    Shape: birth date YYYYMMDD, CPNS appointment YYYYMM, gender digit
    (1 male, 2 female), 3-digit serial (DOMAIN.md §12).
    """
    if not isinstance(nip, str) or len(nip) != NIP_LENGTH or not nip.isdigit():
        raise InvalidInput(field, f"a NIP has exactly {NIP_LENGTH} digits, got {nip!r}")
    birth, appointed, gender = nip[0:8], nip[8:14], nip[14]
    try:
        born = date(int(birth[0:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        raise InvalidInput(field, f"digits 1-8 must be a birth date YYYYMMDD, got {birth}") from None
    year, month = int(appointed[0:4]), int(appointed[4:6])
    if not 1 <= month <= 12 or year < born.year:
        raise InvalidInput(field, f"digits 9-14 must be the CPNS appointment YYYYMM after birth, got {appointed}")
    if gender not in "12":
        raise InvalidInput(field, f"digit 15 is the gender (1 male, 2 female), got {gender}")
    return nip
