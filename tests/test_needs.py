"""A missing server or tool skips a test locally and fails it under CI=true, with the problem and what to do."""

from __future__ import annotations

import pytest

from tests.needs import need

SKIPPED, FAILED = pytest.skip.Exception, pytest.fail.Exception


@pytest.mark.parametrize(
    ("ci", "outcome", "advice"),
    [
        ("", SKIPPED, "install it"),
        ("false", SKIPPED, "install it"),
        ("1", SKIPPED, "install it"),
        ("true", FAILED, "CI needs it"),
        ("TRUE", FAILED, "CI needs it"),
        ("True", FAILED, "CI needs it"),
    ],
)
def test_a_missing_tool_skips_locally_and_fails_under_ci_saying_what_to_do(
    monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type[BaseException], advice: str
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match=f"^node is not installed: {advice}$"):
        need("node is not installed", on_ci_say="CI needs it", locally_say="install it")
    with pytest.raises(outcome, match="^node is not installed$"):
        need("node is not installed")
    need(None, on_ci_say="CI needs it", locally_say="install it")  # nothing missing: neither skipped nor failed
