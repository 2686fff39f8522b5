"""Bad input across the public API and the CLI: every case raises a DensingError subclass
whose message names the bad value and says what to do, or (CLI) exits non-zero with one line
on stderr; no output file is left behind.

Fast: no full-frame refit (the shipped ``olmo-ladder`` JSON or tiny synthetic tables).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from densing import _validation as V
from densing.cli import main
from densing.datasets import load_reference_runs
from densing.density import compute_density
from densing.evaluate import conditional_losses
from densing.exceptions import (
    DataFormatError,
    DensingError,
    InputError,
    NotFittedError,
    ScoreOutOfRangeError,
)
from densing.laws import LossLaw, ScoreLaw
from densing.reference import ReferenceFrame, load_frame
from densing.trend import DensingTrend

# -- fixtures and builders -------------------------------------------------------------------

SIZES = np.array([1.5e8, 3e8, 7.5e8, 1.3e9])
TOKENS = np.array([3e9, 6e9, 1.5e10, 2.6e10])


def law_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A small valid loss-law data set (8 runs, 4 sizes, 2 token budgets)."""
    n = np.repeat(SIZES, 2)
    d = np.tile([2e10, 1e11], 4)
    loss = 3.0 * n ** -0.2 + 50.0 * d ** -0.15
    return n, d, loss


def score_data() -> tuple[np.ndarray, np.ndarray]:
    loss = np.linspace(0.8, 1.6, 12)
    score = 0.25 + 0.6 / (1 + np.exp(6 * (loss - 1.2)))
    return loss, score


def tiny_runs() -> pd.DataFrame:
    """A tidy reference table: 4 runs x 3 checkpoints x 2 benchmarks (valid)."""
    rows = []
    for i, size in enumerate(SIZES):
        for step, frac in enumerate((0.25, 0.5, 1.0)):
            tok = 2e10 * (1 + i % 2) * frac
            for bench, off in (("hellaswag", 0.0), ("piqa", 0.1)):
                loss = 3.0 * size ** -0.2 + 50 * tok ** -0.15 + off
                rows.append({
                    "run": f"r{size:.0e}", "n_params": size, "tokens": tok, "step": step,
                    "is_final": frac == 1.0, "benchmark": bench, "loss": loss,
                    "score": float(0.25 + 0.6 / (1 + np.exp(6 * (loss - 1.2)))),
                    "protocol": "rc-5shot",
                })
    return pd.DataFrame(rows)


def scores_table() -> pd.DataFrame:
    return pd.DataFrame({
        "model": ["m1", "m2"],
        "benchmark": ["hellaswag", "hellaswag"],
        "protocol": ["rc-5shot", "rc-5shot"],
        "score": [0.55, 0.62],
    })


def models_table() -> pd.DataFrame:
    return pd.DataFrame({
        "model": ["m1", "m2"],
        "n_params": [1.1e9, 7e9],
        "release_date": ["2023-05-01", "2024-01-15"],
    })


def trend_table() -> pd.DataFrame:
    return pd.DataFrame({
        "model": ["a", "b", "c", "d"],
        "release_date": ["2023-03-01", "2023-07-01", "2024-01-01", "2024-06-01"],
        "density": [0.5, 0.8, 1.5, 2.5],
    })


def with_col(df: pd.DataFrame, col: str, values: list[Any]) -> pd.DataFrame:
    out = df.copy()
    out[col] = values
    return out


def runs_with(col: str, value: Any, row: int = 0) -> pd.DataFrame:
    df = tiny_runs()
    df[col] = df[col].astype(object)
    df.loc[row, col] = value
    return df


def assert_message(exc: BaseException, needles: tuple[str, ...]) -> None:
    msg = str(exc)
    for needle in needles:
        assert re.search(needle, msg, flags=re.IGNORECASE), f"{needle!r} not in {msg!r}"


# -- public API ----------------------------------------------------------------------------------
n0, d0, l0 = law_data()
sl0, ss0 = score_data()

