"""The NIP, the 18-digit civil-servant number, checked in one place (DOMAIN.md §12).

Shape: birth date YYYYMMDD, CPNS appointment YYYYMM, gender digit (1 male, 2 female), 3-digit
serial. Plausibility: the appointment comes after the birth, at an age of at least 18 (PP 11/2017
on Manajemen PNS, Pasal 23 ayat (1) huruf a: an applicant is at least 18 years old when applying,
and the appointment follows the selection), and neither date lies in the future. The appointment
month is read as its first day, the usual TMT (terhitung mulai tanggal) of a CPNS appointment.
PPPK numbers follow the same shape in practice; relax the check here if that changes.
"""

from __future__ import annotations

from datetime import date

from domain.errors import InvalidInput, refusal

NIP_DIGITS = refusal("nip.length", "a NIP has exactly {digits} digits, got {value!r}")
NIP_BIRTH = refusal("nip.birth", "digits 1-8 must be a birth date YYYYMMDD, got {birth}")
NIP_APPOINTED = refusal("nip.appointed", "digits 9-14 must be the CPNS appointment YYYYMM, got {appointed}")
NIP_ORDER = refusal(
    "nip.appointed_before_birth", "digits 9-14: the CPNS appointment {appointed} is not after the birth date {birth}"
)
NIP_AGE = refusal(
    "nip.age",
    "digits 9-14: a CPNS appointment in {appointed} is at age {age}; PP 11/2017 Pasal 23 sets {minimum} as the minimum age",
)
NIP_BORN_LATER = refusal("nip.birth_future", "digits 1-8: the birth date {birth} is in the future")
NIP_APPOINTED_LATER = refusal("nip.appointed_future", "digits 9-14: the CPNS appointment {appointed} is in the future")
NIP_GENDER = refusal("nip.gender", "digit 15 is the gender (1 male, 2 female), got {gender}")

NIP_LENGTH = 18
MINIMUM_AGE = 18  # PP 11/2017 Pasal 23 ayat (1) huruf a


def check_nip(nip: str, field: str = "nip", today: date | None = None) -> str:
    """Return the NIP if well formed and plausible, else say which part is wrong and why.

    `today` is the day the NIP is checked on; without it the future-date check is skipped.
    """
    # ASCII digits only: str.isdigit() also takes other scripts' digits (and int() reads them), which made
    # a second, look-alike identity for the same NIP.
    if not isinstance(nip, str) or len(nip) != NIP_LENGTH or not (nip.isascii() and nip.isdigit()):
        raise InvalidInput(field, NIP_DIGITS, digits=NIP_LENGTH, value=nip)
    birth, appointed, gender = nip[0:8], nip[8:14], nip[14]
    try:
        born = date(int(birth[0:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        raise InvalidInput(field, NIP_BIRTH, birth=birth) from None
    year, month = int(appointed[0:4]), int(appointed[4:6])
    if not 1 <= month <= 12:
        raise InvalidInput(field, NIP_APPOINTED, appointed=appointed)
    start = date(year, month, 1)
    if start <= born:
        raise InvalidInput(field, NIP_ORDER, appointed=appointed, birth=birth)
    age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
    if age < MINIMUM_AGE:
        raise InvalidInput(field, NIP_AGE, appointed=appointed, age=age, minimum=MINIMUM_AGE)
    if today is not None:
        if born > today:
            raise InvalidInput(field, NIP_BORN_LATER, birth=birth)
        if start > today:
            raise InvalidInput(field, NIP_APPOINTED_LATER, appointed=appointed)
    if gender not in "12":
        raise InvalidInput(field, NIP_GENDER, gender=gender)
    return nip
