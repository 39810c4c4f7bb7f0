"""The task forms' submissions: each posts one typed command through the service layer, or shows the task again refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from domain.errors import DomainError
from domain.people_commands import DelegateTask
from domain.result_commands import DecideFollowUp, DecideKeberatan, DeliverResult, Finalise, Rate
from domain.rules import rule_set
from domain.work_commands import ApproveSkp, HoldCheckIn, ReturnSkp
from services.authz import require_hr, require_writer
from services.views import load_appraisal_async
from web import forms
from web.inbox import task_page
from web.outcome import Refused, act_on_form, actions
from web.session import PageActor, same_origin

router = APIRouter(prefix="/tugas", dependencies=[Depends(same_origin)])


def preview(rule_set_id: str, results: str, values: dict[str, str]) -> dict[str, Any]:
    """What the domain will record: the behaviour rating and the predikat by the rule set's kuadran."""
    rules = rule_set(rule_set_id)
    try:
        behaviour = rules.behaviour_rating(values)
        return {
            "results": results,
            "values": values,
            "behaviour": behaviour,
            "predikat": rules.predikat(results, behaviour),
        }
    except DomainError as e:
        return {"error": str(e)}


async def _act(
    request: Request, actor: Any, appraisal_id: UUID, note: str, call: Callable[[Any, str], Any]
) -> Response:
    async def again(form: Any, r: Refused) -> Response:
        return await task_page(request, actor, appraisal_id, error=r.text, status=r.status, form=dict(form))

    return await act_on_form(request, call, done=f"/tugas/{appraisal_id}", note=note, again=again)


@router.post("/{appraisal_id}/skp/setujui")
async def approve(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "skp-disetujui",
        lambda f, k: act.approve_skp(appraisal_id, ApproveSkp(require_writer(actor)), k),
    )


@router.post("/{appraisal_id}/skp/kembalikan")
async def return_skp(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "skp-dikembalikan",
        lambda f, k: act.return_skp(appraisal_id, ReturnSkp(require_writer(actor), forms.text(f, "reasons")), k),
    )


@router.post("/{appraisal_id}/delegasi")
async def delegate(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "didelegasikan",
        lambda f, k: act.delegate_task(
            appraisal_id, DelegateTask(require_writer(actor), forms.text(f, "to_nip"), forms.text(f, "reason")), k
        ),
    )


@router.post("/{appraisal_id}/checkin")
async def check_in(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "checkin",
        lambda f, k: act.hold_check_in(
            appraisal_id,
            HoldCheckIn(
                require_writer(actor),
                forms.text(f, "period"),
                forms.text(f, "notes"),
                forms.optional(f, "results_rating"),
                forms.optional(f, "behaviour_rating"),
            ),
            k,
        ),
    )


@router.post("/{appraisal_id}/nilai")
async def rate(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    form = await request.form()
    if forms.text(form, "langkah") == "pratinjau":
        appraisal, _ = await load_appraisal_async(request.app.state.appraisals, actor, appraisal_id)
        shown = preview(appraisal.rule_set_id, forms.text(form, "results_rating"), forms.behaviour(form))
        return await task_page(request, actor, appraisal_id, form=dict(form), preview=shown)
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "dinilai",
        lambda f, k: act.rate(
            appraisal_id,
            Rate(require_writer(actor), forms.text(f, "results_rating"), forms.behaviour(f), forms.text(f, "notes")),
            k,
        ),
    )


@router.post("/{appraisal_id}/hasil")
async def deliver(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request,
        actor,
        appraisal_id,
        "hasil",
        lambda f, k: act.deliver_result(appraisal_id, DeliverResult(require_writer(actor)), k),
    )


@router.post("/{appraisal_id}/keberatan")
async def decide(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    form = await request.form()
    amended = forms.text(form, "outcome") == "amended"
    if forms.text(form, "langkah") == "pratinjau":
        appraisal, _ = await load_appraisal_async(request.app.state.appraisals, actor, appraisal_id)
        shown = preview(appraisal.rule_set_id, forms.text(form, "results_rating"), forms.behaviour(form))
        return await task_page(request, actor, appraisal_id, form=dict(form), preview=shown)
    act = actions(request)

    def decision(f: Any) -> DecideKeberatan:
        return DecideKeberatan(
            require_writer(actor),
            forms.text(f, "outcome"),
            forms.text(f, "reasons"),
            forms.optional(f, "results_rating") if amended else None,
            (forms.behaviour(f) or None) if amended else None,
        )

    return await _act(
        request, actor, appraisal_id, "diputuskan", lambda f, k: act.decide_keberatan(appraisal_id, decision(f), k)
    )


@router.post("/{appraisal_id}/tindak-lanjut")
async def follow_up(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)

    def decision(f: Any) -> DecideFollowUp:
        previous = [p for p in f.getlist("previous_predikats") if p]
        return DecideFollowUp(require_hr(actor), previous, forms.integer(f, "years_in_rank"), forms.text(f, "notes"))

    return await _act(
        request, actor, appraisal_id, "tindak-lanjut", lambda f, k: act.decide_follow_up(appraisal_id, decision(f), k)
    )


@router.post("/{appraisal_id}/final")
async def finalise(request: Request, appraisal_id: UUID, actor: PageActor) -> Response:
    act = actions(request)
    return await _act(
        request, actor, appraisal_id, "final", lambda f, k: act.finalise(appraisal_id, Finalise(require_hr(actor)), k)
    )