API_CASES: list[tuple[str, Callable[[], Any], type[DensingError], tuple[str, ...]]] = [
    # loss law
    ("loss: NaN n_params", lambda: LossLaw().fit(np.r_[np.nan, n0[1:]], d0, l0),
     InputError, ("n_params", "nan")),
    ("loss: inf loss", lambda: LossLaw().fit(n0, d0, np.r_[np.inf, l0[1:]]),
     InputError, ("loss", "inf")),
    ("loss: zero n_params", lambda: LossLaw().fit(np.r_[0.0, n0[1:]], d0, l0),
     InputError, ("n_params", "positive", "0.0")),
    ("loss: negative tokens", lambda: LossLaw().fit(n0, np.r_[-1e10, d0[1:]], l0),
     InputError, ("tokens", "positive")),
    ("loss: '7B' n_params", lambda: LossLaw().fit(["7B"] * 8, d0, l0),
     InputError, ("7B", "7e9")),
    ("loss: billions", lambda: LossLaw().fit(n0 / 1e9, d0, l0),
     InputError, ("billions", "raw counts")),
    ("loss: one size", lambda: LossLaw().fit(np.full(8, 1e9), d0, l0),
     InputError, ("2 model sizes", "1e\\+09")),
    ("loss: constant loss", lambda: LossLaw().fit(n0, d0, np.full(8, 2.5)),
     InputError, ("constant", "2.5")),
    ("loss: ragged lengths", lambda: LossLaw().fit(n0, d0[:-1], l0),
     InputError, ("equal length",)),
    ("loss: predict before fit", lambda: LossLaw().predict(1e9, 1e12),
     NotFittedError, ("LossLaw.fit",)),
    # score law
    ("score: percentages", lambda: ScoreLaw().fit(sl0, ss0 * 100),
     InputError, ("percent", "divide by 100")),
    ("score: NaN score", lambda: ScoreLaw().fit(sl0, np.r_[np.nan, ss0[1:]]),
     InputError, ("score", "nan")),
    ("score: constant score", lambda: ScoreLaw().fit(sl0, np.full(12, 0.4)),
     InputError, ("constant", "0.4")),
    ("score: too few points", lambda: ScoreLaw().fit(sl0[:3], ss0[:3]),
     InputError, ("at least 5", "3")),
    ("score: text losses", lambda: ScoreLaw().fit(["low"] * 12, ss0),
     InputError, ("loss", "low")),
    # reference frame: fitting
    ("frame: not a DataFrame", lambda: ReferenceFrame().fit({"run": [1]}),
     InputError, ("DataFrame", "dict")),
    ("frame: empty table", lambda: ReferenceFrame().fit(tiny_runs().iloc[:0]),
     InputError, ("empty",)),
    ("frame: missing column", lambda: ReferenceFrame().fit(tiny_runs().drop(columns="loss")),
     InputError, ("missing", "loss")),
    ("frame: percent scores", lambda: ReferenceFrame().fit(with_col(
        tiny_runs(), "score", list(tiny_runs()["score"] * 100))),
     InputError, ("fractions", "divide by 100")),
    ("frame: NaN loss", lambda: ReferenceFrame().fit(runs_with("loss", np.nan)),
     InputError, ("loss", "nan", "r2e\\+08")),
    ("frame: '7B' n_params", lambda: ReferenceFrame().fit(runs_with("n_params", "7B")),
     InputError, ("7B",)),
    ("frame: one size", lambda: ReferenceFrame().fit(with_col(
        tiny_runs(), "n_params", [1e9] * len(tiny_runs()))),
     InputError, ("2 model sizes",)),
    ("frame: constant loss", lambda: ReferenceFrame().fit(with_col(
        tiny_runs(), "loss", [1.1] * len(tiny_runs()))),
     InputError, ("constant", "1.1")),
    ("frame: unknown benchmark", lambda: ReferenceFrame(benchmarks=["mmlu_pro"]).fit(
        tiny_runs()), InputError, ("mmlu_pro",)),
    ("frame: unknown param_count", lambda: ReferenceFrame(param_count="billions").fit(
        tiny_runs()), InputError, ("billions",)),
    ("frame: unfitted", lambda: ReferenceFrame().effective_params(0.5),
     NotFittedError, ("ReferenceFrame.fit",)),
    ("frame: truncated JSON", "load_truncated", DataFormatError, ("not valid JSON",)),
    ("frame: wrong JSON format", "load_wrong_format", DataFormatError, ("format",)),
    ("frame: unknown bundled data", lambda: load_reference_runs("pythia"),
     InputError, ("pythia", "olmo-ladder")),
]

