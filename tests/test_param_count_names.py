"""Parameter-count names: one set of names per use, defined once (issue 21).

Every entry point that takes a parameter-count name checks it with
``check_param_count_name`` against a subset named in :mod:`densing.conventions`, so a bad name
gets the same one-line message everywhere. No other module spells the names out as a tuple.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from densing import conventions
from densing.exceptions import InputError

SRC = Path(__file__).resolve().parents[1] / "src" / "densing"

#: the four names, written out here on purpose: the test's own copy, not the package's
NAMES = {"total", "non_embedding", "no_input_embedding", "active"}
#: what each entry point must say for the bad name ``name``, spelled out independently
TARGET_MESSAGE = "param_count={!r} is not one of 'total', 'non_embedding', 'active'"
SHARED_MESSAGE = "param_count={!r} is not one of 'total', 'non_embedding'"


def _leaderboard_init(tmp_path: Path, name: object) -> None:
    from densing.leaderboard import Leaderboard

    Leaderboard.init(tmp_path / "board", param_count=name)  # type: ignore[arg-type]


def _count_model_parameters(tmp_path: Path, name: object) -> None:
    from densing.evaluate.measure import count_model_parameters

    # the name is checked before the model is opened: the path does not even exist
    count_model_parameters(tmp_path / "no-such-model", name)  # type: ignore[arg-type]


def _compute_density(tmp_path: Path, name: object) -> None:
    import pandas as pd

    from densing.density import compute_density

    scores = pd.DataFrame({"model": ["m"], "benchmark": ["average"], "protocol": ["rc-5shot"],
                           "score": [0.5]})
    models = pd.DataFrame({"model": ["m"], "n_params": [1e9], "release_date": ["2024-01-01"]})
    compute_density(scores, models, param_count=name)  # type: ignore[arg-type]


def _reproduce(tmp_path: Path, name: object) -> None:
    from densing.report import reproduce

    reproduce(param_count=name, n_bootstrap=10)  # type: ignore[arg-type]


TARGET_ENTRIES = {"Leaderboard.init": _leaderboard_init,
                  "count_model_parameters": _count_model_parameters,
                  "compute_density": _compute_density}


@pytest.mark.parametrize("bad", ["totl", "Total", "no_input_embedding"])
@pytest.mark.parametrize("entry", sorted(TARGET_ENTRIES))
def test_target_entry_points_give_one_message(entry: str, bad: str, tmp_path: Path) -> None:
    # no_input_embedding is a real convention, but not one a target model is counted in
    with pytest.raises(InputError) as err:
        TARGET_ENTRIES[entry](tmp_path, bad)
    assert str(err.value) == TARGET_MESSAGE.format(bad)
    assert not (tmp_path / "board").exists()  # the leaderboard wrote nothing


@pytest.mark.parametrize("bad", ["totl", "active"])
def test_reproduce_gives_the_same_message_for_its_names(bad: str, tmp_path: Path) -> None:
    # reproduce fits the frame and counts the models alike: active has no reference column
    with pytest.raises(InputError) as err:
        _reproduce(tmp_path, bad)
    assert str(err.value) == SHARED_MESSAGE.format(bad)


def test_named_subsets_are_what_their_docstrings_say() -> None:
    assert set(conventions.PARAM_COUNTS) == NAMES
    assert conventions.MODEL_PARAM_COUNTS == ("total", "non_embedding", "active")
    assert conventions.SHARED_PARAM_COUNTS == ("total", "non_embedding")
    assert conventions.FRAME_PARAM_COUNTS == ("total", "non_embedding", "no_input_embedding")


def _spelled_name_sets(source: str) -> list[tuple[int, tuple[str, ...], bool]]:
    """(line, names, inside ``Literal[...]``) of every tuple, list or set literal of two or
    more strings that are all parameter-count names."""
    tree = ast.parse(source)
    literal_slices = {id(node.slice) for node in ast.walk(tree)
                      if isinstance(node, ast.Subscript)
                      and (getattr(node.value, "id", None) == "Literal"
                           or getattr(node.value, "attr", None) == "Literal")}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Tuple | ast.List | ast.Set) or len(node.elts) < 2:
            continue
        values = [e.value for e in node.elts
                  if isinstance(e, ast.Constant) and isinstance(e.value, str)]
        if len(values) == len(node.elts) and all(v in NAMES for v in values):
            found.append((node.lineno, tuple(values), id(node) in literal_slices))
    return found


def test_the_detector_finds_the_old_spellings() -> None:
    old = ('if convention not in ("total", "non_embedding", "active"):\n    pass\n'
           'p.add_argument("--param-count", choices=["total", "non_embedding"])\n'
           'ok = ("total", "n_params")\n'
           'T = Literal["total", "active"]\n')
    assert sorted(_spelled_name_sets(old)) == [
        (1, ("total", "non_embedding", "active"), False),
        (3, ("total", "non_embedding"), False),
        (5, ("total", "active"), True),
    ]


def test_no_module_but_conventions_spells_a_set_of_names() -> None:
    subsets = {frozenset(conventions.PARAM_COUNTS), frozenset(conventions.FRAME_PARAM_COUNTS),
               frozenset(conventions.MODEL_PARAM_COUNTS),
               frozenset(conventions.SHARED_PARAM_COUNTS)}
    spelled, drifting = [], []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "conventions.py":
            continue
        for line, names, in_literal in _spelled_name_sets(path.read_text()):
            where = f"{path.relative_to(SRC.parent)}:{line} {names}"
            if not in_literal:
                spelled.append(where)
            elif frozenset(names) not in subsets:
                # a typing.Literal must spell its names; they must still be a named subset
                drifting.append(where)
    assert not spelled, f"use a subset from densing.conventions instead: {spelled}"
    assert not drifting, f"Literal types that match no subset of densing.conventions: {drifting}"
