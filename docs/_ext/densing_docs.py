"""Sphinx helpers for the densing docs: the API reference and the executed example gallery.

``densing-api`` (a directive) documents every name in the ``__all__`` of the modules it is
given, each object once: a name a module re-exports from one documented earlier becomes a
cross-reference. The gallery runs each ``examples/*.py`` (``# %%`` cells, ``# %% [markdown]``
text) when the docs build, cell by cell in one namespace, and writes ``docs/gallery/<name>.md``
with each cell's code, its printed output and the figures the script saves.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import io
import os
import sys
from pathlib import Path
from typing import Any

from docutils.parsers.rst import Directive
from sphinx.application import Sphinx

DOCS = Path(__file__).resolve().parents[1]
EXAMPLES = DOCS.parent / "examples"
GALLERY = DOCS / "gallery"


class DensingApi(Directive):
    """``.. densing-api:: module [module ...]``: autodoc entries for each module's ``__all__``."""

    has_content = False
    required_arguments = 1
    optional_arguments = 50

    def run(self) -> list[Any]:
        env = self.state.document.settings.env
        seen: dict[int, str] = env.temp_data.setdefault("densing_api_seen", {})
        lines: list[str] = []
        for modname in self.arguments:
            module = importlib.import_module(modname)
            title = f"``{modname}``"
            lines += [title, "-" * len(title), "", f".. automodule:: {modname}", "   :no-members:",
                      ""]
            refs: list[str] = []
            for name in module.__all__:
                obj = getattr(module, name)
                full = f"{modname}.{name}"
                key = id(obj)
                if key in seen and not isinstance(obj, (int, float, str, tuple, frozenset)):
                    refs.append(f"``{name}`` (see :py:obj:`{seen[key]}`)")
                    continue
                if inspect.isclass(obj):
                    lines += [f".. autoclass:: {full}", "   :members:", ""]
                elif callable(obj):
                    lines += [f".. autofunction:: {full}", ""]
                else:
                    lines += [f".. autodata:: {full}", "   :annotation:", ""]
                seen[key] = full
            if refs:
                lines += ["Also available here: " + ", ".join(refs) + ".", ""]
        self.state_machine.insert_input(lines, f"densing-api:{self.arguments[0]}")
        return []


def _cells(source: str) -> list[tuple[str, str]]:
    """Split a ``# %%`` script into ``(kind, text)`` cells; kind is ``markdown`` or ``code``."""
    cells: list[tuple[str, list[str]]] = []
    for line in source.splitlines():
        if line.startswith("# %%"):
            cells.append(("markdown" if "[markdown]" in line else "code", []))
        elif cells:
            cells[-1][1].append(line)
    out = []
    for kind, body in cells:
        if kind == "markdown":
            text = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in body)
        else:
            text = "\n".join(body)
        if text.strip():
            out.append((kind, text.strip("\n")))
    return out


def _run_example(path: Path) -> str:
    """Execute one example cell by cell; return the MyST page with code, output and figures."""
    figure = GALLERY / f"{path.stem}.png"
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    argv, cwd = sys.argv, os.getcwd()
    sys.argv = [str(path), str(figure)]
    parts = [f"<!-- generated from examples/{path.name} when the docs build; do not edit -->", ""]
    try:
        for kind, text in _cells(path.read_text(encoding="utf-8")):
            if kind == "markdown":
                parts += [text, ""]
                continue
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile(text, str(path), "exec"), namespace)  # noqa: S102 - our own example
            parts += ["```python", text, "```", ""]
            printed = buffer.getvalue().rstrip()
            if printed:
                parts += ["```text", printed, "```", ""]
    finally:
        sys.argv = argv
        os.chdir(cwd)
    if figure.exists():
        parts += [f"![The figure the example saves]({figure.name})", ""]
    parts += [f"Run it yourself: `python examples/{path.name} out.png`.", ""]
    return "\n".join(parts)


def build_gallery(app: Sphinx) -> None:
    """Run every example and write its gallery page (and the gallery's index)."""
    GALLERY.mkdir(exist_ok=True)
    names = []
    for path in sorted(EXAMPLES.glob("*.py")):
        (GALLERY / f"{path.stem}.md").write_text(_run_example(path), encoding="utf-8")
        names.append(path.stem)
    index = ["# Gallery", "", "The examples in `examples/`, run when these pages were built.", "",
             "```{toctree}", ":maxdepth: 1", "", *names, "```", ""]
    (GALLERY / "index.md").write_text("\n".join(index), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directive and the gallery build."""
    app.add_directive("densing-api", DensingApi)
    app.connect("builder-inited", build_gallery)
    return {"parallel_read_safe": False, "version": "0.1"}