FRAME_CASES: list[tuple[str, Callable[[ReferenceFrame], Any], type[DensingError],
                        tuple[str, ...]]] = [
    ("invert: NaN score", lambda f: f.effective_params([0.5, np.nan]),
     InputError, ("score", "nan")),
    ("invert: percent score", lambda f: f.effective_params(65.0),
     InputError, ("65", "divide by 100")),
    ("invert: negative score", lambda f: f.effective_params(-0.1),
     InputError, ("-0.1", "fraction")),
    ("invert: text score", lambda f: f.effective_params("high"),
     InputError, ("high",)),
    ("invert: unknown benchmark", lambda f: f.effective_params(0.5, "gsm8k"),
     InputError, ("gsm8k", "average")),
    ("invert: negative tokens", lambda f: f.effective_params(0.5, tokens=-1e12),
     InputError, ("tokens", "-1e\\+12|-1000000000000")),
    ("invert: strict, above ceiling", lambda f: f.effective_params(0.999, strict=True),
     ScoreOutOfRangeError, ("0.999", "strict=False")),
    ("invert: strict, below floor", lambda f: f.effective_params(0.01, strict=True),
     ScoreOutOfRangeError, ("0.01", "below_floor")),
    # densities
    ("density: percent scores", lambda f: compute_density(
        with_col(scores_table(), "score", [55.0, 62.0]), models_table(), f),
     InputError, ("55", "divide by 100")),
    ("density: missing column", lambda f: compute_density(
        scores_table().drop(columns="protocol"), models_table(), f),
     InputError, ("protocol",)),
    ("density: empty scores", lambda f: compute_density(
        scores_table().iloc[:0], models_table(), f), InputError, ("empty",)),
    ("density: duplicate score rows", lambda f: compute_density(
        pd.concat([scores_table(), scores_table().iloc[:1]]), models_table(), f),
     InputError, ("duplicate", "m1")),
    ("density: NaN score", lambda f: compute_density(
        with_col(scores_table(), "score", [np.nan, 0.5]), models_table(), f),
     InputError, ("m1", "must be a finite fraction")),
    ("density: '7B' n_params", lambda f: compute_density(
        scores_table(), with_col(models_table(), "n_params", ["7B", "1.1B"]), f),
     InputError, ("7B", "7e9")),
    ("density: billions", lambda f: compute_density(
        scores_table(), with_col(models_table(), "n_params", [1.1, 7.0]), f),
     InputError, ("billions", "m1")),
    ("density: zero n_params", lambda f: compute_density(
        scores_table(), with_col(models_table(), "n_params", [0.0, 7e9]), f),
     InputError, ("m1", "positive")),
    ("density: US date", lambda f: compute_density(
        scores_table(), with_col(models_table(), "release_date", ["05/01/2023", "2024-01-15"]),
        f), InputError, ("05/01/2023", "YYYY-MM-DD")),
    ("density: duplicate model", lambda f: compute_density(
        scores_table(), pd.concat([models_table(), models_table().iloc[:1]]), f),
     InputError, ("m1", "twice")),
    ("density: model missing from models", lambda f: compute_density(
        with_col(scores_table(), "model", ["m1", "m9"]), models_table(), f),
     InputError, ("m9",)),
    ("density: bad param_count", lambda f: compute_density(
        scores_table(), models_table(), f, param_count="nominal"),
     InputError, ("nominal",)),
]

TREND_CASES: list[tuple[str, Callable[[], pd.DataFrame], tuple[str, ...]]] = [
    ("future date", lambda: with_col(trend_table(), "release_date",
                                     ["2023-03-01", "2023-07-01", "2024-01-01", "2999-01-01"]),
     ("2999-01-01", "future")),
    ("odd date format", lambda: with_col(trend_table(), "release_date",
                                         ["2023-03-01", "March 2023", "2024-01-01",
                                          "2024-06-01"]),
     ("March 2023", "YYYY-MM-DD")),
    ("duplicate model", lambda: with_col(trend_table(), "model", ["a", "b", "c", "a"]),
     ("duplicate", "'a'")),
    ("missing column", lambda: trend_table().drop(columns="density"), ("density", "missing")),
    ("empty table", lambda: trend_table().iloc[:0], ("empty",)),
    ("NaN density", lambda: with_col(trend_table(), "density", [0.5, np.nan, 1.5, 2.5]),
     ("NaN", "'b'")),
    ("negative density", lambda: with_col(trend_table(), "density", [0.5, -0.8, 1.5, 2.5]),
     ("-0.8", "> 0")),
    ("text density", lambda: with_col(trend_table(), "density", [0.5, "high", 1.5, 2.5]),
     ("high",)),
    ("too few models", lambda: trend_table().iloc[:2], ("at least 3",)),
]


