"""The production image and the installed package hold every module the API and the worker import.

The Dockerfile copied neither `services/` nor `transparency/` and pyproject's package list lacked
`services`: the editable install of the tests hid it, and an image built from docker-compose.yml
would have failed at its first import. The import graph is read from the code itself (modulefinder),
so a new top-level package that the processes use cannot be left out again unnoticed.
"""

from __future__ import annotations

import re
import tomllib
from modulefinder import ModuleFinder
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY_POINTS = ["worker.py", "api/main.py", "cli.py"]  # the image's commands: worker, uvicorn api.main:app, kinerja


def local_imports() -> set[str]:
    """Top-level names of this repository's modules that the entry points import, directly or not."""
    local = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} | {p.stem for p in ROOT.glob("*.py")}
    found: set[str] = set()
    for entry in ENTRY_POINTS:
        finder = ModuleFinder(path=[str(ROOT)], excludes=["tests"])
        finder.run_script(str(ROOT / entry))
        found |= {name.split(".")[0] for name in finder.modules} & local
    return found - {"__main__"}


def test_every_module_the_processes_import_is_installed_and_copied_into_the_image() -> None:
    used = local_imports()
    assert {"domain", "services", "transparency", "web", "settings"} <= used  # the finder sees the graph
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    installed = set(config["packages"]) | set(config["py-modules"])
    assert used - installed == set(), "add these to [tool.setuptools] packages / py-modules"
    copied = set()
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if match := re.match(r"COPY\s+(.+)\s+\S+$", line):
            copied |= {Path(p).stem if p.endswith(".py") else p for p in match.group(1).split()}
    assert used - copied == set(), "add these to the Dockerfile's COPY lines"


def test_the_message_catalogue_is_package_data() -> None:
    """The pages and the API read services/locale/*/LC_MESSAGES/messages.po at run time (services/catalogue.py): an
    installed package (the image runs `pip install .`) must carry them, or every refusal falls back to English."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    catalogues = sorted((ROOT / "services" / "locale").glob("*/LC_MESSAGES/messages.po"))
    assert {p.parent.parent.name for p in catalogues} == {"id", "en"}
    for po in catalogues:
        inside = po.relative_to(ROOT / "services")
        assert any(inside.match(p) for p in config["services"]), f"{inside} is not in services' package-data"
