"""Bad input to the reference frame, density and law APIs, and corrupted saved frames.

Each case asserts the exception type (a :class:`densing.DensingError` subclass) and a one-line
message that names the bad value (issue 10, items 4 and 5). Fast: the shipped ``olmo-ladder``
JSON, tiny tables, no refit of the full frame.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from densing.cli import main
from densing.density import compute_density, density_draws
from densing.exceptions import (
    DataFormatError,
    DensingError,
    InputError,
    NotFittedError,
    ScoreOutOfRangeError,
)
from densing.laws import LossLaw, ScoreLaw
from densing.reference import ReferenceFrame, load_frame


@pytest.fixture(scope="module")
def shipped(frame: ReferenceFrame) -> ReferenceFrame:
    """The shared ``frame`` fixture (conftest.py): the shipped olmo-ladder frame."""
    return frame


def scores(**cols: Any) -> pd.DataFrame:
    base = {"model": ["m"], "benchmark": ["hellaswag"], "protocol": ["rc-5shot"],
            "score": [0.5]}
    base.update(cols)
    return pd.DataFrame(base)


MODELS = pd.DataFrame({"model": ["m"], "n_params": [7e9], "release_date": ["2024-01-01"]})


def tiny_runs() -> pd.DataFrame:
    """A valid tidy reference table: 5 runs x 3 checkpoints, one benchmark (synthetic)."""
    rows = []
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8, 1.6e9)):
        for step, frac in ((1, 0.3), (2, 0.6), (3, 1.0)):
            d = 20 * n * frac * (1 + 0.5 * (i % 2))
            loss = 2.0 * (n / 1e9) ** -0.2 + 1.5 * (d / 1e11) ** -0.15
            rows.append({"run": f"r{i}", "n_params": n, "tokens": d, "step": step,
                         "is_final": step == 3, "benchmark": "hellaswag", "loss": loss,
                         "score": 0.25 + 0.7 / (1 + math.exp(6 * (loss - 3.0)))})
    return pd.DataFrame(rows)


def law_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.repeat([1e8, 3e8, 1e9, 3e9], 2)
    d = n * np.tile([20.0, 60.0], 4)
    return n, d, 2.0 * (n / 1e9) ** -0.3 + 3.0 * (d / 1e11) ** -0.25


def one_line_naming(exc: BaseException, *needles: str) -> None:
    msg = str(exc)
    assert "\n" not in msg, msg
    assert "np.float64" not in msg and "np.int64" not in msg, msg
    for needle in needles:
        assert needle in msg, f"{needle!r} not in {msg!r}"


# -- ReferenceFrame.effective_params and friends -----------------------------------------------
FrameCase = tuple[str, Callable[[ReferenceFrame], Any], type[DensingError], tuple[str, ...]]
FRAME_CASES: list[FrameCase] = [
    ("tokens text", lambda f: f.effective_params(0.5, "hellaswag", tokens="abc"),
     InputError, ("tokens", "'abc'")),
    ("tokens negative", lambda f: f.effective_params(0.5, "hellaswag", tokens=-1e12),
     InputError, ("tokens", "-1e+12")),
    ("tokens zero", lambda f: f.effective_params(0.5, "hellaswag", tokens=0),
     InputError, ("tokens=0",)),
    ("tokens nan", lambda f: f.effective_params(0.5, "hellaswag", tokens=float("nan")),
     InputError, ("tokens", "nan")),
    ("tokens inf", lambda f: f.effective_params(0.5, "hellaswag", tokens=float("inf")),
     InputError, ("tokens", "inf")),
    ("tokens bool", lambda f: f.effective_params(0.5, "hellaswag", tokens=True),
     InputError, ("tokens", "True")),
    ("tokens list", lambda f: f.effective_params(0.5, "hellaswag", tokens=[1e12]),
     InputError, ("tokens", "[1000000000000.0]")),
    ("ci 2", lambda f: f.effective_params(0.5, "hellaswag", ci=2),
     InputError, ("ci=2",)),
    ("ci nan", lambda f: f.effective_params(0.5, "hellaswag", ci=float("nan")),
     InputError, ("ci", "nan")),
    ("ci 0", lambda f: f.effective_params(0.5, "hellaswag", ci=0),
     InputError, ("ci=0",)),
    ("ci 1", lambda f: f.effective_params(0.5, "hellaswag", ci=1.0),
     InputError, ("ci", "1.0")),
    ("ci negative", lambda f: f.effective_params(0.5, "hellaswag", ci=-0.5),
     InputError, ("ci", "-0.5")),
    ("ci text", lambda f: f.effective_params(0.5, "hellaswag", ci="0.9"),
     InputError, ("ci", "'0.9'")),
    ("ci bool", lambda f: f.effective_params(0.5, "hellaswag", ci=True),
     InputError, ("ci", "True")),
    ("score True", lambda f: f.effective_params(True), InputError, ("score", "True")),
    ("score bool array", lambda f: f.effective_params(np.array([True, False]), "hellaswag"),
     InputError, ("score", "booleans")),
    ("score text", lambda f: f.effective_params("abc", "hellaswag"),
     InputError, ("score", "'abc'")),
    ("score percent", lambda f: f.effective_params(55.0, "hellaswag"),
     InputError, ("score", "55.0", "percentages")),
    ("score negative", lambda f: f.effective_params(-0.1, "hellaswag"),
     InputError, ("score", "-0.1")),
    ("score nan", lambda f: f.effective_params([0.5, float("nan")], "hellaswag"),
     InputError, ("score", "nan")),
    ("score 1e400", lambda f: f.effective_params(1e400, "hellaswag"),
     InputError, ("score", "inf")),
    ("unknown benchmark", lambda f: f.effective_params(0.5, "mmlu_pro"),
     InputError, ("'mmlu_pro'",)),
    ("benchmark number", lambda f: f.effective_params(0.5, 3), InputError, ("3",)),
    ("strict below floor", lambda f: f.effective_params(0.1, "hellaswag", strict=True),
     ScoreOutOfRangeError, ("0.1", "below_floor", "'hellaswag'")),
    ("draws: text score", lambda f: f.effective_params_draws("x", "hellaswag"),
     InputError, ("score", "'x'")),
    ("draws: text tokens", lambda f: f.effective_params_draws(0.5, "hellaswag", tokens="abc"),
     InputError, ("tokens", "'abc'")),
    ("range: negative tokens", lambda f: f.valid_score_range("hellaswag", tokens=-5),
     InputError, ("tokens", "-5")),
    ("density_draws: text tokens", lambda f: density_draws(
        pd.DataFrame({"score": [0.5], "n_params": [7e9]}), f, "hellaswag", tokens="x"),
     InputError, ("tokens", "'x'")),
]


@pytest.mark.parametrize(("name", "call", "error", "needles"), FRAME_CASES,
                         ids=[c[0] for c in FRAME_CASES])
def test_frame_api_bad_input(shipped: ReferenceFrame, name: str, call: Any,
                             error: type[DensingError], needles: tuple[str, ...]) -> None:
    with pytest.raises(error) as info:
        call(shipped)
    assert isinstance(info.value, DensingError)
    one_line_naming(info.value, *needles)


# -- compute_density ----------------------------------------------------------------------------
DENSITY_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("ci 5", {"ci": 5}, ("ci=5",)),
    ("ci nan", {"ci": float("nan")}, ("ci", "nan")),
    ("ci text", {"ci": "high"}, ("ci", "'high'")),
    ("protocol_map list", {"protocol_map": [1, 2]}, ("protocol_map", "[1, 2]")),
    ("protocol_map text", {"protocol_map": "rc"}, ("protocol_map", "'rc'")),
    ("protocol_map number value", {"protocol_map": {"a": 1}}, ("protocol_map", "'a'", "1")),
    ("tokens text", {"tokens": "abc"}, ("tokens", "'abc'")),
    ("tokens negative", {"tokens": -1.0}, ("tokens", "-1.0")),
    ("random_state text", {"random_state": "x"}, ("random_state", "'x'")),
    ("random_state negative", {"random_state": -1}, ("random_state", "-1")),
    ("random_state float", {"random_state": 1.5}, ("random_state", "1.5")),
    ("param_count unknown", {"param_count": "billions"}, ("param_count", "'billions'")),
    ("frame unknown name", {"frame": "pythia"}, ("'pythia'",)),
]


@pytest.mark.parametrize(("name", "kwargs", "needles"), DENSITY_CASES,
                         ids=[c[0] for c in DENSITY_CASES])
def test_compute_density_bad_input(shipped: ReferenceFrame, name: str, kwargs: dict[str, Any],
                                   needles: tuple[str, ...]) -> None:
    kwargs = {"frame": shipped, **kwargs}
    with pytest.raises(InputError) as info:
        compute_density(scores(), MODELS, **kwargs)
    one_line_naming(info.value, *needles)


def test_compute_density_unfitted_frame() -> None:
    with pytest.raises(NotFittedError) as info:
        compute_density(scores(), MODELS, ReferenceFrame())
    one_line_naming(info.value, "ReferenceFrame.fit")


# -- ReferenceFrame.fit settings and the laws ---------------------------------------------------
n0, d0, l0 = law_data()
FIT_CASES: list[tuple[str, Callable[[], Any], tuple[str, ...]]] = [
    ("n_bootstrap negative", lambda: ReferenceFrame(n_bootstrap=-3).fit(tiny_runs()),
     ("n_bootstrap", "-3")),
    ("n_bootstrap text", lambda: ReferenceFrame(n_bootstrap="x").fit(tiny_runs()),
     ("n_bootstrap", "'x'")),
    ("n_bootstrap float", lambda: ReferenceFrame(n_bootstrap=2.5).fit(tiny_runs()),
     ("n_bootstrap", "2.5")),
    ("random_state text", lambda: ReferenceFrame(random_state="x").fit(tiny_runs()),
     ("random_state", "'x'")),
    ("param_count unknown", lambda: ReferenceFrame(param_count="billions").fit(tiny_runs()),
     ("param_count", "'billions'")),
    ("floor unknown", lambda: ReferenceFrame(floor="median").fit(tiny_runs()),
     ("floor", "'median'")),
    ("runs not a table", lambda: ReferenceFrame().fit([1, 2]), ("runs", "list")),
    ("runs negative loss", lambda: ReferenceFrame().fit(tiny_runs().assign(loss=-1.0)),
     ("loss", "-1.0", "'r0'")),
    ("law n_bootstrap 0", lambda: LossLaw().fit(n0, d0, l0).bootstrap(n0, d0, l0, n_bootstrap=0),
     ("n_bootstrap", "0")),
    ("law n_bootstrap text", lambda: LossLaw().fit(n0, d0, l0).bootstrap(
        n0, d0, l0, n_bootstrap="many"), ("n_bootstrap", "'many'")),
    ("law n_params text", lambda: LossLaw().fit(["7B"] * 8, d0, l0), ("n_params", "7B")),
    ("law billions", lambda: LossLaw().fit(n0 / 1e9, d0, l0), ("billions",)),
    ("score law percent", lambda: ScoreLaw().fit(np.linspace(1, 2, 8), np.linspace(30, 60, 8)),
     ("60", "percentages")),
]


@pytest.mark.parametrize(("name", "call", "needles"), FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_bad_input(name: str, call: Any, needles: tuple[str, ...]) -> None:
    with pytest.raises(InputError) as info:
        call()
    one_line_naming(info.value, *needles)


# -- saved frames: every value checked when loaded (issue 10 item 4) ---------------------------
def _set(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        node = d
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return edit


def _hs(law: str, param: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return _set(("benchmarks", "hellaswag", law, "params", param), value)


def _draw(law: str, col: int, value: float) -> Callable[[dict[str, Any]], None]:
    def edit(d: dict[str, Any]) -> None:
        d["benchmarks"]["hellaswag"][law]["bootstrap_draws"][7][col] = value
    return edit


def _bad_average(d: dict[str, Any]) -> None:
    d["settings"]["averages"]["average_llv1"] = ["arc_challenge", "hellaswag", "nope_task"]
    d["benchmarks"]["average_llv1"]["tasks"] = ["arc_challenge", "hellaswag", "nope_task"]


def _drop_draw_column(d: dict[str, Any]) -> None:
    draws = d["benchmarks"]["hellaswag"]["loss_law"]["bootstrap_draws"]
    d["benchmarks"]["hellaswag"]["loss_law"]["bootstrap_draws"] = [r[:3] for r in draws]


def _drop_draw_row(d: dict[str, Any]) -> None:
    d["benchmarks"]["hellaswag"]["score_law"]["bootstrap_draws"].pop()


def _fewer_draws_elsewhere(d: dict[str, Any]) -> None:
    for law in ("loss_law", "score_law"):
        d["benchmarks"]["piqa"][law]["bootstrap_draws"].pop()


def _fixed_floor(d: dict[str, Any]) -> None:
    d["benchmarks"]["hellaswag"]["score_law"]["floor"] = 0.25  # d is 0.26..., not 0.25


def _tasks_disagree(d: dict[str, Any]) -> None:
    d["benchmarks"]["average_llv1"]["tasks"] = ["hellaswag"]


LOAD_CASES: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("alpha negative", _hs("loss_law", "alpha", -0.3), ("alpha", "-0.3")),
    ("alpha nan", _hs("loss_law", "alpha", float("nan")), ("alpha", "nan")),
    ("alpha zero", _hs("loss_law", "alpha", 0.0), ("alpha", "0.0")),
    ("beta negative", _hs("loss_law", "beta", -0.1), ("beta", "-0.1")),
    ("a zero", _hs("loss_law", "a", 0), ("'hellaswag'", " a must", "got 0")),
    ("b infinite", _hs("loss_law", "b", float("inf")), ("b", "inf")),
    ("alpha text", _hs("loss_law", "alpha", "steep"), ("alpha", "'steep'")),
    ("alpha missing", lambda d: d["benchmarks"]["hellaswag"]["loss_law"]["params"].pop("alpha"),
     ("params lacks", "alpha")),
    ("c infinite", _hs("score_law", "c", float("inf")), ("c must", "inf")),
    ("c negative", _hs("score_law", "c", -0.2), ("c must", "-0.2")),
    ("gamma positive", _hs("score_law", "gamma", 5.0), ("gamma", "5.0")),
    ("d negative", _hs("score_law", "d", -0.05), ("d must", "-0.05")),
    ("ceiling above bound", _hs("score_law", "c", 0.9), ("ceiling", "max_ceiling")),
    ("max_ceiling zero", _set(("benchmarks", "hellaswag", "score_law", "max_ceiling"), 0),
     ("max_ceiling", "0")),
    ("fixed floor mismatch", _fixed_floor, ("fixed floor", "0.25")),
    ("param_count unknown", _set(("settings", "param_count"), "billions"),
     ("param_count", "'billions'")),
    ("tokens negative", _set(("settings", "tokens"), -1.0), ("settings.tokens", "-1.0")),
    ("n_bootstrap negative", _set(("settings", "n_bootstrap"), -2), ("n_bootstrap", "-2")),
    ("average member unknown", _bad_average, ("average_llv1", "'nope_task'")),
    ("average tasks disagree", _tasks_disagree, ("average_llv1", "differ")),
    ("draw shape", _drop_draw_column, ("bootstrap_draws", "(200, 3)")),
    ("draw alpha negative", _draw("loss_law", 1, -0.5), ("bootstrap draw", "alpha", "-0.5")),
    ("draw gamma nan", _draw("score_law", 1, float("nan")), ("bootstrap draw", "gamma", "nan")),
    ("draw counts differ between laws", _drop_draw_row, ("200", "199")),
    ("draw counts differ between benchmarks", _fewer_draws_elsewhere, ("199", "200")),
    ("size_range reversed", _set(("benchmarks", "hellaswag", "size_range"), [5e9, 1e8]),
     ("size_range", "5e+09")),
    ("max_score above 1", _set(("benchmarks", "hellaswag", "max_score"), 2), ("max_score", "2")),
    ("n_runs negative", _set(("benchmarks", "hellaswag", "n_runs"), -1), ("n_runs", "-1")),
    ("wrong format", _set(("format",), "other/2"), ("format", "'other/2'")),
]


@pytest.fixture(scope="module")
def saved(shipped: ReferenceFrame) -> dict[str, Any]:
    return shipped.to_dict()


@pytest.mark.parametrize(("name", "edit", "needles"), LOAD_CASES, ids=[c[0] for c in LOAD_CASES])
def test_corrupted_frame_is_refused_on_load(saved: dict[str, Any], name: str, edit: Any,
                                            needles: tuple[str, ...], tmp_path: Path) -> None:
    data = copy.deepcopy(saved)
    edit(data)
    path = tmp_path / "frame.json"
    path.write_text(json.dumps(data))  # NaN / Infinity are written as JSON allows
    with pytest.raises(DataFormatError) as info:
        ReferenceFrame.load(path)
    one_line_naming(info.value, str(path), *needles)
    with pytest.raises(DataFormatError):  # the same check through load_frame
        load_frame(str(path))


def test_irreducible_term_negative_is_refused(tmp_path: Path) -> None:
    data = load_frame("olmo-ladder+E").to_dict()
    data["benchmarks"]["piqa"]["loss_law"]["params"]["E"] = -0.01
    path = tmp_path / "e.json"
    path.write_text(json.dumps(data))
    with pytest.raises(DataFormatError) as info:
        ReferenceFrame.load(path)
    one_line_naming(info.value, "'piqa'", "E must be >= 0", "-0.01")


RAW_CASES: list[tuple[str, bytes, tuple[str, ...]]] = [
    ("not UTF-8", b'{"format": "densing.ReferenceFrame/1", "name": "\xff\xfe"}',
     ("not UTF-8", "0xff")),
    ("nested too deeply", b"[" * 200_000 + b"]" * 200_000, ("nested too deeply",)),
    ("a JSON list", b"[1, 2, 3]", ("list",)),
    ("truncated", b'{"format": "densing.Ref', ("not valid JSON",)),
]


@pytest.mark.parametrize(("name", "raw", "needles"), RAW_CASES, ids=[c[0] for c in RAW_CASES])
def test_unreadable_frame_file(name: str, raw: bytes, needles: tuple[str, ...],
                               tmp_path: Path) -> None:
    path = tmp_path / "frame.json"
    path.write_bytes(raw)
    with pytest.raises(DataFormatError) as info:
        load_frame(str(path))
    one_line_naming(info.value, str(path), *needles)


def test_cli_refuses_a_corrupted_frame_in_one_line(saved: dict[str, Any], tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    data = copy.deepcopy(saved)
    data["benchmarks"]["hellaswag"]["loss_law"]["params"]["alpha"] = -0.3
    frame_path = tmp_path / "bad.json"
    frame_path.write_text(json.dumps(data))
    scores_path = tmp_path / "scores.csv"
    scores().to_csv(scores_path, index=False)
    out = tmp_path / "out.csv"
    code = main(["density", "--scores", str(scores_path), "--frame", str(frame_path),
                 "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and "alpha" in lines[0] and "-0.3" in lines[0], err
    assert "Traceback" not in err
    assert not out.exists()


def test_a_saved_frame_round_trips_unchanged(shipped: ReferenceFrame, tmp_path: Path) -> None:
    # the checks accept every frame densing writes: the shipped one, saved and loaded again
    path = shipped.save(tmp_path / "f.json")
    again = ReferenceFrame.load(path)
    assert again.to_dict() == shipped.to_dict()
    assert again.param_column_ == shipped.param_column_ == "n_params_nonembedding"
