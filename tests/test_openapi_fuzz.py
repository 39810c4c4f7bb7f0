"""Finding 9: the OpenAPI document declares every status the API answers, and fuzzing finds no 5xx.

A bounded schemathesis pass (every operation, a few cases each, as HR and as a supervisor) against
the app served by uvicorn on loopback, with a real Temporal test server and worker behind it.
Checks: no server error, and every status code and body conforms to the document. The figures are
printed (`-s`) and recorded in the README.
"""

from __future__ import annotations

import asyncio
import collections
import json
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance
from temporalio.testing import WorkflowEnvironment

from tests.test_api_support import HR_NIP, SUPERVISOR, participant
from tests.test_api_world import start_server, world
from tests.test_web_browser import serve

pytestmark = pytest.mark.temporal
EXAMPLES_PER_OPERATION = 3
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
async def env() -> WorkflowEnvironment:
    environment = await start_server()
    yield environment
    await environment.shutdown()


def _fuzz(base: str, roles: dict[str, dict[str, str]]) -> tuple[collections.Counter[str], list[str]]:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    figures: collections.Counter[str] = collections.Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for role, headers in roles.items():
            _run(operation, base, role, headers, figures, failures)
    return figures, failures


def _run(
    operation,
    base: str,
    role: str,
    headers: dict[str, str],
    figures: collections.Counter[str],  # type: ignore[no-untyped-def]
    failures: list[str],
) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        response = case.call(base_url=base, headers=headers, timeout=30)
        figures["cases"] += 1
        figures[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - collect all, then assert
            kind = "5xx" if response.status_code >= 500 else "undocumented"
            figures[kind] += 1
            failures.append(
                f"{role} {operation.method.upper()} {operation.path} -> {response.status_code}: "
                f"{response.text[:200]} ({type(e).__name__})"
            )

    run()


async def test_fuzzing_as_hr_and_as_a_supervisor_finds_no_5xx_and_no_undocumented_status(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    async with world(env, tmp_path) as w:
        await w.launch(HR_NIP, [participant("198503152010011001", "Budi")])
        roles = {"hr": await w.headers(HR_NIP), "supervisor": await w.headers(SUPERVISOR)}
        async with serve(w) as base:
            figures, failures = await asyncio.to_thread(_fuzz, base, roles)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.json").write_text(json.dumps(dict(figures), indent=2))
    print(f"\nschemathesis: {dict(figures)}")  # noqa: T201 - the figures the README records
    assert figures["cases"] >= 200
    assert figures["5xx"] == 0 and figures["undocumented"] == 0, "\n".join(failures[:40])
