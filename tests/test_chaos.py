"""The fault-injection run (chaos/run.py), bounded to fit `make test`: the real processes on loopback.

30 employees, 2 worker kill -9s, one Temporal restart and a 5-second database cut through the TCP
proxy; the same checks as the full run (`make chaos`, 200 employees, 5 kills, a 30-second cut), which
is run by hand (its figures are in the README).
"""

from __future__ import annotations

import pytest

from chaos.run import Plan, passed, run
from tests.conftest import need_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.temporal]


def test_a_bounded_chaos_run_loses_nothing_and_leaves_every_workflow_as_planned(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = run(Plan(employees=30, kills=2, temporal_restarts=1, cut_seconds=5), need_postgres())
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == (
        f"RESULT chaos lost=0 duplicated=0 plain500=0 stuck=0 "
        f"retries_completed={figures['retried']}/{figures['retried']}"
    ), figures
    # The faults happened, on work in flight: writes were refused for a while and retried.
    assert figures["worker_kills"] == 2 and figures["temporal_restarts"] == 1, figures
    assert figures["acknowledged"] == figures["writes"] == 30 * 5, figures
    assert figures["retried"] > 0 and figures["unavailable_503"] > 0, figures
    assert passed(figures), figures["problems"]
