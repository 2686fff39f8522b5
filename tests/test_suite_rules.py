"""Rules of the test suite itself (issue 21): helpers and fixtures are shared through
``conftest.py`` and ``tests/_*.py`` helper modules, never imported from another test module
(importing one runs its module-level code and ties the two files' lifetimes together)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
    return names


def test_no_test_module_imports_another_test_module() -> None:
    test_modules = {p.stem for p in TESTS.glob("test_*.py")}
    offenders = {
        p.name: sorted(_imported_modules(p) & (test_modules | {"tests"}))
        for p in sorted(TESTS.glob("*.py"))
    }
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"import the helper from conftest.py or tests/_*.py: {offenders}"


def test_the_rule_sees_an_import_it_forbids(tmp_path: Path) -> None:
    """The checker is not vacuous: both import forms of a test module are caught."""
    bad = tmp_path / "test_x.py"
    bad.write_text("from test_leaderboard import rows\nimport test_faults\n", encoding="utf-8")
    assert _imported_modules(bad) >= {"test_leaderboard", "test_faults"}
