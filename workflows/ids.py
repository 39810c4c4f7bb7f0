"""Workflow ids, in one place, and the one policy for starting a workflow by its id.

One cycle workflow per cycle and one appraisal workflow per appraisal, ever: a second start of
the same id, whether the first run is still running or has closed, fails with
`WorkflowAlreadyStartedError`, and every caller (the API, the CLI, the opening activity) treats
that as "already started".
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

# An Update's id is "<request>~<attempt>": the request part (from the caller's Idempotency-Key) names the
# command, the attempt part is fresh on every HTTP request. Temporal keeps every Update's outcome by its
# id, an "unavailable" failure included; a fresh attempt id is never answered with that stale failure,
# and the command key, taken from the request part alone, lets the domain apply the command once.
ATTEMPT = "~"


def attempt_id(request_id: str) -> str:
    """A fresh Update id for one more attempt at the request named `request_id`."""
    return f"{request_id}{ATTEMPT}{uuid.uuid4().hex[:12]}"


def request_of(update_id: str) -> str:
    """The request an Update id attempts (an id without an attempt part is its own request)."""
    return update_id.split(ATTEMPT, 1)[0]


def command_key(workflow_id: str, request_id: str) -> str:
    """The domain command key of the request `request_id` on the workflow `workflow_id`: the same whether the
    workflow runs the command (an Update, keyed from its request part) or the service writes it directly."""
    return f"{workflow_id}:update:{request_id}"


def cycle_workflow_id(cycle_id: object) -> str:
    return f"cycle-{cycle_id}"


def appraisal_workflow_id(cycle_id: object, nip: str, post: int = 1) -> str:
    """A later post of the employee in the same cycle (domain/participants.py:post_of) runs its own workflow."""
    return f"appraisal-{cycle_id}-{nip}" + (f"-{post}" if post > 1 else "")


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
