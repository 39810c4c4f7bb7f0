"""A missing server or tool skips a test locally and fails it under CI=true, with the problem and what to do."""

from __future__ import annotations

import pytest

from tests.needs import need


@pytest.mark.parametrize("ci", ["", "false", "1"])
def test_locally_a_missing_tool_skips_with_the_problem_and_the_local_advice(
    monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="^node is not installed: install it$"):
        need("node is not installed", on_ci_say="CI needs it", locally_say="install it")
    with pytest.raises(pytest.skip.Exception, match="^node is not installed$"):
        need("node is not installed")


@pytest.mark.parametrize("ci", ["true", "TRUE", "True"])
def test_under_ci_a_missing_tool_fails_with_the_problem_and_the_ci_advice(
    monkeypatch: pytest.MonkeyPatch, ci: str
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="^node is not installed: CI needs it$"):
        need("node is not installed", on_ci_say="CI needs it", locally_say="install it")
    with pytest.raises(pytest.fail.Exception, match="^node is not installed$"):
        need("node is not installed")


@pytest.mark.parametrize("ci", ["", "true"])
def test_nothing_happens_when_nothing_is_missing(monkeypatch: pytest.MonkeyPatch, ci: str) -> None:
    monkeypatch.setenv("CI", ci)
    need(None, on_ci_say="CI needs it", locally_say="install it")  # neither skipped nor failed: the test goes on
