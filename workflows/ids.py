"""Workflow ids, in one place, and the one policy for starting a workflow by its id.

One cycle workflow per cycle and one appraisal workflow per appraisal, ever: a second start of
the same id, whether the first run is still running or has closed, fails with
`WorkflowAlreadyStartedError`, and every caller (the API, the CLI, the opening activity) treats
that as "already started".
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy


def cycle_workflow_id(cycle_id: object) -> str:
    return f"cycle-{cycle_id}"


def appraisal_workflow_id(cycle_id: object, nip: str) -> str:
    return f"appraisal-{cycle_id}-{nip}"


async def start_once(
    client: Client,
    workflow: str | Callable[[Any, Any], Awaitable[Any]],
    arg: Any,
    *,
    id: str,
    task_queue: str,
) -> WorkflowHandle[Any, Any]:
    """Start `workflow` under `id` unless a workflow of that id was ever started (then raise)."""
    return await client.start_workflow(
        workflow,  # a workflow's name or its run method
        arg,
        id=id,
        task_queue=task_queue,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
    )
