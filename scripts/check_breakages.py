"""Apply each rule breakage listed in issue #12 alone to a copy of the tree and run the domain's own tests.

.venv/bin/python scripts/check_breakages.py     # prints CAUGHT or MISSED per breakage; exit 1 if any is missed
"""

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
TESTS = ["tests/test_domain_rules_table.py", "tests/test_appraisal_domain.py", "tests/test_rules.py"]
BREAKAGES = [
    (
        "unit head: Butuh Perbaikan -> Sesuai",
        "domain/rules.py",
        "BUTUH_PERBAIKAN: BELOW, KURANG: BELOW",
        "BUTUH_PERBAIKAN: AS_EXPECTED, KURANG: BELOW",
    ),
    (
        "delegating to the appraised employee",
        "domain/people.py",
        '        require(to_nip != self.employee_nip, "an employee cannot act as their own pejabat penilai")\n',
        "",
    ),
    (
        "a delegation surviving a change of supervisor",
        "domain/appraisal.py",
        "        self.delegate_nip = None  # a delegation was the previous appraiser's\n",
        "",
    ),
    ("WIT as UTC+8", "domain/calendar.py", '"WIT": timezone(timedelta(hours=9)', '"WIT": timezone(timedelta(hours=8)'),
    (
        "escalation always to HR",
        "domain/people.py",
        "return self.atasan_nip if party == ATASAN_PARTY else HR_INBOX",
        "return HR_INBOX",
    ),
    (
        "check-ins accepted during review",
        "domain/execution.py",
        '        self._require_appraiser(cmd.by, "holds the check-in")\n        self._require_stage(EXECUTION)',
        '        self._require_appraiser(cmd.by, "holds the check-in")\n        self._require_stage(EXECUTION, REVIEW)',
    ),
    (
        "keberatan decider overridden (appraiser decides)",
        "domain/keberatan.py",
        "self.atasan_nip, due, at)",
        "self.appraiser_nip, due, at)",
    ),
    (
        "keberatan decider not checked",
        "domain/keberatan.py",
        '        require(cmd.by.nip == self.keberatan["decider"], "the keberatan is decided by the atasan pejabat penilai")\n',
        "",
    ),
    (
        "missed-deadline boundary < vs <=",
        "domain/people.py",
        "if calendar.as_utc(at) <= calendar.as_utc(cmd.due):",
        "if calendar.as_utc(at) < calendar.as_utc(cmd.due):",
    ),
    ("monthly instead of quarterly periods", "domain/rules.py", 'period: str = "quarterly"', 'period: str = "monthly"'),
]
missed = 0
root = tempfile.mkdtemp(prefix="kinerja-breakages-")
for part in ("domain", "tests", "pyproject.toml"):
    source = HERE / part
    (shutil.copytree if source.is_dir() else shutil.copy)(source, Path(root) / part)
for name, path, old, new in BREAKAGES:
    p = f"{root}/{path}"
    src = Path(p).read_text()
    assert src.count(old) == 1, (name, src.count(old))
    Path(p).write_text(src.replace(old, new))
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS]
    r = subprocess.run(command, cwd=root, capture_output=True, text=True)
    Path(p).write_text(src)
    caught = r.returncode != 0
    failed = [line for line in r.stdout.splitlines() if line.startswith("FAILED")][:1]
    missed += not caught
    print(("CAUGHT " if caught else "MISSED ") + name, *failed)  # noqa: T201
shutil.rmtree(root)
sys.exit(1 if missed else 0)
