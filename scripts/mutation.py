"""Mutation testing of domain/ with mutmut, by hand: `make mutation` (long: run it, then read the RESULT).

Every mutant of domain/ runs against the domain's own tests (in memory, no server), each against only
the tests that reach its function (mutmut 3's per-mutant test selection). The last line is
`RESULT mutation killed=... survived=... score=...` where score = killed / (killed + survived),
counting timeouts and suspicious runs as killed and mutants no test reaches ("no tests") as survived.
The survivors are listed above it; README.md states which are equivalent and why.

mutmut keeps its results in mutants/: a second run re-tests only the mutants of functions that
changed, and this script then re-tests every survivor, so tests added since the last run are tried
on them (a killed mutant stays killed when tests are added). `--fresh` deletes mutants/ first and
runs every mutant again; mutmut itself starts over when the test selection in pyproject.toml changes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
SURVIVING = ("survived", "no tests")


def mutmut(*args: str, capture: bool = False) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KINERJA_TEST_POSTGRES_URL"}  # the domain tests need no server
    return subprocess.run([str(MUTMUT), *args], cwd=HERE, env=env, capture_output=capture, text=True, check=False)


def survivors() -> list[str]:
    listing = mutmut("results", capture=True).stdout.splitlines()
    return [
        line.strip().rsplit(": ", 1)[0] for line in listing if line.strip().endswith(tuple(f": {s}" for s in SURVIVING))
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="delete mutmut's results and run every mutant")
    options = parser.parse_args()
    if options.fresh:
        shutil.rmtree(HERE / "mutants", ignore_errors=True)
    children = str(max(1, (os.cpu_count() or 2)))
    started = time.monotonic()
    runs = [mutmut("run", "--max-children", children)]
    again = survivors()
    if again:  # re-test every survivor against today's tests
        runs.append(mutmut("run", "--max-children", children, *again))
    if any(done.returncode for done in runs):  # mutmut stopped early: its counts would be partial
        print("mutmut run failed (its output is above): no RESULT line", file=sys.stderr)  # noqa: T201
        return 1
    minutes = (time.monotonic() - started) / 60
    mutmut("export-cicd-stats")
    stats = json.loads((HERE / "mutants" / "mutmut-cicd-stats.json").read_text())
    for name in survivors():
        print(name)  # noqa: T201
    killed = stats["killed"] + stats.get("timeout", 0) + stats.get("suspicious", 0)
    survived = stats["survived"] + stats.get("no_tests", 0)
    score = killed / (killed + survived) if killed + survived else 0.0
    print(  # noqa: T201
        f"mutants={stats['total']} of which no_tests={stats.get('no_tests', 0)} timeout={stats.get('timeout', 0)} "
        f"skipped={stats.get('skipped', 0)}; this run took {minutes:.1f} minutes"
    )
    print(f"RESULT mutation killed={killed} survived={survived} score={score:.3f}")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
