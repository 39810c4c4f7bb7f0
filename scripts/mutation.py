"""Mutation testing of domain/ with mutmut, by hand: `make mutation` (long: run it, then read the RESULT).

Every mutant of domain/ runs against the domain's own tests (in memory, no server); the last line
is `RESULT mutation killed=... survived=... score=...` where score = killed / (killed + survived),
counting timeouts and suspicious runs as killed and not counting mutants no test reaches
("no tests") as killed. The survivors are listed above it; README.md states which are equivalent.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"


def main() -> int:
    env = {k: v for k, v in os.environ.items() if k != "KINERJA_TEST_POSTGRES_URL"}  # the domain tests need no server
    shutil.rmtree(HERE / "mutants", ignore_errors=True)
    children = str(max(1, (os.cpu_count() or 2)))
    subprocess.run([str(MUTMUT), "run", "--max-children", children], cwd=HERE, env=env, check=False)
    subprocess.run([str(MUTMUT), "export-cicd-stats"], cwd=HERE, env=env, check=True)
    stats = json.loads((HERE / "mutants" / "mutmut-cicd-stats.json").read_text())
    results = subprocess.run([str(MUTMUT), "results"], cwd=HERE, env=env, capture_output=True, text=True, check=False)
    survivors = [line.strip() for line in results.stdout.splitlines() if line.strip().endswith(": survived")]
    for line in survivors:
        print(line)  # noqa: T201
    killed = stats["killed"] + stats.get("timeout", 0) + stats.get("suspicious", 0)
    survived = stats["survived"] + stats.get("no_tests", 0)
    score = killed / (killed + survived) if killed + survived else 0.0
    print(  # noqa: T201
        f"RESULT mutation killed={killed} survived={survived} no_tests={stats.get('no_tests', 0)} "
        f"skipped={stats.get('skipped', 0)} total={stats['total']} score={score:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
