"""``.ci/run`` installs and tests exactly as the README's "run the tests" command says."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_sync_block_matches_the_readme_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r"Fresh machine, run the tests:\n\n```bash\n(.*?)\n```", readme, re.S)
    assert command is not None
    steps = [s.strip() for s in command.group(1).split("&&")]
    installs = [s for s in steps if s.startswith("pip install")]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    block = ci.split("# --- README", 1)[1].split("# ----", 1)[0]
    ci_installs = [ln.replace(" -q", "") for ln in block.splitlines()
                   if ln.startswith("pip install")]
    assert ci_installs == installs
    assert steps[-1] == "python -m pytest"
    # and CI runs the slow tests the default run deselects, and builds the docs
    assert "-m slow" in ci and "sphinx -W" in ci
