"""The words of the notification mails, in Bahasa Indonesia: a task's name, its due time in the agency's
zone and the link to its page. No rule lives here (who is told and when is the domain's and the outbox's);
the names are services/labels.py's and the dates services/dates.py's, as on the pages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from domain.transfer import EVALUATE_TASK
from readmodels.outbox_tables import ESCALATION, KEBERATAN, REMINDER
from services.dates import when
from services.labels import task_name


def task_link(base_url: str, item: dict[str, Any]) -> str:
    """The page of the task: the employee's own appraisal page for their own task, the task page otherwise (a
    transfer's evaluation: its own page, the item naming the transfer)."""
    if item["task"] == EVALUATE_TASK:
        return f"{base_url.rstrip('/')}/tugas/mutasi/{item['appraisal_id']}"
    own = item["recipient"] == item["employee_nip"]
    return f"{base_url.rstrip('/')}/{'saya' if own else 'tugas'}/{item['appraisal_id']}"


def renderer(
    base_url: str, name_of: Callable[[str, str], str | None]
) -> Callable[[list[dict[str, Any]]], tuple[str, str]]:
    """`render(items)` for Outbox.compose: one message's subject and body. `name_of(agency, nip)` names the
    recipient and the assignee (None when the org data does not know them)."""

    def render(group: list[dict[str, Any]]) -> tuple[str, str]:
        first = group[0]
        recipient = first["recipient"]
        who = "Pengelola Kinerja (BKPSDM)" if recipient == "hr" else name_of(first["agency_id"], recipient)
        greeting = f"Yth. {who}," if who else "Yth. Bapak/Ibu,"
        if first["kind"] == REMINDER:
            return _digest(base_url, greeting, group)
        return _urgent(base_url, greeting, first, name_of)

    return render


def _line(base_url: str, item: dict[str, Any]) -> str:
    zone = item["time_zone"]
    return (
        f"- {task_name(item['task'])}: {item['employee_name']} (NIP {item['employee_nip']}), "
        f"batas waktu {when(item['due_at'], zone)}\n  {task_link(base_url, item)}"
    )


def _digest(base_url: str, greeting: str, group: list[dict[str, Any]]) -> tuple[str, str]:
    first = group[0]
    if len(group) == 1:
        subject = f"Pengingat: {task_name(first['task'])} - batas waktu {when(first['due_at'], first['time_zone'])}"
    else:
        subject = f"Pengingat: {len(group)} tugas penilaian kinerja menunggu Anda"
    lines = "\n".join(_line(base_url, item) for item in group)
    body = (
        f"{greeting}\n\n"
        f"Tugas penilaian kinerja berikut menunggu Anda di Kinerja:\n\n{lines}\n\n"
        "Pesan ini dikirim otomatis satu kali sehari; eskalasi dikirim segera."
    )
    return subject, body


def _urgent(
    base_url: str, greeting: str, item: dict[str, Any], name_of: Callable[[str, str], str | None]
) -> tuple[str, str]:
    name, due = task_name(item["task"]), when(item["due_at"], item["time_zone"])
    assignee = item["assignee"]
    held_by = "Pengelola Kinerja (BKPSDM)" if assignee == "hr" else name_of(item["agency_id"], assignee) or "-"
    held = f"{held_by} (NIP {assignee})" if assignee and assignee != "hr" else held_by
    employee = f"{item['employee_name']} (NIP {item['employee_nip']})"
    link = task_link(base_url, item)
    if item["kind"] == KEBERATAN:
        subject = f"Eskalasi keberatan: {item['employee_name']} - belum diputuskan"
        body = (
            f"{greeting}\n\nKeberatan {employee} belum diputuskan oleh {held} sampai batas waktu {due} "
            f"dan dieskalasi kepada Pengelola Kinerja (BKPSDM). Tetapkan pemutus keberatan:\n{link}"
        )
        return subject, body
    assert item["kind"] == ESCALATION
    subject = f"Terlambat: {name} - {item['employee_name']} (batas waktu {due})"
    body = (
        f"{greeting}\n\nTugas {name} atas penilaian kinerja {employee}, yang menjadi tugas {held}, "
        f"melewati batas waktu {due} dan dieskalasi kepada Anda.\n\nBuka tugasnya:\n{link}"
    )
    return subject, body
