"""The README's Python examples run (docs that run)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quick_start_runs(capsys):
    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the Quick start has a Python example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md (Quick start)", "exec"), namespace)  # noqa: S102
    out = capsys.readouterr().out
    assert "doubling" in out
    rep = namespace["rep"]
    assert rep.trend.doubling_time_months_ > 0  # type: ignore[attr-defined]
