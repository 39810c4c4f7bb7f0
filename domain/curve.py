"""The distribution curve (pola distribusi, SE MenPANRB 3/2023, DOMAIN.md §3.4) and its check.

Each constraint says whether a unit passes it, with the numbers; calibration warns with them and the
pages draw them, so pass/fail is decided here only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from domain.errors import InvalidInput, refusal
from domain.ratings import (
    BAIK,
    BUTUH_PERBAIKAN,
    ISTIMEWA,
    KURANG,
    ORG_PREDIKATS,
    PREDIKAT_LABELS,
    PREDIKATS,
    SANGAT_BAIK,
    SANGAT_KURANG,
)

NO_SUCH_ORG_PREDIKAT = refusal("calibration.org_predikat", "must be one of {choices}")


@dataclass(frozen=True)
class Share:
    """One constraint of a distribution curve: the share of some predikats."""

    predikats: tuple[str, ...]
    bound: str  # "min", "max", or "some" (at least one person, whatever the unit's size)
    percent: int

    def allowed(self, total: int) -> int:
        """The count limit on a unit of `total` people.

        Kinerja's rounding rule for small units: a minimum rounds up and a
        maximum rounds down, so a unit that passes never exceeds the curve.
        """
        if self.bound == "some":
            return 1 if total else 0
        exact = self.percent * total / 100
        return math.ceil(exact) if self.bound == "min" else math.floor(exact)

    def describe(self) -> str:
        names = " + ".join(PREDIKAT_LABELS[p] for p in self.predikats)
        if self.bound == "some":
            return f"at least one {names}"
        return f"{'at least' if self.bound == 'min' else 'at most'} {self.percent}% {names}"


# The distribution curve by organisation predikat (§3.4, SE MenPANRB 3/2023).
CURVE_6_2022: Mapping[str, tuple[Share, ...]] = MappingProxyType(
    {
        ISTIMEWA: (Share((SANGAT_BAIK,), "max", 70),),
        # "There must be some" Butuh Perbaikan and/or Kurang: one person, not 1% (2 in a unit of 101+).
        BAIK: (Share((BAIK,), "max", 70), Share((BUTUH_PERBAIKAN, KURANG), "some", 0)),
        BUTUH_PERBAIKAN: (Share((BUTUH_PERBAIKAN,), "min", 60), Share((SANGAT_BAIK,), "max", 10)),
        KURANG: (
            Share((KURANG,), "min", 60),
            Share((BUTUH_PERBAIKAN,), "min", 10),
            Share((SANGAT_BAIK,), "max", 10),
        ),
        SANGAT_KURANG: (
            Share((SANGAT_KURANG,), "min", 60),
            Share((KURANG, BUTUH_PERBAIKAN), "min", 10),
            Share((SANGAT_BAIK,), "max", 0),
        ),
    }
)


@dataclass(frozen=True)
class CurveWarning:
    rule: str
    required: int
    actual: int
    total: int
    bound: str = "min"
    predikats: tuple[str, ...] = ()
    percent: int = 0

    @property
    def message(self) -> str:
        limit = "allowed" if self.bound == "max" else "required"
        return f"curve expects {self.rule}: {self.required} of {self.total} {limit}, {self.actual} rated"

    @property
    def figures(self) -> dict[str, object]:
        """The warning as a refusal's figure (the message catalogue says it in the reader's language)."""
        return {
            "predikats": list(self.predikats),
            "bound": self.bound,
            "percent": self.percent,
            "allowed": self.required,
            "actual": self.actual,
            "total": self.total,
        }


@dataclass(frozen=True)
class ShareCheck:
    """One constraint of the curve applied to a unit: the limit on its size, the count, and the verdict."""

    share: Share
    allowed: int
    actual: int
    total: int

    @property
    def ok(self) -> bool:
        """An empty unit breaks nothing; a maximum is kept by not exceeding it, a minimum by reaching it."""
        if not self.total:
            return True
        return self.actual <= self.allowed if self.share.bound == "max" else self.actual >= self.allowed

    def warning(self) -> CurveWarning:
        share = self.share
        return CurveWarning(
            share.describe(), self.allowed, self.actual, self.total, share.bound, share.predikats, share.percent
        )


def check_shares(
    curve: Mapping[str, tuple[Share, ...]], org_predikat: str, counts: Mapping[str, int]
) -> list[ShareCheck]:
    """Every constraint of the curve for the organisation predikat, checked against a unit's counts."""
    if org_predikat not in curve:
        raise InvalidInput("org_predikat", NO_SUCH_ORG_PREDIKAT, choices=", ".join(ORG_PREDIKATS))
    total = sum(counts.get(p, 0) for p in PREDIKATS)
    return [
        ShareCheck(share, share.allowed(total), sum(counts.get(p, 0) for p in share.predikats), total)
        for share in curve[org_predikat]
    ]
