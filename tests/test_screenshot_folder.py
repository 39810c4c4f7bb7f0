"""The screenshots of a full run survive it (#13): test-artifacts/screenshots/ is emptied once per session, by the
`screenshots` fixture (tests/conftest.py), and no browser test empties it itself (the whole-cycle test did, so the
shots of every browser module that ran before it were lost).

Read from the tests' source: each module that takes a screenshot asks for the fixture (itself, or through the
browser modules' `env` of test_web_browser.py), and only conftest.py deletes anything there.
"""

from __future__ import annotations

import ast
from pathlib import Path

HERE = Path(__file__).resolve()
TESTS = HERE.parent


def _parameters(tree: ast.AST) -> set[str]:
    return {
        a.arg
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for a in node.args.args
    }


def test_every_module_that_takes_screenshots_asks_for_the_folder_once_emptied() -> None:
    takers = [p for p in sorted(TESTS.glob("test_*.py")) if ".screenshot(path=" in p.read_text() and p != HERE]
    assert len(takers) >= 6
    for path in takers:
        parameters = _parameters(ast.parse(path.read_text()))
        assert "screenshots" in parameters or "env" in parameters, f"{path.name} writes shots without the fixture"
    assert "screenshots" in _parameters(ast.parse((TESTS / "test_web_browser.py").read_text()))  # env asks for it


def test_no_test_module_deletes_screenshots() -> None:
    for path in sorted(TESTS.glob("*.py")):
        if path.name == "conftest.py" or path == HERE:
            continue
        source = path.read_text()
        assert not ("SHOTS" in source and (".unlink(" in source or "rmtree(" in source)), path.name