def _load_bad_frame(kind: str, tmp: Path) -> Any:
    path = tmp / "frame.json"
    if kind == "load_truncated":
        text = json.dumps(load_frame("olmo-ladder").to_dict())
        path.write_text(text[: len(text) // 2])
    else:
        path.write_text(json.dumps({"format": "something-else/9", "benchmarks": {}}))
    return ReferenceFrame.load(path)


@pytest.mark.parametrize(("name", "call", "error", "needles"), API_CASES,
                         ids=[c[0] for c in API_CASES])
def test_api_bad_input(name: str, call: Any, error: type[DensingError],
                       needles: tuple[str, ...], tmp_path: Path) -> None:
    with pytest.raises(error) as info:
        if isinstance(call, str):
            _load_bad_frame(call, tmp_path)
        else:
            call()
    assert isinstance(info.value, DensingError)
    assert_message(info.value, needles)


@pytest.mark.parametrize(("name", "call", "error", "needles"), FRAME_CASES,
                         ids=[c[0] for c in FRAME_CASES])
def test_frame_bad_input(frame: ReferenceFrame, name: str, call: Any,
                         error: type[DensingError], needles: tuple[str, ...]) -> None:
    with pytest.raises(error) as info:
        call(frame)
    assert_message(info.value, needles)


@pytest.mark.parametrize(("name", "make", "needles"), TREND_CASES,
                         ids=[c[0] for c in TREND_CASES])
def test_trend_bad_input(name: str, make: Any, needles: tuple[str, ...]) -> None:
    with pytest.raises(InputError) as info:
        DensingTrend(n_bootstrap=10).fit(make())
    assert_message(info.value, needles)


# -- lm-eval logs ---------------------------------------------------------------------------------
def _sample_line(doc_id: int = 0) -> dict[str, Any]:
    return {
        "doc_id": doc_id, "target": 0,
        "arguments": {"gen_args_0": {"arg_0": "Q: 2+2?\nA:", "arg_1": " 4"},
                      "gen_args_1": {"arg_0": "Q: 2+2?\nA:", "arg_1": " 5"}},
        "resps": [[["-0.5", "True"]], [["-2.0", "False"]]],
        "filtered_resps": [["-0.5", "True"], ["-2.0", "False"]],
    }


def _write_samples(tmp: Path, lines: list[str]) -> Path:
    path = tmp / "samples_densing_tiny_mc_2024-01-01T00-00-00.000000.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


SAMPLE_CASES: list[tuple[str, Callable[[Path], Any], tuple[str, ...]]] = [
    ("truncated file", lambda tmp: conditional_losses(_write_samples(
        tmp, [json.dumps(_sample_line(0)), json.dumps(_sample_line(1))[:40]])),
     ("line 2", "truncated")),
    ("empty file", lambda tmp: conditional_losses(_write_samples(tmp, [""])), ("empty",)),
    ("missing file", lambda tmp: conditional_losses(tmp / "samples_x_2024.jsonl"),
     ("not found", "samples_x_2024")),
    ("response is text", lambda tmp: conditional_losses(_write_samples(
        tmp, [json.dumps({**_sample_line(), "filtered_resps": [["abc", "True"], ["-1", "x"]]})])),
     ("abc",)),
    ("line is a list", lambda tmp: conditional_losses(_write_samples(tmp, ["[1, 2, 3]"])),
     ("line 1", "list")),
    ("no responses", lambda tmp: conditional_losses(_write_samples(
        tmp, [json.dumps({"doc_id": 0, "target": 0})])), ("resps",)),
    ("target out of range", lambda tmp: conditional_losses(_write_samples(
        tmp, [json.dumps({**_sample_line(), "target": 7})])), ("7", "out of range")),
    ("samples of wrong type", lambda tmp: conditional_losses(42), ("int",)),
]


@pytest.mark.parametrize(("name", "call", "needles"), SAMPLE_CASES,
                         ids=[c[0] for c in SAMPLE_CASES])
def test_samples_bad_input(name: str, call: Any, needles: tuple[str, ...],
                           tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:  # DataFormatError is an InputError
        call(tmp_path)
    assert_message(info.value, needles)


def test_results_with_text_score_is_refused() -> None:
    """lm-eval results whose metric is not a number must not become a silent NaN score."""
    from densing.evaluate.runner import results_table

    results = {
        "results": {"densing_tiny_mc": {"alias": "densing_tiny_mc", "acc,none": "n/a"}},
        "configs": {"densing_tiny_mc": {"output_type": "multiple_choice", "num_fewshot": 0}},
        "n-shot": {"densing_tiny_mc": 0},
    }
    with pytest.raises(DataFormatError, match="n/a"):
        results_table(results, model_name="m")


# -- CLI ------------------------------------------------------------------------------------------
def _csv(tmp: Path, name: str, df: pd.DataFrame) -> str:
    path = tmp / name
    if tmp.is_dir():
        df.to_csv(path, index=False)
    return str(path)


def _cli_cases(tmp: Path) -> dict[str, tuple[list[str], str, Path | None]]:
    """name -> (argv, regex the error line must match, output path that must not exist)."""
    out_json = tmp / "out" / "frame.json"
    garbage = tmp / "garbage.csv"
    if tmp.is_dir():
        out_json.parent.mkdir(exist_ok=True)
        garbage.write_bytes(b"\x00\xff\xfe\x00binary\x00")
    return {
        "trend: missing file": (["trend", "--densities", str(tmp / "nope.csv")],
                                "nope.csv", None),
        "trend: future date": (["trend", "--densities", _csv(tmp, "d.csv", with_col(
            trend_table(), "release_date",
            ["2023-03-01", "2023-07-01", "2024-01-01", "2999-01-01"]))], "2999-01-01", None),
        "trend: no density column": (["trend", "--densities", _csv(
            tmp, "d2.csv", trend_table().drop(columns="density"))], "density", None),
        "trend: binary file": (["trend", "--densities", str(garbage)], "garbage.csv", None),
        "frame fit: percent scores": (["frame", "fit", "--runs", _csv(tmp, "r.csv", with_col(
            tiny_runs(), "score", list(tiny_runs()["score"] * 100))), "--out", str(out_json)],
            "divide by 100", out_json),
        "frame fit: empty runs": (["frame", "fit", "--runs", _csv(
            tmp, "r0.csv", tiny_runs().iloc[:0]), "--out", str(out_json)], "empty", out_json),
        "frame fit: missing runs file": (["frame", "fit", "--runs", str(tmp / "none.csv"),
                                          "--out", str(out_json)], "none.csv", out_json),
        "frame fit: one size": (["frame", "fit", "--runs", _csv(tmp, "r1.csv", with_col(
            tiny_runs(), "n_params", [1e9] * len(tiny_runs()))), "--out", str(out_json)],
            "2 model sizes", out_json),
        "reproduce: odd window": (["reproduce", "--window", "last-year"], "last-year", None),
        "reproduce: negative tokens": (["reproduce", "--tokens", "-1"], "-1", None),
        "reproduce: missing frame file": (["reproduce", "--frame", str(tmp / "f.json")],
                                          "f.json", None),
        "params: missing path": (["params", str(tmp / "no-model")], "no-model", None),
        "evaluate: missing model": (["evaluate", "--model", str(tmp / "no-model"),
                                     "--tasks", "densing_tiny_mc", "--out",
                                     str(tmp / "ev.csv")], "no-model", tmp / "ev.csv"),
    }


CLI_NAMES = sorted(_cli_cases(Path("/nonexistent")).keys())


@pytest.mark.parametrize("name", CLI_NAMES)
def test_cli_bad_input(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv, pattern, out = _cli_cases(tmp_path)[name]
    code = main(argv)
    cap = capsys.readouterr()
    assert code != 0
    lines = [ln for ln in cap.err.splitlines() if ln.strip()]
    assert len(lines) == 1, cap.err
    assert re.search(pattern, lines[0]), lines[0]
    assert "Traceback" not in cap.err
    if out is not None:
        assert not out.exists()
        assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


# -- security: no code execution on user input ---------------------------------------------------
SRC = Path(__file__).resolve().parents[1] / "src" / "densing"
FORBIDDEN = {
    "pickle": re.compile(r"\bpickle\b|\bcPickle\b|\bdill\b"),
    "eval(": re.compile(r"(?<![\w.-])eval\("),
    "exec(": re.compile(r"(?<![\w.-])exec\("),
    "unsafe yaml.load": re.compile(r"yaml\.load\s*\((?![^)]*SafeLoader)"),
    "trust_remote_code=True default": re.compile(
        r"trust_remote_code\s*(:\s*bool\s*)?=\s*True|setdefault\(\s*[\"']trust_remote_code"
        r"[\"']\s*,\s*True"),
    "torch.load without weights_only": re.compile(r"torch\.load\s*\((?![^)]*weights_only)"),
}


def test_source_has_no_code_execution_on_user_input() -> None:
    hits = []
    for path in sorted(SRC.rglob("*.py")):
        for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            for what, pattern in FORBIDDEN.items():
                if pattern.search(code):
                    hits.append(f"{path.relative_to(SRC)}:{lineno}: {what}: {line.strip()}")
    assert not hits, "\n".join(hits)


def test_trust_remote_code_is_off_by_default() -> None:
    import inspect

    from densing.evaluate import count_parameters, evaluate_model

    for fn in (count_parameters, evaluate_model):
        assert inspect.signature(fn).parameters["trust_remote_code"].default is False
    from densing.cli import build_parser

    args = build_parser().parse_args(["evaluate", "--model", "m", "--tasks", "t"])
    assert args.trust_remote_code is False
    assert build_parser().parse_args(["params", "m"]).trust_remote_code is False


# -- CLI: density and frame through the shared field rules (densing._validation) -----------------
# Each case: exit 2, one line on stderr that starts with "densing", names the value, no
# traceback and no usage lines; no output written; the input files unchanged.

GOOD_SCORES = ("model,benchmark,protocol,score,stderr\n"
               "m1,hellaswag,rc-5shot,0.55,0.01\nm1,arc_challenge,rc-5shot,0.31,0.01\n"
               "m2,hellaswag,rc-5shot,0.62,\nm2,arc_challenge,rc-5shot,0.40,\n")
GOOD_MODELS = ("model,n_params,n_params_nonembedding,release_date\n"
               "m1,1.1e9,0.9e9,2023-05-01\nm2,7e9,6.5e9,2024-01-15\n")


def _scores_with(field: str, value: str) -> str:
    head, first, *rest = GOOD_SCORES.splitlines()
    cols = head.split(",")
    cells = first.split(",")
    cells[cols.index(field)] = value
    return "\n".join([head, ",".join(cells), *rest]) + "\n"


def _models_with(field: str, value: str) -> str:
    head, first, *rest = GOOD_MODELS.splitlines()
    cols = head.split(",")
    cells = first.split(",")
    cells[cols.index(field)] = value
    return "\n".join([head, ",".join(cells), *rest]) + "\n"


#: name -> (scores CSV text, models CSV text, extra argv, needles in the error line)
DENSITY_CLI_CASES: dict[str, tuple[str, str, list[str], tuple[str, ...]]] = {
    "stderr 1.2": (_scores_with("stderr", "1.2"), GOOD_MODELS, [], ("stderr=1.2", "'m1'")),
    "stderr -0.01": (_scores_with("stderr", "-0.01"), GOOD_MODELS, [], ("stderr=-0.01",)),
    "stderr inf": (_scores_with("stderr", "inf"), GOOD_MODELS, [], ("stderr=inf",)),
    "stderr text": (_scores_with("stderr", "tiny"), GOOD_MODELS, [], ("stderr", "'tiny'")),
    "score -0.1": (_scores_with("score", "-0.1"), GOOD_MODELS, [], ("score=-0.1", "'m1'")),
    "score missing": (_scores_with("score", ""), GOOD_MODELS, [], ("score=nan", "'m1'")),
    "score nan": (_scores_with("score", "nan"), GOOD_MODELS, [], ("score=nan",)),
    "score inf": (_scores_with("score", "inf"), GOOD_MODELS, [], ("score=inf",)),
    "score 1e400": (_scores_with("score", "1e400"), GOOD_MODELS, [], ("score=inf",)),
    "score 62": (_scores_with("score", "62"), GOOD_MODELS, [], ("score=62", "divide by 100")),
    "score 1.0001": (_scores_with("score", "1.0001"), GOOD_MODELS, [], ("score=1.0001",)),
    "score text": (_scores_with("score", "high"), GOOD_MODELS, [], ("'high'",)),
    "date 1900-01-01": (GOOD_SCORES, _models_with("release_date", "1900-01-01"), [],
                        ("release_date=1900-01-01", "'m1'", "2015-01-01")),
    "date 2100-01-01": (GOOD_SCORES, _models_with("release_date", "2100-01-01"), [],
                        ("release_date=2100-01-01", "future")),
    "date 2014-12-31": (GOOD_SCORES, _models_with("release_date", "2014-12-31"), [],
                        ("release_date=2014-12-31",)),
    "date day first": (GOOD_SCORES, _models_with("release_date", "31/01/2024"), [],
                       ("'31/01/2024'", "YYYY-MM-DD")),
    "date 30 February": (GOOD_SCORES, _models_with("release_date", "2024-02-30"), [],
                         ("'2024-02-30'",)),
    "date words": (GOOD_SCORES, _models_with("release_date", "last spring"), [],
                   ("'last spring'",)),
    "n_params 7": (GOOD_SCORES, _models_with("n_params", "7"), [],
                   ("n_params=7", "billions", "'m1'")),
    "n_params 0.5": (GOOD_SCORES, _models_with("n_params", "0.5"), [], ("n_params=0.5",)),
    "n_params -7e9": (GOOD_SCORES, _models_with("n_params", "-7e9"), [],
                      ("n_params=-7e+09", "positive")),
    "n_params 0": (GOOD_SCORES, _models_with("n_params", "0"), [], ("n_params=0",)),
    "n_params inf": (GOOD_SCORES, _models_with("n_params", "inf"), [], ("n_params=inf",)),
    "n_params 7B": (GOOD_SCORES, _models_with("n_params", "7B"), [], ("'7B'", "7e9")),
    "--tokens -1e12": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "-1e12"], ("--tokens=-1e+12",)),
    "--tokens -5": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "-5"], ("--tokens=-5.0",)),
    "--tokens 0": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "0"], ("--tokens=0.0",)),
    "--tokens nan": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "nan"], ("--tokens=nan",)),
    "--tokens inf": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "inf"], ("--tokens=inf",)),
    "--tokens -inf": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "-inf"], ("--tokens=-inf",)),
    "--tokens text": (GOOD_SCORES, GOOD_MODELS, ["--tokens", "1T"], ("'1T'",)),
    "--protocol-map no =": (GOOD_SCORES, GOOD_MODELS, ["--protocol-map", "llv2"],
                            ("'llv2'", "FROM=TO")),
    "--protocol-map empty target": (GOOD_SCORES, GOOD_MODELS, ["--protocol-map", "a="],
                                    ("--protocol-map", "'a'", "''")),
    "--param-count unknown": (GOOD_SCORES, GOOD_MODELS, ["--param-count", "billions"],
                              ("'billions'",)),
    "--param-count of frames only": (GOOD_SCORES, GOOD_MODELS,
                                     ["--param-count", "no_input_embedding"],
                                     ("'no_input_embedding'",)),
    "--benchmark without rows": (GOOD_SCORES, GOOD_MODELS, ["--benchmark", "mmlu"],
                                 ("--benchmark", "'mmlu'", "average_llv1")),
    "no averaged benchmark": (
        "model,benchmark,protocol,score\nm1,piqa,rc-5shot,0.7\n", GOOD_MODELS, [],
        ("averaged benchmark", "--benchmark")),
    "frame missing": (GOOD_SCORES, GOOD_MODELS, ["--frame", "@TMP/none.json"],
                      ("none.json",)),
    "frame nested JSON": (GOOD_SCORES, GOOD_MODELS, ["--frame", "@TMP/nested.json"],
                          ("nested.json", "nested too deeply")),
    "frame not UTF-8": (GOOD_SCORES, GOOD_MODELS, ["--frame", "@TMP/latin1.json"],
                        ("latin1.json", "UTF-8")),
    "frame truncated": (GOOD_SCORES, GOOD_MODELS, ["--frame", "@TMP/truncated.json"],
                        ("not valid JSON",)),
    "scores missing file": ("", GOOD_MODELS, ["--scores", "@TMP/nope.csv"], ("nope.csv",)),
    "scores binary": (GOOD_SCORES, GOOD_MODELS, ["--scores", "@TMP/garbage.csv"],
                      ("garbage.csv",)),
    "scores empty": ("", GOOD_MODELS, [], ("empty",)),
    "models missing column": (GOOD_SCORES, "model,n_params\nm1,1e9\nm2,7e9\n", [],
                              ("release_date",)),
}


