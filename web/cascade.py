"""The pages' forms of #15: link an RHK that waited for the superior's, flag a wrong supervisor, HR's dismissal.

Each form calls the service layer's method the API's route calls (services/actions.py); a refusal shows the
page again with the domain's message. The readings (waiting subordinates, blocked chains, open flags) are the
read models' (readmodels/cascade_queries.py), shown on the inbox, the employee's, the task's and HR's pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.supervisor_flag_commands import DismissSupervisorFlag, FlagWrongSupervisor
from domain.work_commands import LinkRhk
from services.authz import require_writer
from web import forms
from web.employee import my_page
from web.hr import dashboard
from web.inbox import task_page
from web.outcome import Refused, act_on_form, actions
from web.session import PageActor, same_origin

router = APIRouter(dependencies=[Depends(same_origin)])


def _link(request: Request, actor: Any, appraisal_id: UUID) -> Callable[[Any, str], Any]:
    act = actions(request)

    def call(f: Any, k: str) -> Any:
        cmd = LinkRhk(require_writer(actor), forms.text(f, "rhk_id"), forms.text(f, "supports"))
        return act.link_rhk(appraisal_id, cmd, k)

    return call


def _flag(request: Request, actor: Any, appraisal_id: UUID) -> Callable[[Any, str], Any]:
    act = actions(request)

    def call(f: Any, k: str) -> Any:
        about = forms.text(f, "about") or "appraiser"  # the pejabat penilai, or their atasan
        cmd = FlagWrongSupervisor(require_writer(actor), forms.text(f, "reason"), about)
        return act.flag_wrong_supervisor(appraisal_id, cmd, k)

    return call


async def _employee(
    request: Request, actor: Any, appraisal_id: UUID, note: str, call: Callable[[Any, str], Any]
) -> Response:
    async def again(form: Any, r: Refused) -> Response:
        return await my_page(request, actor, appraisal_id, error=r.text, status=r.status, form=dict(form))

    return await act_on_form(request, call, done=f"/saya/{appraisal_id}", note=note, again=again)


async def _appraiser(
    request: Request, actor: Any, appraisal_id: UUID, note: str, call: Callable[[Any, str], Any]
) -> Response:
    async def again(form: Any, r: Refused) -> Response:
        return await task_page(request, actor, appraisal_id, error=r.text, status=r.status, form=dict(form))

    return await act_on_form(request, call, done=f"/tugas/{appraisal_id}", note=note, again=again)


@router.post("/saya/{appraisal_id}/skp/tautkan")
async def link_mine(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    return await _employee(request, actor, appraisal_id, "rhk-ditautkan", _link(request, actor, appraisal_id))


@router.post("/tugas/{appraisal_id}/skp/tautkan")
async def link_theirs(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    return await _appraiser(request, actor, appraisal_id, "rhk-ditautkan", _link(request, actor, appraisal_id))


@router.post("/saya/{appraisal_id}/atasan-salah")
async def flag_mine(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    return await _employee(request, actor, appraisal_id, "atasan-salah", _flag(request, actor, appraisal_id))


@router.post("/tugas/{appraisal_id}/atasan-salah")
async def flag_theirs(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    return await _appraiser(request, actor, appraisal_id, "atasan-salah", _flag(request, actor, appraisal_id))


@router.post("/hr/siklus/{cycle_id}/atasan-salah/{appraisal_id}/tolak")
async def dismiss(request: Request, cycle_id: UUID, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)

    async def again(form: Any, r: Refused) -> Response:
        return await dashboard(request, actor, cycle_id, error=r.text, status=r.status, form=dict(form))

    def call(f: Any, k: str) -> Any:
        return act.dismiss_supervisor_flag(
            appraisal_id, DismissSupervisorFlag(require_writer(actor), forms.text(f, "reason")), k
        )

    return await act_on_form(request, call, done=f"/hr/siklus/{cycle_id}", note="laporan-ditolak", again=again)
