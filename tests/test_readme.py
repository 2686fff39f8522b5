"""The README's Python examples run (docs that run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
CLI_PAGE = README.parent / "docs" / "cli.md"


def test_quick_start_runs(capsys, monkeypatch, reproduction):
    """The Quick start runs as written; its ``densing.reproduce()`` is the session's.

    ``reproduce()`` with its defaults is what the ``reproduction`` fixture computed (checked
    on the signature here), so the block reuses it instead of running the pipeline again.
    """
    import inspect

    import densing

    defaults = inspect.signature(densing.reproduce).parameters
    assert (defaults["n_bootstrap"].default, defaults["random_state"].default) == (1000, 0)
    calls = []

    def shared(*args: object, **kwargs: object) -> object:
        calls.append((args, kwargs))
        return reproduction

    text = README.read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the Quick start has a Python example"
    namespace: dict[str, object] = {}
    with monkeypatch.context() as patch:
        patch.setattr(densing, "reproduce", shared)
        exec(compile(blocks[0], "README.md (Quick start)", "exec"), namespace)  # noqa: S102
    assert calls == [((), {})]  # the README calls reproduce() with its defaults
    out = capsys.readouterr().out
    assert "doubling" in out
    rep = namespace["rep"]
    assert rep is reproduction
    assert rep.trend.doubling_time_months_ > 0  # type: ignore[attr-defined]
    trend = namespace["trend"]  # the README's own fit, not the shared one
    assert trend is not reproduction.trend
    assert trend.doubling_time_months_ > 0  # type: ignore[attr-defined]


def _bash_block_after(marker: str, page: Path = CLI_PAGE) -> list[str]:
    text = page.read_text(encoding="utf-8")
    section = text.split(marker, 1)[1]
    block = re.findall(r"```bash\n(.*?)```", section, flags=re.S)[0]
    return [ln.strip() for ln in block.splitlines() if ln.strip().startswith("densing ")]


def test_density_to_trend_flow_runs_as_the_readme_shows(tmp_path, monkeypatch, capsys):
    """density -> --per-model -> trend, with the command lines of docs/cli.md."""
    import json
    import shlex

    import numpy as np
    import pandas as pd

    import densing
    from densing.cli import main

    lines = _bash_block_after("Your own models:")
    assert [shlex.split(ln)[1] for ln in lines] == ["density", "trend"]
    # "your own models": 12 dated models with hellaswag and ARC-Challenge scores measured
    # under the frame's protocol (bundled Open LLM Leaderboard scores, relabelled)
    models = densing.load_models()
    models = models[(models["release_date"] >= "2023-03-01") & models["n_params"].notna()
                    & models["n_params_nonembedding"].notna()]
    scores = densing.load_scores("llv1:")
    keep = {"llv1:hellaswag-10shot-acc_norm": "hellaswag",
            "llv1:arc_challenge-25shot-acc_norm": "arc_challenge"}
    scores = scores[scores["protocol"].isin(keep)]
    both = scores.groupby("model")["protocol"].nunique()
    names = sorted(set(both[both == 2].index) & set(models["model"]))[:12]
    assert len(names) == 12
    mine = scores[scores["model"].isin(names)].assign(
        benchmark=lambda d: d["protocol"].map(keep), protocol="rc-5shot")
    mine[["model", "benchmark", "protocol", "score"]].to_csv(
        tmp_path / "my_scores.csv", index=False)
    # both counts, as the README asks for the bundled frames (non-embedding)
    mm = models[models["model"].isin(names)][["model", "n_params", "n_params_nonembedding",
                                              "release_date"]]
    mm.assign(release_date=mm["release_date"].dt.strftime("%Y-%m-%d")).to_csv(
        tmp_path / "my_models.csv", index=False)

    monkeypatch.chdir(tmp_path)
    outputs = []
    for line in lines:
        capsys.readouterr()
        assert main(shlex.split(line)[1:]) == 0, capsys.readouterr().err
        outputs.append(capsys.readouterr().out)

    per_model = pd.read_csv(tmp_path / "per_model.csv")
    assert sorted(per_model["model"]) == names  # one row per model: no duplicates
    assert set(per_model["benchmark"]) == {"average_llv1"}
    # independent: average the two task scores, invert once, divide by the model's size
    frame = densing.load_frame("olmo-ladder")
    avg = mine.groupby("model")["score"].mean().loc[per_model["model"]]
    n_hat = frame.effective_params(avg.to_numpy(), "average_llv1")["n_hat"].to_numpy()
    size = mm.set_index("model")["n_params_nonembedding"].loc[per_model["model"]].to_numpy()
    ok = per_model["status"].eq("ok").to_numpy()
    assert ok.sum() >= 8
    np.testing.assert_allclose(per_model["density"].to_numpy()[ok], (n_hat / size)[ok],
                               rtol=1e-12)

    fit = json.loads(outputs[1])
    # independent frontier: the default 0.9-quantile line of ln(density) on days, as a
    # linear programme written here (min sum tau*u + (1-tau)*v, y = a*t + b + u - v)
    from scipy.optimize import linprog

    pts = per_model[ok].assign(day=pd.to_datetime(per_model["release_date"][ok]))
    days = (pts["day"] - pd.Timestamp(fit["origin"])).dt.days.to_numpy(dtype=float)
    y = np.log(pts["density"].to_numpy())
    n, tau = len(y), 0.9
    c = np.r_[0.0, 0.0, np.full(n, tau), np.full(n, 1 - tau)]
    a_eq = np.c_[days, np.ones(n), np.eye(n), -np.eye(n)]
    bounds = [(None, None), (None, None)] + [(0, None)] * (2 * n)
    lp = linprog(c, A_eq=a_eq, b_eq=y, bounds=bounds, method="highs")
    assert lp.status == 0 and n >= 8
    slope = lp.x[0]
    # the LP optimum may be a segment of slopes; the package's must be as good a fit
    resid = y - (fit["slope_per_day"] * days)
    best_b = np.quantile(resid, tau)
    check = np.sum(np.where(resid - best_b >= 0, tau, tau - 1) * (resid - best_b))
    assert check <= lp.fun + 1e-6 * max(1.0, abs(lp.fun))
    assert fit["slope_per_day"] == pytest.approx(slope, rel=1e-3)
    assert fit["doubling_time_days"] == pytest.approx(np.log(2) / fit["slope_per_day"],
                                                      rel=1e-9)
