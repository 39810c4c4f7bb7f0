"""Authorisation, in one place: roles and relationships.

Roles. employee: anyone authenticated. supervisor: not a token role but a relationship
derived from the org chart as the appraisal records it (its appraiser, its atasan).
hr (pengelola kinerja) and auditor: standing roles from the token. Auditors read
everything and write nothing. The head of an agency (Kepala Dinas, Sekda) is, like a supervisor, a
relationship from the org chart (domain Agency.is_head_of_agency): a read-only overview of the agency.

Relationships to an appraisal: own (the employee), appraiser (direct subordinate),
atasan (skip-level, decides a keberatan), decider (whoever the keberatan is assigned
to after an escalation).

Reads of an appraisal: the employee, appraiser, atasan, decider, HR, auditor. Anyone
else gets 404, so that the API does not reveal who takes part in a cycle. Writes: a
route-level check here, then the domain's own rule (its NotAllowed becomes 403).

HR is bound to its agency (#15): an HR user whose agency the user directory knows (its master data, or the
users file's `agency_id`) acts and reads only there (`bound_to_agency`, asked for every request by the API's
and the pages' caller: a cycle, appraisal, transfer or agency of another agency in the path or the query is
403, an appraisal 404; lists keep that agency's rows, `in_agency`). A transfer belongs to both its agencies.
Auditors are not bound. One rule, safe by default: an HR user's agency is the one the directory names, and
an HR user it names none for acts on no agency's records (403 `role.no_agency`) until the administrator names
one; a central pengelola, who acts for every agency, is named so explicitly (`agency_id` "*" in the users file,
`CENTRAL`). The career data of #14 (`require_agency_hr`) asks the same question.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, Protocol
from uuid import UUID

from domain.base import AUDITOR, HR, Actor
from domain.errors import IntegrityBroken, NotFound, Refusal, refusal
from domain.org_import import Organisation
from services.errors import ApiError

EMPLOYEE, APPRAISER, ATASAN, DECIDER = "employee", "appraiser", "atasan", "decider"

# The refusals of a role, named once (the catalogue says them in the reader's language: services/locale).
READ_ONLY = refusal("role.read_only", "auditors have read-only access: this action changes a record")
ONLY_HR = refusal("role.only_hr", "only HR (pengelola kinerja) may do this")
OVERSIGHT = refusal("role.oversight", "only HR (pengelola kinerja) and auditors may read this")
NOT_YOURS = refusal("role.relation", "this action is for the appraisal's {relations}")
NOT_READABLE = refusal("role.not_readable", "no appraisal {appraisal_id} among the ones you may see")
OTHER_AGENCY = refusal(
    "role.other_agency", "HR (pengelola kinerja) of {own} acts on its own agency's records only, not on {agency_id}'s"
)
AGENCY_OVERVIEW = refusal(
    "role.agency_overview", "only HR (pengelola kinerja), auditors and the head of the agency may read this"
)

CENTRAL_ONLY = refusal(
    "role.central", "this covers every agency: auditors and the central pengelola kinerja read it, not HR of one agency"
)
WHOLE_LOG = refusal(
    "role.whole_log",
    "the log holds every agency's records: HR (pengelola kinerja) of one agency reads its own agency's records, "
    "not the whole log",
)
NO_AGENCY = refusal(
    "role.no_agency",
    "this HR (pengelola kinerja) account is not tied to an agency; the administrator names its agency in the "
    "master data or the users file",
)

# The users file's agency for a central pengelola (who acts for every agency): named explicitly, never assumed.
CENTRAL = "*"


def is_auditor(actor: Actor) -> bool:
    return AUDITOR in actor.roles


def is_hr(actor: Actor) -> bool:
    return HR in actor.roles


def forbidden(said: Refusal, **params: Any) -> ApiError:
    return ApiError.of(403, "NotAllowed", said, **params)


def require_writer(actor: Actor) -> Actor:
    """Auditors are read-only everywhere."""
    if is_auditor(actor):
        raise forbidden(READ_ONLY)
    return actor


def require_hr(actor: Actor) -> Actor:
    require_writer(actor)
    if not is_hr(actor):
        raise forbidden(ONLY_HR)
    return actor


def require_oversight(actor: Actor) -> Actor:
    """Agency-wide reads (dashboards, the audit trail): HR and auditors."""
    if not (is_hr(actor) or is_auditor(actor)):
        raise forbidden(OVERSIGHT)
    return actor


def require_central(actor: Actor) -> Actor:
    """Reads that cover every agency at once (the national roll-up, the read models' verification): auditors and
    the central pengelola kinerja; HR held to one agency reads its own agency's figures elsewhere."""
    require_oversight(actor)
    if bound(actor):
        raise forbidden(CENTRAL_ONLY)
    return actor


def log_scope(actor: Actor, agency_id: str | None, *, partitioned: bool) -> str | None:
    """The log a log-wide read (its verification, its checkpoints) covers: the agency's asked for (None: every
    log) for auditors and the central pengelola; for HR held to one agency, its own agency's log. The single
    log holds every agency's records, so HR of one agency does not read it whole."""
    require_oversight(actor)
    if not bound(actor):
        return agency_id
    if not partitioned:
        raise forbidden(WHOLE_LOG)
    own = agency_id or actor.agency
    require_agency(actor, own)
    return own


def headed_agencies(org: Organisation, actor: Actor, agency_ids: Iterable[str]) -> set[str]:
    """The agencies among `agency_ids` whose head (Kepala Dinas, Sekda) the caller is, as the org chart says."""
    return {agency_id for agency_id in agency_ids if org.heads_agency(actor.nip, agency_id)}


def require_agency_overview(org: Organisation, actor: Actor, agency_id: str) -> Actor:
    """One agency's dashboard: HR and auditors, and the head of that agency (read-only: writes need require_hr)."""
    if is_hr(actor) or is_auditor(actor) or headed_agencies(org, actor, (agency_id,)):
        return actor
    raise forbidden(AGENCY_OVERVIEW)


def require_agency_hr(actor: Actor, agency_id: str, *, auditors_read: bool = False) -> Actor:
    """One agency's career data (#14: exports, the tukin recap, PPPK dossiers, what-if): HR of that agency, as
    every HR request is bound (`require_agency`); with `auditors_read`, auditors too (to read)."""
    if auditors_read and is_auditor(actor):
        return actor
    require_hr(actor)
    require_agency(actor, agency_id)
    return actor


def relations(actor: Actor, appraisal: Any) -> set[str]:
    """How the caller stands to one appraisal, from what the appraisal records."""
    found = set()
    if actor.nip == appraisal.employee_nip:
        found.add(EMPLOYEE)
    if actor.nip in (appraisal.appraiser_nip, getattr(appraisal, "delegate_nip", None)):
        found.add(APPRAISER)  # a delegate acts for the appraiser; the domain checks which of them may
    if actor.nip == getattr(appraisal, "acting_appraiser", None):
        found.add(APPRAISER)  # an acting head (Plt/Plh) for the appraiser, while the designation runs
    if actor.nip in (appraisal.atasan_nip, getattr(appraisal, "acting_atasan", None)):
        found.add(ATASAN)
    keberatan = getattr(appraisal, "keberatan", None) or {}
    if actor.nip == keberatan.get("decider"):
        found.add(DECIDER)
    return found


def require_read(actor: Actor, appraisal: Any) -> set[str]:
    """The caller may see this appraisal; returns the relationships (empty for HR/auditor)."""
    found = relations(actor, appraisal)
    if not found and not is_hr(actor) and not is_auditor(actor):
        raise ApiError.of(404, "NotFound", NOT_READABLE, appraisal_id=str(appraisal.id))
    return found


def require_write(actor: Actor, appraisal: Any, *allowed: str) -> None:
    """Route-level check for a write on one appraisal.

    Unrelated callers get 404 (no leak). A related caller without one of the
    `allowed` relationships is let through only if HR, and otherwise gets 403;
    the domain then checks its own rule (who exactly may take this step).
    """
    require_writer(actor)
    found = require_read(actor, appraisal)
    if allowed and not (found & set(allowed)) and not is_hr(actor):
        raise forbidden(NOT_YOURS, relations=" or ".join(allowed))


# --- HR's agency (#15) ---------------------------------------------------------------------------------


class Directory(Protocol):
    def get(self, nip: str) -> Any: ...  # services.users.User | None


class Records(Protocol):  # the part of domain.application.Appraisals the agency check reads
    def cycle(self, cycle_id: UUID) -> Any: ...
    def appraisal(self, appraisal_id: UUID) -> Any: ...
    def transfer(self, transfer_id: UUID) -> Any: ...


def with_agency(actor: Actor, users: Directory | None) -> Actor:
    """An HR caller with the agency the user directory names for them (others as they are)."""
    if not is_hr(actor) or users is None:
        return actor
    user = users.get(actor.nip)
    agency = str(getattr(user, "agency_id", "") or "")
    return replace(actor, agency=agency) if agency != actor.agency else actor


def bound(actor: Actor) -> bool:
    """Whether the caller is HR held to one agency: every HR user but a central pengelola (auditors read every
    agency). An HR user the directory names no agency for is held to none."""
    return is_hr(actor) and actor.agency != CENTRAL and not is_auditor(actor)


def in_agency(actor: Actor, *agency_ids: str) -> bool:
    """Whether the caller may see a record of these agencies (a transfer has two: either will do)."""
    return not bound(actor) or bool(actor.agency) and actor.agency in agency_ids


def require_agency(actor: Actor, *agency_ids: str) -> None:
    if in_agency(actor, *agency_ids):
        return
    if not actor.agency:
        raise forbidden(NO_AGENCY)
    raise forbidden(OTHER_AGENCY, own=actor.agency, agency_id=" / ".join(agency_ids))


def _uuid(value: object) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def bound_to_agency(records: Records, actor: Actor, params: Mapping[str, Any]) -> None:
    """The records a request names (path and query parameters: cycle_id, appraisal_id, transfer_id, agency_id,
    record_id) belong to a bound HR caller's agency; a record that does not load is left to the route (its own 404/422)."""
    if not bound(actor):
        return
    if "agency_id" in params:
        require_agency(actor, str(params["agency_id"]))
    for name, load in (("cycle_id", records.cycle), ("transfer_id", records.transfer)):
        found_id = _uuid(params[name]) if name in params else None
        if found_id is None:
            continue
        try:
            record = load(found_id)
        except (NotFound, IntegrityBroken):  # the route answers for it
            continue
        require_agency(actor, *(record.agencies if name == "transfer_id" else (record.agency_id,)))
    appraisal_id = _uuid(params["appraisal_id"]) if "appraisal_id" in params else None
    if appraisal_id is not None:
        _appraisal_in_agency(records, actor, appraisal_id)
    # The audit trail's record (api/audit.py, receipts): an appraisal, a cycle or a transfer, by its id alone.
    # A cycle first: it is kept in the process (domain/store.py `current`), where a large one's replay is costly.
    record_id = _uuid(params["record_id"]) if "record_id" in params else None
    if record_id is not None:
        try:
            require_agency(actor, records.cycle(record_id).agency_id)
            return
        except (NotFound, IntegrityBroken):
            pass
        if _appraisal_in_agency(records, actor, record_id):
            return
        try:
            require_agency(actor, *records.transfer(record_id).agencies)
        except (NotFound, IntegrityBroken):  # the route answers for it
            pass


def _appraisal_in_agency(records: Records, actor: Actor, appraisal_id: UUID) -> bool:
    """404 for an appraisal of another agency the caller takes no part in; False when no appraisal has that id."""
    try:
        appraisal = records.appraisal(appraisal_id)
        agency = records.cycle(appraisal.cycle_id).agency_id
    except (NotFound, IntegrityBroken):  # the route answers for it
        return False
    if not in_agency(actor, agency) and not relations(actor, appraisal):
        raise ApiError.of(404, "NotFound", NOT_READABLE, appraisal_id=str(appraisal_id))
    return True
