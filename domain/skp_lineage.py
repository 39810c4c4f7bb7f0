"""RHK taken over from the SKP of the post an employee was transferred from, with their lineage.

A taken-over RHK names where it came from (`carried_from`: the origin appraisal and the RHK's id there);
the new SKP's draft may carry only lineage that the transfer into it allows (the origin's RHK), so a
lineage is never made up. The old superior's RHK do not exist in the new post: a taken-over RHK supports
nothing until the employee names the new superior's RHK it supports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from domain.errors import InvalidInput, refusal
from domain.text import CODE

NOT_CARRIED = refusal(
    "skp.carried_from", "{value} is not an RHK of the SKP of the post the employee was transferred from"
)
NOT_IN_ORIGIN = refusal("transfer.rhk_unknown", "{rhk_id!r} is not an RHK of the old post's SKP ({known})")
NOTHING_TAKEN = refusal("transfer.no_rhk_taken", "name at least one RHK of the old post's SKP to take over")


def lineage_of(item: Mapping[str, Any], where: str) -> dict[str, str] | None:
    """The `carried_from` of one RHK as given, checked for shape (None when the RHK is the employee's own)."""
    found = item.get("carried_from")
    if found is None:
        return None
    if not isinstance(found, Mapping):
        raise InvalidInput(f"{where}.carried_from", NOT_CARRIED, value=str(found)[:40])
    return {k: CODE.check(f"{where}.carried_from.{k}", found.get(k)) for k in ("appraisal_id", "rhk_id")}


def check_lineage(rhk: Iterable[Mapping[str, Any]], carried: Mapping[str, Mapping[str, Any]]) -> None:
    """Every lineage names an RHK of the origin's SKP (`carried`, by "appraisal_id/rhk_id")."""
    for i, item in enumerate(rhk):
        lineage = item.get("carried_from")
        if lineage is not None and f"{lineage['appraisal_id']}/{lineage['rhk_id']}" not in carried:
            raise InvalidInput(
                f"rhk[{i}].carried_from", NOT_CARRIED, value=f"{lineage['appraisal_id']}/{lineage['rhk_id']}"
            )


def carry_over(origin_id: str, origin_rhk: list[dict[str, Any]], rhk_ids: list[str]) -> list[dict[str, Any]]:
    """The origin's RHK named by id, as RHK of the new SKP: same text and indicators, their lineage recorded."""
    if not rhk_ids:
        raise InvalidInput("rhk_ids", NOTHING_TAKEN)
    by_id = {r["id"]: r for r in origin_rhk}
    taken = []
    for rhk_id in rhk_ids:
        if rhk_id not in by_id:
            raise InvalidInput("rhk_ids", NOT_IN_ORIGIN, rhk_id=rhk_id, known=", ".join(sorted(by_id)) or "-")
        taken.append({**by_id[rhk_id], "supports": "", "carried_from": {"appraisal_id": origin_id, "rhk_id": rhk_id}})
    return taken


NOT_TRANSFERRED_IN = refusal(
    "transfer.not_transferred_in", "this appraisal was not opened by a transfer: there is no old SKP to take over"
)


def take_over(
    draft: list[dict[str, Any]], origin_id: str | None, origin_rhk: list[dict[str, Any]], rhk_ids: list[str]
) -> list[dict[str, Any]]:
    """The new SKP's draft with the named RHK of the old post's SKP taken over (an RHK of the draft with the
    same id gives way to it); `origin_id` None: the appraisal was not opened by a transfer."""
    if origin_id is None:
        raise InvalidInput("rhk_ids", NOT_TRANSFERRED_IN)
    taken = carry_over(origin_id, origin_rhk, rhk_ids)
    ids = {r["id"] for r in taken}
    return [r for r in draft if r["id"] not in ids] + taken
