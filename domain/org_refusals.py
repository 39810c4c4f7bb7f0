"""The refusals of the organisation's data (domain/organisation.py, domain/org_csv.py, domain/org_import.py).

Declared in one place because the org file and the org commands refuse the same things the same way.
"""

from __future__ import annotations

from domain.errors import refusal

ONLY_HR_REGISTERS_AGENCY = refusal("org.who_registers_agency", "only HR registers an agency")
ONLY_HR_CHANGES_AGENCY = refusal("org.who_changes_agency", "only HR changes an agency")
NOTHING_CHANGES = refusal("org.nothing_changes", "nothing changes")
ONLY_HR_REGISTERS_UNIT = refusal("org.who_registers_unit", "only HR registers a unit")
UNIT_EXISTS = refusal("org.unit_exists", "unit {unit_id!r} is already registered", "unit_name")
ONLY_HR_CHANGES_UNIT = refusal("org.who_changes_unit", "only HR changes a unit")
NO_SUCH_UNIT = refusal("org.no_unit", "no unit {unit_id!r}")
UNIT_UNCHANGED = refusal("org.unit_unchanged", "unit {unit_id!r} does not change", "unit_name")
ONLY_HR_REGISTERS_EMPLOYEE = refusal("org.who_registers_employee", "only HR registers an employee")
EMPLOYEE_EXISTS = refusal("org.employee_exists", "{nip} is already registered in {agency_id}", "agency_name")
ONLY_HR_CHANGES_EMPLOYEE = refusal("org.who_changes_employee", "only HR changes an employee")
EMPLOYEE_UNCHANGED = refusal("org.employee_unchanged", "nothing changes for {nip}")
ALREADY_SUPERVISES = refusal("org.already_supervises", "{supervisor_nip} already supervises {nip}")
NOT_AN_EMPLOYEE = refusal("org.not_employee", "{nip} is not an employee of {agency_id}", "agency_name")
NO_UNIT_IN_AGENCY = refusal("org.no_unit_in_agency", "no unit {unit_id!r} in {agency_id}", "agency_name")
SUPERVISES_SELF = refusal("org.supervises_self", "an employee cannot supervise themselves")
NO_SUCH_AGENCY = refusal("org.no_agency", "no agency {agency_id!r}")
IMPORT_RACE = refusal("org.import_race", "another import changed the organisation first; import again")
CHANGE_RACE = refusal("org.change_race", "another change of the organisation came first; try again")
NO_SUCH_SUPERVISOR = refusal("org.no_supervisor", "no employee {nip} in agency {agency_id}", "agency_name")
LOOP = refusal("org.loop", "the reporting line loops: {loop}")
# The org file's own (domain/org_csv.py): each names the line and the column it refers to.
NO_COLUMNS = refusal("org.no_columns", "no columns found: separate them with ',' or ';' ({columns})")
NO_COLUMN = refusal("org.no_column", "column is missing from the header")
NO_LINES = refusal("org.no_lines", "has no employee lines")
ZONE_REQUIRED = refusal("org.zone_required", "is required (one of {zones})")
NOT_YES_OR_NO = refusal("org.yes_no", "must be ya or tidak (yes or no), got {value!r}")
NIP_REPEATS = refusal("org.nip_repeats", "{nip} is already on line {line}")
DIFFERS = refusal("org.differs", "differs from line {line} of the same {owner} ({value!r})")
SECOND_HEAD = refusal("org.second_head", "unit {unit_id} already has its head on line {line}", "unit_name")
UNKNOWN_SUPERVISOR = refusal(
    "org.unknown_supervisor",
    "no employee {nip} in agency {agency_id}, neither in this file nor registered before",
    "agency_name",
)
