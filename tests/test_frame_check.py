"""The frame check compares what users consume, with stated tolerances (issue 10, item 1).

A refit under perturbed conditions (another BLAS thread count, start points jittered by
1e-3 of their size) must pass ``build_frames --check`` against the committed frames, and the
check must still catch a change that matters.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from densing import laws

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))  # the build tools live there, not in the package
from _builders.frame_check import TOLERANCES, compare_frames, flag_kinds  # noqa: E402

FRAMES = REPO / "src" / "densing" / "data" / "frames"


def _build_frames_module():
    spec = importlib.util.spec_from_file_location("build_frames", REPO / "scripts" /
                                                  "build_frames.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads((FRAMES / "olmo-ladder.json").read_text())


@pytest.mark.slow
def test_perturbed_refit_passes_the_check(monkeypatch, capsys):
    rng = np.random.default_rng(7)
    for cls in (laws.LossLaw, laws.ScoreLaw):
        original = cls._starts

        def jittered(self, *args, _original=original):
            starts = _original(self, *args)
            return starts + 1e-3 * np.abs(starts) * rng.standard_normal(starts.shape)

        monkeypatch.setattr(cls, "_starts", jittered)
    bf = _build_frames_module()
    with threadpool_limits(limits=2, user_api="blas"):
        frames = bf.fit_frames()
    # the perturbation is real: the raw parameters moved ...
    fresh = json.loads(json.dumps(frames["olmo-ladder"].to_dict()))
    old = json.loads((FRAMES / "olmo-ladder.json").read_text())
    moved = [b for b in old["benchmarks"]
             if fresh["benchmarks"][b]["loss_law"]["params"] != old["benchmarks"][b]["loss_law"]
             ["params"]]
    assert moved
    # ... and the check, comparing what users consume, still passes
    assert bf.check(frames) == 0, capsys.readouterr().err


def test_identical_frames_match(committed):
    assert compare_frames(committed, copy.deepcopy(committed)) == []


def test_a_moved_loss_law_is_caught(committed):
    changed = copy.deepcopy(committed)
    changed["benchmarks"]["hellaswag"]["loss_law"]["params"]["b"] *= 1.05
    where = {m.where for m in compare_frames(committed, changed, "f")}
    assert "f/hellaswag: predicted loss" in where
    assert "f/hellaswag: N_hat" in where


def test_a_moved_sigmoid_is_caught(committed):
    changed = copy.deepcopy(committed)
    changed["benchmarks"]["mmlu"]["score_law"]["params"]["l"] += 1e-3
    where = {m.where for m in compare_frames(committed, changed, "f")}
    assert "f/mmlu: predicted score" in where


def test_objective_and_exact_fields(committed):
    changed = copy.deepcopy(committed)
    changed["benchmarks"]["piqa"]["loss_law"]["objective"] *= 1 + 10 * TOLERANCES["objective"]
    changed["benchmarks"]["csqa"]["n_checkpoints"] += 1
    where = {m.where for m in compare_frames(committed, changed, "f")}
    assert where == {"f/piqa: loss_law objective", "f/csqa: n_checkpoints"}


def test_flags_compared_by_kind_not_text(committed):
    changed = copy.deepcopy(committed)
    flags = changed["benchmarks"]["hellaswag"]["flags"]
    assert flag_kinds(flags) == {"small_alpha"}
    # the numbers in a flag's text may differ between machines
    moved = re.sub(r"alpha=([0-9.]+)", lambda m: f"alpha={float(m[1]) + 1e-4:.4f}", flags[0])
    assert moved != flags[0]
    flags[0] = moved
    assert compare_frames(committed, changed) == []
    # a flag kind that appears or disappears is a mismatch
    flags.append("sigmoid ceiling c+d=0.85 < 0.9: stronger targets will be censored")
    assert [m.where for m in compare_frames(committed, changed, "f")] == [
        "f/hellaswag: flag kinds"
    ]


@pytest.mark.parametrize(("share", "caught"), [(0.035, False), (0.07, False), (0.2, True)])
def test_nonconvergence_share_has_a_tolerance(committed, share, caught):
    base = copy.deepcopy(committed)
    text = "loss-law bootstrap: {:.1f}% of refits did not converge (intervals may be too wide)"
    base["benchmarks"]["csqa"]["flags"].append(text.format(100 * 0.06))
    changed = copy.deepcopy(base)
    changed["benchmarks"]["csqa"]["flags"][-1] = text.format(100 * share)
    where = [m.where for m in compare_frames(base, changed, "f")]
    assert (where == ["f/csqa: loss-law non-converged share"]) is caught


def _with_scaled_a_draws(committed: dict, bench: str, factor: float) -> dict:
    changed = copy.deepcopy(committed)
    draws = changed["benchmarks"][bench]["loss_law"]["bootstrap_draws"]
    for row in draws:
        row[0] *= factor  # the loss law's a, in every bootstrap draw
    return changed


def test_bootstrap_quantile_tolerance_scales_with_the_interval(committed):
    """N_hat's bootstrap quantiles may move by 0.02 in ln, or by 1/8 of that score's own
    95 % half-width where it is wider; beyond that the check fails."""
    from densing.reference import ReferenceFrame

    frame = ReferenceFrame.from_dict(committed)
    lo, hi = frame.valid_score_range("hellaswag", 1e12)
    grid = lo + (hi - lo) * np.linspace(0.02, 0.98, 9)
    q = np.quantile(frame.effective_params_draws(grid, "hellaswag", 1e12), [0.025, 0.975],
                    axis=0)
    half = np.log(q[1] / q[0]) / 2
    half = half[np.isfinite(half)]
    alpha = float(np.median([r[1] for r in
                             committed["benchmarks"]["hellaswag"]["loss_law"]["bootstrap_draws"]]))
    # scaling a by f moves ln N_hat by about ln(f) / alpha at every score
    small = np.exp(0.5 * alpha * max(TOLERANCES["n_hat_quantile"], half.min() / 8))
    large = np.exp(3.0 * alpha * max(TOLERANCES["n_hat_quantile"], half.max() / 8))
    where = "f/hellaswag: N_hat bootstrap quantiles"
    assert where not in {m.where for m in compare_frames(
        committed, _with_scaled_a_draws(committed, "hellaswag", small), "f")}
    assert where in {m.where for m in compare_frames(
        committed, _with_scaled_a_draws(committed, "hellaswag", large), "f")}
