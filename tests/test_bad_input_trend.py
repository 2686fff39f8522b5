"""Bad input to the trend, the reproduction and their commands (issue 10, item 5).

Every API case raises a :class:`densing.DensingError` subclass whose one-line message names
the field and the value (no numpy reprs); every CLI case exits 2 with one line on stderr,
no traceback, and writes nothing. Fast: no reference frame is refitted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from densing.cli import main
from densing.exceptions import DensingError, InputError, NotFittedError
from densing.report import reproduce
from densing.trend import DensingTrend


def table(dates: list[str] | None = None, density: list[Any] | None = None) -> pd.DataFrame:
    return pd.DataFrame({
        "model": ["a", "b", "c", "d", "e"],
        "release_date": dates or ["2023-03-01", "2023-07-01", "2024-01-01", "2024-06-01",
                                  "2024-08-01"],
        "density": density or [0.5, 0.8, 1.5, 2.5, 3.0],
    })


SAME_DAY = table(dates=["2023-05-01"] * 5)


def fitted() -> DensingTrend:
    return DensingTrend(frontier="all", n_bootstrap=20).fit(table())


# (name, call, exception type, regexes the message must match)
API_CASES: list[tuple[str, Callable[[], Any], type[DensingError], tuple[str, ...]]] = [
    ("random_state text", lambda: DensingTrend(random_state="x").fit(table()),  # type: ignore[arg-type]
     InputError, ("random_state", "'x'")),
    ("random_state negative", lambda: DensingTrend(random_state=-1).fit(table()),
     InputError, ("random_state", "-1")),
    ("random_state float", lambda: DensingTrend(random_state=1.5).fit(table()),  # type: ignore[arg-type]
     InputError, ("random_state", "1.5")),
    ("random_state bool", lambda: DensingTrend(random_state=True).fit(table()),
     InputError, ("random_state", "True")),
    ("n_bootstrap text", lambda: DensingTrend(n_bootstrap="x").fit(table()),  # type: ignore[arg-type]
     InputError, ("n_bootstrap", "'x'")),
    ("n_bootstrap negative", lambda: DensingTrend(n_bootstrap=-3).fit(table()),
     InputError, ("n_bootstrap", "-3")),
    ("n_bootstrap inf", lambda: DensingTrend(n_bootstrap=np.inf).fit(table()),  # type: ignore[arg-type]
     InputError, ("n_bootstrap", "inf")),
    ("n_bootstrap fraction", lambda: DensingTrend(n_bootstrap=2.5).fit(table()),  # type: ignore[arg-type]
     InputError, ("n_bootstrap", "2.5")),
    ("ci text", lambda: DensingTrend(ci="high").fit(table()),  # type: ignore[arg-type]
     InputError, ("ci", "'high'")),
    ("ci above 1", lambda: DensingTrend(ci=2).fit(table()), InputError, ("ci", "2")),
    ("ci nan", lambda: DensingTrend(ci=float("nan")).fit(table()), InputError, ("ci", "nan")),
    ("ci numpy float", lambda: DensingTrend(ci=np.float64(1.2)).fit(table()),
     InputError, ("ci=1.2 ",)),
    ("quantile text", lambda: DensingTrend(frontier="quantile", quantile="x").fit(table()),  # type: ignore[arg-type]
     InputError, ("quantile", "'x'")),
    ("quantile zero", lambda: DensingTrend(frontier="quantile", quantile=0).fit(table()),
     InputError, ("quantile", "0")),
    ("frontier unknown", lambda: DensingTrend(frontier="max").fit(table()),  # type: ignore[arg-type]
     InputError, ("frontier", "'max'")),
    ("start after end", lambda: DensingTrend(window=("2024-01-01", "2023-01-01")).fit(table()),
     InputError, ("2024-01-01", "2023-01-01")),
    ("origin not a date", lambda: DensingTrend(origin="yesterday").fit(table()),
     InputError, ("origin", "yesterday")),
    ("all dates equal, all", lambda: DensingTrend(frontier="all").fit(SAME_DAY),
     InputError, ("2023-05-01", "one release date")),
    ("all dates equal, quantile", lambda: DensingTrend(frontier="quantile").fit(SAME_DAY),
     InputError, ("2023-05-01", "one release date")),
    ("all dates equal, envelope", lambda: DensingTrend(frontier="running_max").fit(SAME_DAY),
     InputError, ("single model",)),
    ("density text", lambda: DensingTrend().fit(table(density=[0.5, "big", 1, 2, 3])),
     InputError, ("density", "'big'")),
    ("density negative", lambda: DensingTrend().fit(table(density=[0.5, -1.0, 1, 2, 3])),
     InputError, ("density", "-1")),
    ("not a table", lambda: DensingTrend().fit([1, 2, 3]),  # type: ignore[arg-type]
     InputError, ("DataFrame", "list")),
    ("bad date", lambda: DensingTrend().fit(table(dates=["2023-03-01", "03/07/2023",
                                                         "2024-01-01", "2024-06-01",
                                                         "2024-08-01"])),
     InputError, ("03/07/2023",)),
    ("release date 1900", lambda: DensingTrend().fit(table(dates=["1900-01-01", "2023-07-01",
                                                                  "2024-01-01", "2024-06-01",
                                                                  "2024-08-01"])),
     InputError, ("1900-01-01", "model 'a'")),
    ("release date 2999", lambda: DensingTrend().fit(table(dates=["2023-03-01", "2023-07-01",
                                                                  "2024-01-01", "2024-06-01",
                                                                  "2999-08-01"])),
     InputError, ("2999-08-01", "model 'e'", "future")),
    ("predict not a date", lambda: fitted().predict("soon"), InputError, ("soon",)),
    ("split not a date", lambda: fitted().compare_periods("Nov 2022"),
     InputError, ("split", "Nov 2022")),
    ("split empties a period", lambda: fitted().compare_periods("2020-01-01"),
     InputError, ("before", "2020-01-01", "0 model")),
    ("curve of one point", lambda: fitted().curve(1), InputError, ("n=1",)),
    ("curve text", lambda: fitted().curve("x"), InputError, ("n='x'",)),  # type: ignore[arg-type]
    ("summary unfitted", lambda: DensingTrend().summary(), NotFittedError, ("fit",)),
    ("curve unfitted", lambda: DensingTrend().curve(), NotFittedError, ("fit",)),
    ("reproduce n_bootstrap text", lambda: reproduce(n_bootstrap="x"),  # type: ignore[arg-type]
     InputError, ("n_bootstrap", "'x'")),
    ("reproduce n_bootstrap negative", lambda: reproduce(n_bootstrap=-1),
     InputError, ("n_bootstrap", "-1")),
    ("reproduce random_state text", lambda: reproduce(random_state="s"),  # type: ignore[arg-type]
     InputError, ("random_state", "'s'")),
    ("reproduce frame_bootstrap", lambda: reproduce(joint=True, frame_bootstrap=-2),
     InputError, ("frame_bootstrap", "-2")),
    ("reproduce tokens negative", lambda: reproduce(tokens=-1e12),
     InputError, ("tokens", "-1e\\+?12")),
    ("reproduce tokens text", lambda: reproduce(tokens="many"),  # type: ignore[arg-type]
     InputError, ("tokens", "'many'")),
    ("reproduce frontier", lambda: reproduce(frontier="max"), InputError, ("frontier", "'max'")),
    ("reproduce window", lambda: reproduce(window="2023"), InputError, ("window", "2023")),
    ("reproduce window order", lambda: reproduce(window=("2024-01-01", "2023-01-01")),
     InputError, ("2024-01-01", "2023-01-01")),
    ("reproduce param_count", lambda: reproduce(param_count="active"),
     InputError, ("param_count", "active")),
    ("reproduce benchmark type", lambda: reproduce(benchmark=3),  # type: ignore[arg-type]
     InputError, ("benchmark", "3")),
]


@pytest.mark.parametrize(("name", "call", "kind", "needles"), API_CASES,
                         ids=[c[0] for c in API_CASES])
def test_api_bad_input(name: str, call: Callable[[], Any], kind: type[DensingError],
                       needles: tuple[str, ...]) -> None:
    with pytest.raises(kind) as info:
        call()
    msg = str(info.value)
    assert "\n" not in msg, f"{name}: message spans lines: {msg!r}"
    assert "np.float64" not in msg and "np.int64" not in msg, msg
    for needle in needles:
        assert re.search(needle, msg), f"{needle!r} not in {msg!r}"


def _csv(tmp: Path, name: str, df: pd.DataFrame) -> str:
    path = tmp / name
    if tmp.is_dir():  # the case names are listed without a folder
        df.to_csv(path, index=False)
    return str(path)


def _cli_cases(tmp: Path) -> list[tuple[str, list[str], str, Path | None]]:
    good = _csv(tmp, "good.csv", table())
    same = _csv(tmp, "same.csv", SAME_DAY)
    out_png = tmp / "out.png"
    return [
        ("trend all, one date", ["trend", "--densities", same, "--frontier", "all"],
         "2023-05-01", None),
        ("trend all, one date, json", ["trend", "--densities", same, "--frontier", "all",
                                       "--json"], "one release date", None),
        ("trend quantile, one date", ["trend", "--densities", same, "--frontier",
                                      "quantile"], "one release date", None),
        ("trend envelope, one date", ["trend", "--densities", same, "--frontier",
                                      "running_max"], "single model", None),
        ("trend bootstrap negative", ["trend", "--densities", good, "--bootstrap", "-1"],
         "n_bootstrap=-1", None),
        ("trend seed negative", ["trend", "--densities", good, "--seed", "-4"],
         "random_state=-4", None),
        ("trend quantile 2", ["trend", "--densities", good, "--frontier", "quantile",
                              "--quantile", "2"], "quantile=2", None),
        ("trend start bad", ["trend", "--densities", good, "--start", "June"], "June", None),
        ("trend window inverted", ["trend", "--densities", good, "--start", "2024-01-01",
                                   "--end", "2023-01-01"], "2024-01-01", None),
        ("trend split bad", ["trend", "--densities", good, "--split", "later"], "later", None),
        ("trend split empty", ["trend", "--densities", good, "--split", "2020-01-01"],
         "2020-01-01", None),
        ("trend missing file", ["trend", "--densities", str(tmp / "none.csv")], "none.csv",
         None),
        ("reproduce frame-bootstrap", ["reproduce", "--joint", "--frame-bootstrap", "-2"],
         "frame_bootstrap=-2", None),
        ("reproduce bootstrap", ["reproduce", "--bootstrap", "-5"], "n_bootstrap=-5", None),
        ("reproduce window", ["reproduce", "--window", "2023"], "2023", None),
        ("reproduce window order", ["reproduce", "--window", "2024-01-01:2023-01-01"],
         "2024-01-01", None),
        ("reproduce seed", ["reproduce", "--seed", "-1"], "random_state=-1", None),
        ("reproduce sensitivity seed", ["reproduce", "--sensitivity", "--seed", "-1"],
         "random_state=-1", None),
        ("plot trend bad suffix", ["plot", "trend", "--densities", good, "-o",
                                   str(tmp / "x.txt")], "x.txt", tmp / "x.txt"),
        ("plot trend one date", ["plot", "trend", "--densities", same, "-o", str(out_png)],
         "share one release date", out_png),
        ("plot trend bootstrap", ["plot", "trend", "--densities", good, "--bootstrap", "-2",
                                  "-o", str(out_png)], "n_bootstrap=-2", out_png),
    ]


_CASE_NAMES = [c[0] for c in _cli_cases(Path("/nonexistent"))]


@pytest.mark.parametrize("name", _CASE_NAMES)
def test_cli_bad_input(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = {c[0]: c for c in _cli_cases(tmp_path)}[name]
    _, argv, needle, out = case
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, f"{name}: exit {code}"
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, f"{name}: stderr is not one line: {captured.err!r}"
    assert "Traceback" not in captured.err
    assert re.search(re.escape(needle), lines[0]), f"{needle!r} not in {lines[0]!r}"
    assert "nan months" not in captured.out and captured.out == ""
    if out is not None:
        assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
