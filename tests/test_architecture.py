"""The house rules that a reader relies on (issue 11): no import cycle, TYPE_CHECKING imports
included; data flows one way through the layers and through the leaderboard's modules; every
public module defines ``__all__``; no module is over 600 lines, with no exceptions; build tools
stay out of the runtime package (issue 21)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "densing"
MAX_LINES = 600  # data files are not modules

#: modules that moved out of the runtime package: old place -> new place
MOVED = {
    "densing/_frame_check.py": "scripts/_builders/frame_check.py",
}

#: lower layers never import higher ones (data -> reference -> density -> trend -> report)
LAYERS = ["fitting", "laws", "datasets", "reference", "density", "trend", "report"]

#: the leaderboard's modules in import order: each imports only modules of earlier groups
LEADERBOARD_ORDER = [{"state"}, {"store", "inputs", "result"}, {"_changes", "compute"},
                     {"render"}, {"board"}]


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in SRC.rglob("*.py")}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every densing module that ``name`` imports anywhere (functions and TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text())
    is_pkg = path.name == "__init__.py"
    out = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base if is_pkg else base[:-1]
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        for t in targets:
            while t and t not in known:
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("densing"):
                out.add(t)
    return out


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: _imports(m, p, known) for m, p in mods.items()}


def _is_inside(child: str, package: str) -> bool:
    return child == package or child.startswith(package + ".")


def test_no_import_cycle() -> None:
    # a package's __init__ re-exporting its own submodules is not a cycle; anything else is
    graph = {m: {t for t in deps if not _is_inside(t, m)} for m, deps in _graph().items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph.get(m, ())):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def _layer(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def test_layers_run_one_way() -> None:
    bad = []
    for m, deps in _graph().items():
        lm = _layer(m)
        if lm is None:
            continue
        for t in deps:
            lt = _layer(t)
            if lt is not None and lt > lm:
                bad.append(f"{m} -> {t}")
    assert not bad, bad


@pytest.mark.parametrize("name", sorted(n for n in _modules() if not any(
    part.startswith("_") for part in n.split(".")[1:])))
def test_public_module_defines_all(name: str) -> None:
    tree = ast.parse(_modules()[name].read_text())
    names = {t.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
             for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
             if isinstance(t, ast.Name)}
    assert "__all__" in names, f"{name} has no __all__"


def test_leaderboard_imports_run_one_way() -> None:
    group = {f"densing.leaderboard.{m}": i for i, g in enumerate(LEADERBOARD_ORDER) for m in g}
    inside = {m for m in _modules() if m.startswith("densing.leaderboard.")}
    assert inside == set(group), f"place each leaderboard module in LEADERBOARD_ORDER: {inside}"
    graph = _graph()
    bad = [f"{m} -> {t}" for m in sorted(group) for t in sorted(graph[m])
           if t in group and group[t] >= group[m]]
    assert not bad, bad


def test_modules_are_small() -> None:
    lengths = {n: len(p.read_text().splitlines()) for n, p in _modules().items()}
    over = {n: k for n, k in lengths.items() if k > MAX_LINES}
    assert not over, f"over {MAX_LINES} lines: {over}"


@pytest.mark.parametrize("old", sorted(MOVED))
def test_moved_modules_stay_moved(old: str) -> None:
    repo = SRC.parents[1]
    assert not (SRC.parent / old).exists(), f"{old} is back in the package"
    assert (repo / MOVED[old]).is_file(), f"{MOVED[old]} is missing"
    stem = "densing." + old.removeprefix("densing/").removesuffix(".py").replace("/", ".")
    users = [str(p.relative_to(repo)) for top in ("src", "scripts", "tests", "benchmarks")
             for p in (repo / top).rglob("*.py")
             if p.name != "test_architecture.py" and stem in p.read_text()]
    assert not users, f"{stem} is still imported by {users}"