def _fixture_files(tmp: Path) -> None:
    (tmp / "nested.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp / "latin1.json").write_bytes('{"format": "densing café"}'.encode("latin-1"))
    text = json.dumps(load_frame("olmo-ladder").to_dict())
    (tmp / "truncated.json").write_text(text[: len(text) // 3])
    (tmp / "garbage.csv").write_bytes(b"\x00\xff\xfe\x00binary\x00")


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_one_line_failure(cap: pytest.CaptureFixture[str], code: int,
                             needles: tuple[str, ...]) -> str:
    out = cap.readouterr()
    assert code == 2, out.err
    lines = [ln for ln in out.err.splitlines() if ln.strip()]
    assert len(lines) == 1, out.err
    line = lines[0]
    assert line.startswith("densing") and ": error: " in line, line
    assert "Traceback" not in out.err and "usage:" not in out.err
    assert "np.float" not in line and "np.int" not in line
    for needle in needles:
        assert needle in line, f"{needle!r} not in {line!r}"
    return line


@pytest.mark.parametrize("name", sorted(DENSITY_CLI_CASES))
def test_density_cli_bad_input(name: str, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    scores_text, models_text, extra, needles = DENSITY_CLI_CASES[name]
    _fixture_files(tmp_path)
    (tmp_path / "s.csv").write_text(scores_text)
    (tmp_path / "m.csv").write_text(models_text)
    out, per_model = tmp_path / "out" / "d.csv", tmp_path / "out" / "pm.csv"
    out.parent.mkdir()
    argv = ["density", "--scores", str(tmp_path / "s.csv"), "--models", str(tmp_path / "m.csv"),
            *[a.replace("@TMP", str(tmp_path)) for a in extra],
            "--out", str(out), "--per-model", str(per_model)]
    before = _snapshot(tmp_path)
    code = main(argv)
    _assert_one_line_failure(capsys, code, needles)
    assert _snapshot(tmp_path) == before  # nothing written, nothing changed
    assert not any(out.parent.iterdir())


def test_density_cli_good_input_passes(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """The baseline of the cases above: the unmodified files succeed."""
    (tmp_path / "s.csv").write_text(GOOD_SCORES)
    (tmp_path / "m.csv").write_text(GOOD_MODELS)
    out = tmp_path / "pm.csv"
    assert main(["density", "--scores", str(tmp_path / "s.csv"), "--models",
                 str(tmp_path / "m.csv"), "--per-model", str(out)]) == 0
    assert capsys.readouterr().err == ""
    assert pd.read_csv(out)["model"].tolist() == ["m1", "m2"]


#: name -> (argv after "frame", needles)
FRAME_CLI_CASES: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "--bootstrap -3": (["fit", "--bootstrap", "-3"], ("--bootstrap=-3", ">= 0")),
    "--bootstrap 2.5": (["fit", "--bootstrap", "2.5"], ("'2.5'", "integer")),
    "--bootstrap many": (["fit", "--bootstrap", "many"], ("'many'",)),
    "--bootstrap -1e3": (["fit", "--bootstrap", "-1e3"], ("'-1e3'",)),
    "--seed -1": (["fit", "--seed", "-1"], ("--seed=-1",)),
    "--seed text": (["fit", "--seed", "x"], ("'x'",)),
    "--max-params -7e9": (["fit", "--max-params", "-7e9"], ("--max-params=-7e+09",)),
    "--max-params 7": (["fit", "--max-params", "7"], ("--max-params=7.0", "billions")),
    "--max-params nan": (["fit", "--max-params", "nan"], ("--max-params=nan",)),
    "--param-count active": (["fit", "--param-count", "active"], ("'active'",)),
    "runs missing": (["fit", "--runs", "@TMP/none.csv"], ("none.csv",)),
    "runs binary": (["fit", "--runs", "@TMP/garbage.csv"], ("garbage.csv",)),
    "unknown option": (["fit", "--boostrap", "3"], ("--boostrap",)),
    "validate --holdout-min-params -4e9": (
        ["validate", "--holdout-min-params", "-4e9"], ("--holdout-min-params=-4e+09",)),
    "validate --holdout-min-params 4": (
        ["validate", "--holdout-min-params", "4"], ("--holdout-min-params=4.0", "billions")),
    "validate --holdout-min-params text": (
        ["validate", "--holdout-min-params", "4B"], ("'4B'",)),
    "no action": ([], ("ACTION",)),
    "unknown action": (["refit"], ("'refit'",)),
}


@pytest.mark.parametrize("name", sorted(FRAME_CLI_CASES))
def test_frame_cli_bad_input(name: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    extra, needles = FRAME_CLI_CASES[name]
    _fixture_files(tmp_path)
    out = tmp_path / "out" / "frame.json"
    out.parent.mkdir()
    argv = ["frame", *[a.replace("@TMP", str(tmp_path)) for a in extra]]
    if extra and extra[0] == "fit":
        argv += ["--out", str(out)]
    before = _snapshot(tmp_path)
    code = main(argv)
    _assert_one_line_failure(capsys, code, needles)
    assert _snapshot(tmp_path) == before
    assert not any(out.parent.iterdir())


#: the command line and the API answer the same bad value with the same rule
SAME_RULE_CASES = [
    ("stderr", "1.2", lambda: V.check_stderr(1.2), "stderr=1.2"),
    ("release_date", "1900-01-01", lambda: V.check_release_date("1900-01-01"),
     "release_date=1900-01-01"),
    ("release_date", "2100-01-01", lambda: V.check_release_date("2100-01-01"),
     "release_date=2100-01-01"),
    ("n_params", "7", lambda: V.check_param_count(7), "n_params=7"),
]


@pytest.mark.parametrize(("field", "value", "api", "needle"), SAME_RULE_CASES,
                         ids=[f"{c[0]}={c[1]}" for c in SAME_RULE_CASES])
def test_cli_and_api_give_the_same_message(field: str, value: str, api: Any, needle: str,
                                           tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError) as info:
        api()
    api_msg = str(info.value)
    if field in ("stderr",):
        (tmp_path / "s.csv").write_text(_scores_with(field, value))
        (tmp_path / "m.csv").write_text(GOOD_MODELS)
    else:
        (tmp_path / "s.csv").write_text(GOOD_SCORES)
        (tmp_path / "m.csv").write_text(_models_with(field, value))
    code = main(["density", "--scores", str(tmp_path / "s.csv"), "--models",
                 str(tmp_path / "m.csv")])
    line = _assert_one_line_failure(capsys, code, (needle,))
    # the CLI adds the model; the rest of the message is the API's, word for word
    head, _, tail = api_msg.partition(" ")
    assert line.endswith(tail) and head in line, (line, api_msg)


#: name -> (config.json fields over a valid small llama config, needles)
PARAMS_CONFIG_CASES: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "negative hidden_size": ({"hidden_size": -64}, ("hidden_size=-64", ">= 1")),
    "zero hidden_size": ({"hidden_size": 0}, ("hidden_size=0",)),
    "zero heads": ({"num_attention_heads": 0}, ("num_attention_heads=0",)),
    "negative kv heads": ({"num_key_value_heads": -1}, ("num_key_value_heads=-1",)),
    "zero layers": ({"num_hidden_layers": 0}, ("num_hidden_layers=0",)),
    "negative vocab": ({"vocab_size": -32000}, ("vocab_size=-32000",)),
    "fractional heads": ({"num_attention_heads": 2.5}, ("num_attention_heads=2.5",)),
    "zero intermediate": ({"intermediate_size": 0}, ("intermediate_size=0",)),
}
SMALL_LLAMA = {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128,
               "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 1000}


@pytest.mark.parametrize("as_file", [False, True], ids=["dir", "config.json"])
@pytest.mark.parametrize("name", sorted(PARAMS_CONFIG_CASES))
def test_params_cli_bad_config(name: str, as_file: bool, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    fields, needles = PARAMS_CONFIG_CASES[name]
    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text(json.dumps({**SMALL_LLAMA, **fields}))
    before = _snapshot(tmp_path)
    code = main(["params", str(model / "config.json") if as_file else str(model)])
    _assert_one_line_failure(capsys, code, ("config.json", *needles))
    assert _snapshot(tmp_path) == before


def test_params_looks_up_non_local_names_offline(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    import os

    from densing._cli.params import _hub_offline_unless_local

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with _hub_offline_unless_local("some-org/some-model"):
        assert os.environ.get("HF_HUB_OFFLINE") == "1"
    assert "HF_HUB_OFFLINE" not in os.environ
    with _hub_offline_unless_local(str(tmp_path)):  # a local path: nothing changes
        assert "HF_HUB_OFFLINE" not in os.environ


#: files other commands read, through the command line's backstop for unreadable input
BACKSTOP_CASES: dict[str, tuple[list[str], str]] = {
    "reproduce: nested frame": (["reproduce", "--frame", "@TMP/nested.json"], "nested.json"),
    "reproduce: frame not UTF-8": (["reproduce", "--frame", "@TMP/latin1.json"],
                                   "latin1.json"),
    "leaderboard add: nested results": (
        ["leaderboard", "add", "@TMP/board", "--model", "m", "--params", "7e9",
         "--release-date", "2024-01-01", "--results", "@TMP/nested.json"], "nested.json"),
    "leaderboard add: --params -7e9": (
        ["leaderboard", "add", "@TMP/board", "--model", "m", "--params", "-7e9",
         "--release-date", "2024-01-01", "--scores", "@TMP/s.csv"], "-7"),
    "trend: nested file": (["trend", "--densities", "@TMP/nested.json"], "model"),
}


@pytest.mark.parametrize("name", sorted(BACKSTOP_CASES))
def test_cli_backstop_for_unreadable_input(name: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    argv, needle = BACKSTOP_CASES[name]
    _fixture_files(tmp_path)
    (tmp_path / "s.csv").write_text(GOOD_SCORES)
    assert main(["leaderboard", "init", str(tmp_path / "board")]) == 0
    capsys.readouterr()
    before = _snapshot(tmp_path)
    code = main([a.replace("@TMP", str(tmp_path)) for a in argv])
    line = _assert_one_line_failure(capsys, code, (needle,))
    assert len(line) <= 700
    assert _snapshot(tmp_path) == before
