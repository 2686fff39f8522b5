"""Shared by the README-table tests: ``scripts/readme_tables.py`` loaded as a module, and the
generated blocks as committed in the README and the docs pages."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "readme_tables.py"
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: the blocks of ``densing.sensitivity()`` (the longest computation): checked in
#: tests/test_readme_tables_sensitivity.py, the rest in tests/test_readme_tables.py, so that the
#: two halves of the rebuild run on different workers of the slow run
SENSITIVITY_BLOCKS = ("sensitivity", "robustness", "sensitivity_range")


def load_script() -> ModuleType:
    """``scripts/readme_tables.py`` as the module ``readme_tables`` (loaded once)."""
    if "readme_tables" in sys.modules:
        return sys.modules["readme_tables"]
    spec = importlib.util.spec_from_file_location("readme_tables", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules["readme_tables"] = mod
    spec.loader.exec_module(mod)
    return mod


rt = load_script()


def committed() -> dict[str, str]:
    """Every generated block as committed in the README and the docs pages, by name."""
    out: dict[str, str] = {}
    for path in rt.documents(README, DOCS):
        out.update(rt.read_blocks(path.read_text(encoding="utf-8")))
    return out
