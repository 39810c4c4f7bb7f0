"""The layers of the Architecture table: api/ and web/ share services/, never each other.

Read from the source (every import statement, also those inside functions): a page that imports an API
module, or an API module that imports a page's, fails here. The one exception is the composition root,
api/main.py, which mounts the pages on the same app.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSITION_ROOT = ROOT / "api" / "main.py"
# A package's modules may not import these packages.
FORBIDDEN = {"api": {"web"}, "web": {"api"}, "services": {"api", "web"}, "domain": {"api", "web", "services"}}


def imported_packages(source: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_layer_imports_no_module_of_the_layers_it_must_not_know(package: str) -> None:
    crossing = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) & FORBIDDEN[package])
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != COMPOSITION_ROOT
    }
    assert {module: names for module, names in crossing.items() if names} == {}


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web import catalogue\n    import api.errors\n")
    assert imported_packages(module) == {"web", "api"}
