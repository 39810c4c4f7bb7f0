"""What a test needs from the machine (PostgreSQL, Node.js, chromium, openssl): skipped with the reason
locally, failed under CI=true, so a green CI run never hides a server or tool that was missing."""

from __future__ import annotations

import os

import pytest


def on_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def need(problem: str | None, *, on_ci_say: str = "", locally_say: str = "") -> None:
    """Nothing when `problem` is None; else fail under CI=true and skip locally, each with the problem and
    what to do about it there."""
    if problem is None:
        return
    if on_ci():
        pytest.fail(f"{problem}: {on_ci_say}" if on_ci_say else problem)
    pytest.skip(f"{problem}: {locally_say}" if locally_say else problem)
