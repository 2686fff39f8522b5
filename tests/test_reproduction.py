"""The full pipeline on the bundled data: what the data show, beside the paper's claims.

Nothing here hard-codes densing's outputs: the assertions are about what the data must show
(density grows, intervals are finite and bracket the estimates) and about the comparison
being computed from the fitted numbers. The paper's figures live in
``tests/reference/densing_paper.py`` with their citation.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from reference import densing_paper as paper  # tests/reference (pytest puts tests/ on sys.path)

from densing.cli import main
from densing.report import PAPER_CLAIMS, reproduce, sensitivity


@pytest.fixture(scope="module")
def rep():
    return reproduce(n_bootstrap=300, random_state=0)


def test_paper_claims_match_the_cited_record():
    assert PAPER_CLAIMS["doubling_time_months_arxiv"]["value"] == paper.DOUBLING_MONTHS_ARXIV
    assert PAPER_CLAIMS["doubling_time_months_arxiv"]["slope_per_day"] == paper.SLOPE_PER_DAY_ARXIV
    assert PAPER_CLAIMS["doubling_time_months_arxiv"]["r2"] == paper.R2_ARXIV
    assert PAPER_CLAIMS["doubling_time_months_journal"]["value"] == paper.DOUBLING_MONTHS_JOURNAL
    assert PAPER_CLAIMS["slope_before_chatgpt"]["value"] == paper.SLOPE_BEFORE_CHATGPT
    assert PAPER_CLAIMS["slope_after_chatgpt"]["value"] == paper.SLOPE_AFTER_CHATGPT


def test_density_grows_with_finite_bracketing_interval(rep):
    t = rep.trend
    # issue 19: the headline (0.9-quantile line, pairs bootstrap widened by measurement
    # spread) bounds the doubling time on the bundled data; the envelope's may not.
    for ci in (t.ci_, rep.intervals["joint"]):
        clo, chi = ci["slope_per_day"]
        assert clo <= t.slope_per_day_ <= chi
    jlo, jhi = rep.intervals["joint"]["slope_per_day"]
    mlo, mhi = t.ci_["slope_per_day"]
    assert jlo <= mlo and jhi >= mhi
    assert jlo > 0, "the headline interval excludes zero growth"
    lo, hi = t.ci_percentile_["slope_per_day"]
    assert lo > 0, "the slope's percentile interval must exclude 0: density grows"
    assert lo <= t.slope_per_day_ <= hi
    dlo, dhi = t.ci_percentile_["doubling_time_months"]
    assert math.isfinite(t.doubling_time_months_) and math.isfinite(dlo) and math.isfinite(dhi)
    assert dlo <= t.doubling_time_months_ <= dhi
    assert t.doubling_time_months_ == pytest.approx(math.log(2) / t.slope_per_day_ / 30.44)
    # the paper's window and the frontier are reported
    assert rep.settings["window"] == list(paper.PAPER_WINDOW)
    assert 3 <= t.n_frontier_ <= t.n_models_
    assert t.n_models_ >= 50


def test_comparison_with_the_paper_is_computed(rep):
    cmp = rep.comparison().set_index("quantity")
    t = rep.trend
    for key, claim in (("arxiv", paper.DOUBLING_MONTHS_ARXIV),
                       ("journal", paper.DOUBLING_MONTHS_JOURNAL)):
        row = cmp.loc[f"doubling time (months), {key}"]
        assert row["paper"] == claim
        assert row["densing"] == t.doubling_time_months_
        assert row["ratio"] == pytest.approx(t.doubling_time_months_ / claim)
        lo, hi = rep.intervals["joint"]["doubling_time_months"]  # the headline's interval
        assert (row["ci_low"], row["ci_high"]) == (lo, hi)
        assert row["paper_in_ci"] == (lo <= claim <= hi)
    # the paper's stated A implies its own doubling time: ln 2 / A days, 30.44 days a month
    implied = cmp.loc["doubling time (months), from the paper's A"]
    assert implied["paper"] == pytest.approx(math.log(2) / paper.SLOPE_PER_DAY_ARXIV / 30.44)
    assert implied["paper"] == pytest.approx(paper.DOUBLING_MONTHS_FROM_SLOPE_ARXIV, abs=0.005)
    assert "ln 2 / A" in implied["paper_figure"]
    slope = cmp.loc["slope A (per day)"]
    assert slope["ratio"] == pytest.approx(t.slope_per_day_ / paper.SLOPE_PER_DAY_ARXIV)


def test_pre_post_chatgpt_comparison(rep):
    p = rep.periods
    assert p is not None and p.split == paper.CHATGPT_DATE
    before, after = p.before.slope_per_day, p.after.slope_per_day
    assert before < after, "the bundled data show faster densing after ChatGPT (paper: too)"
    assert p.ratio == pytest.approx(after / before)
    cmp = rep.comparison().set_index("quantity")
    assert cmp.loc["slope before ChatGPT (per day)", "paper"] == paper.SLOPE_BEFORE_CHATGPT
    assert cmp.loc["slope after ChatGPT (per day)", "densing"] == after


def test_diagnostics_and_compressed_models(rep):
    d = rep.diagnostics
    assert d["n_ok"] + d["n_censored"] >= rep.trend.n_models_
    assert 0.0 <= d["share_extrapolated"] <= 1.0
    assert set(d["censored_by_status"]) <= {"below_floor", "above_ceiling", "above_frame_range"}
    comp = rep.compressed
    assert set(comp["relation"]) <= {"pruned", "distilled", "pruned+distilled"}
    assert len(comp) >= 1
    row = rep.comparison().set_index("quantity").loc["pruned/distilled models denser than parent"]
    # no bundled compressed model has both densities (the parents lack dated scores), so the
    # claim is reported as untestable rather than as "0 of 0"
    assert comp.dropna(subset=["density", "parent_density"]).empty
    assert row["densing"].startswith("untestable")


def test_joint_bootstrap_widens_or_keeps_the_interval(rep):
    joint = reproduce(n_bootstrap=300, random_state=0, joint=True, sfa_bootstrap=0)
    assert joint.trend.doubling_time_months_ == pytest.approx(rep.trend.doubling_time_months_)
    w_models = np.diff(rep.intervals["percentile"]["slope_per_day"])[0]
    w_joint = np.diff(joint.intervals["percentile"]["slope_per_day"])[0]
    assert w_joint >= 0.8 * w_models
    # the frame draws feed the percentile bootstrap only; the models-only interval and the
    # headline's joint interval do not count them twice
    assert joint.trend.ci_ == rep.trend.ci_
    assert joint.intervals["joint"] == rep.intervals["joint"]


def test_cli_reproduce_json_has_the_contract(capsys):
    assert main(["reproduce", "--json", "--bootstrap", "300"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("doubling_time_days", "doubling_time_months", "ci95_months", "slope_per_day",
                "r2", "n_models", "n_frontier", "n_censored", "periods", "window", "frame"):
        assert key in out
    lo, hi = out["ci95_months"]
    hi = math.inf if hi is None else hi  # an unbounded doubling time prints as null
    assert lo <= out["doubling_time_months"] <= hi
    mlo, mhi = out["ci95_months_models_only"]
    mhi = math.inf if mhi is None else mhi
    assert lo <= mlo and hi >= mhi, "the joint interval contains the models-only one"
    assert out["n_undated"] == len(out["diagnostics"]["undated_models"])
    assert out["n_censored"] == out["diagnostics"]["n_censored"]
    assert 0 <= out["n_lower_bounds"] <= out["n_censored"]
    assert out["frame"] == "olmo-ladder"
    head = out["headline"]
    assert head["estimator"].startswith("quantile") and head["quantile"] == 0.9
    assert head["ci95_months"] == out["ci95_months"] and head["bounded"] is True
    assert head["verdict"].startswith("3.3 months lies ")
    env = out["envelope"]
    assert env["estimator"] == "running_max" and len(env["members"]) == env["n_frontier"]
    # the bundled envelope's interval has no upper end (issue 19): JSON null and a note
    assert env["ci95_months"][1] is None
    assert env["note"] == "no upper bound from a running maximum at this scatter"
    sf = out["stochastic_frontier"]
    assert sf["doubling_time_months"] > 0 and 0 <= sf["lr_pvalue_drift"] <= 1
    assert set(out["quantiles"]) == {"0.8", "0.9", "0.95"}
    assert out["quantiles"]["0.9"] == out["doubling_time_months"]


def test_cli_reproduce_bad_window(capsys):
    assert main(["reproduce", "--window", "2024-13-01:2024-02-01"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "2024-13-01" in err[0]


@pytest.mark.slow
def test_sensitivity_table_covers_every_choice():
    table = sensitivity(n_bootstrap=200)
    assert len(table) >= 10
    # every variant gives a doubling time or says why it cannot (e.g. an envelope of one model)
    numeric = table["doubling_months"].notna()
    assert numeric.sum() >= 8
    # (the "error" column exists only when a variant failed: reindex gives NaN otherwise)
    errors = table.reindex(columns=["error"])["error"][~numeric]
    assert all(isinstance(e, str) and len(e) > 20 for e in errors), errors
    ok = table[numeric & (table["group"] == "analysis choice")]
    # the joint interval contains the models-only one; bounds are a part of the censored
    assert (ok["ci_low"] <= ok["ci_low_models_only"]).all()
    assert (ok["n_lower_bounds"] <= ok["n_censored"]).all()
    most = ok.loc[ok["n_lower_bounds"].idxmax()]
    assert most["n_lower_bounds"] > 10, "some variant censors many strong models"
    assert math.isfinite(most["doubling_months"])
    # the robustness rows: frontier rules, drop-one influence, moved windows
    groups = table["group"].value_counts()
    assert groups["frontier rule"] >= 5 and groups["drop-one"] == 3 and groups["window"] == 4
    rules = " ".join(table.loc[table["group"] == "frontier rule", "variant"])
    for name in ("tau=0.8", "tau=0.95", "running max", "OLS", "stochastic"):
        assert name in rules


def test_reproduction_shows_itself_briefly(rep, capsys):
    text = repr(rep)
    t = rep.trend
    assert "\n" not in text and len(text) < 200
    assert f"{t.n_models_} models" in text and f"{t.doubling_time_months_:.2g} mo" in text
    html = rep._repr_html_()
    assert html.index("doubling time") < html.index("models used")  # headline first
    assert "pruned/distilled" in html and len(html) < 20_000
    full = rep.summary()
    assert full.header[0][0] == "doubling time"  # the headline first
    assert capsys.readouterr().out == ""  # summaries render, they do not print
    rep.print_summary()
    assert capsys.readouterr().out.rstrip("\n") == full.as_text()


def test_unfitted_trend_displays_without_error():
    from densing.trend import DensingTrend

    assert DensingTrend()._repr_html_() == "<pre>&lt;DensingTrend: unfitted&gt;</pre>"


def test_plot_sensitivity_marks_the_paper_and_open_intervals():
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from densing._plot_sensitivity import plot_sensitivity

    table = pd.DataFrame({"group": ["frontier rule"] * 3,
                          "variant": ["quantile", "envelope", "OLS"],
                          "doubling_months": [6.7, 5.0, 3.4], "ci_low": [3.7, 3.0, 2.6],
                          "ci_high": [16.3, math.inf, 4.9]})
    ax = plot_sensitivity(table, xmax=20)
    xs = sorted(line.get_xdata()[0] for line in ax.get_lines() if len(line.get_xdata()) == 2
                and line.get_xdata()[0] == line.get_xdata()[1])
    assert xs == [3.3, 3.5]
    segs = ax.collections[0].get_segments()
    assert [float(s[1][0]) for s in segs] == [16.3, 20.0, 4.9]  # the open one drawn to the edge
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "frontier rule: envelope"


def _primal_quantile_line(t: np.ndarray, y: np.ndarray, tau: float) -> tuple[float, float]:
    """Intercept and slope of the linear tau-quantile line: the primal LP, written here.

    min tau 1'u + (1 - tau) 1'v  s.t.  b0 + b1 t_i + u_i - v_i = y_i,  u, v >= 0.
    """
    from scipy.optimize import linprog

    n = t.size
    ts = (t - t.mean()) / t.std()
    cost = np.concatenate([[0.0, 0.0], np.full(n, tau), np.full(n, 1 - tau)])
    a_eq = np.hstack([np.ones((n, 1)), ts[:, None], np.eye(n), -np.eye(n)])
    res = linprog(cost, A_eq=a_eq, b_eq=y, bounds=[(None, None)] * 2 + [(0, None)] * (2 * n),
                  method="highs-ds")
    assert res.status == 0
    slope = float(res.x[1] / t.std())
    return float(res.x[0] - slope * t.mean()), slope


def _headline_points(rep) -> tuple[np.ndarray, np.ndarray, list[str]]:
    d = rep.trend.data_
    assert rep.trend.n_bounds_ == 0  # the bundled headline has no lower bounds: a plain LP
    return (d["t_days"].to_numpy(dtype=float), np.log(d["density"].to_numpy(dtype=float)),
            d["model"].astype(str).tolist())


def test_quantile_fit_quality_is_a_number_not_nan(rep):
    """Issue 19: the R² row of a quantile headline showed NaN. A quantile line has no R²:
    the row shows the envelope's R² (the paper's is on its envelope) and the quantile line's
    Koenker-Machado pseudo-R¹, recomputed here from our own LP and check loss."""
    t, x, _ = _headline_points(rep)
    b0, b1 = _primal_quantile_line(t, x, 0.9)

    def rho(r: np.ndarray) -> float:
        return float(np.where(r >= 0, 0.9 * r, -0.1 * r).sum())

    r1 = 1 - rho(x - b0 - b1 * t) / rho(x - np.sort(x)[math.ceil(0.9 * x.size) - 1])
    cmp = rep.comparison().set_index("quantity")
    assert cmp.loc["pseudo-R1 of the quantile line", "densing"] == pytest.approx(r1, rel=1e-6)
    assert 0 < r1 < 1
    env = cmp.loc["R^2 of the envelope fit (paper's rule)"]
    assert env["paper"] == paper.R2_ARXIV and env["densing"] == rep.envelope.r2_
    assert 0 < env["densing"] <= 1
    assert rep.to_dict()["headline"]["pseudo_r1"] == pytest.approx(r1, rel=1e-6)
    text = rep.summary().as_text()
    assert "nan" not in text.lower().replace("nan_", "")
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "pseudo-R1, quantile line" in text and "on the envelope" not in text


def test_drop_one_rows_match_an_independent_refit(rep):
    """The drop-one rows against our own LP: each row's doubling time is the refit without
    that model (and without each model it names as giving the same line), and no model left
    out of the rows moves the slope more than the last row's does."""
    from densing.report import robustness

    t, x, names = _headline_points(rep)
    base = _primal_quantile_line(t, x, 0.9)[1]
    slope = {}
    for i, name in enumerate(names):
        keep = np.arange(t.size) != i
        slope[name] = _primal_quantile_line(t[keep], x[keep], 0.9)[1]
    rows = robustness(rep, n_bootstrap=20)
    drop = rows[rows["group"] == "drop-one"]
    assert len(drop) == 3
    shown = []
    for _, r in drop.iterrows():
        first = r["variant"].removeprefix("without ")
        same = [s for s in str(r["same_line_without"]).split(", ") if s]
        for name in [first, *same]:
            assert math.log(2) / slope[name] / 30.44 == pytest.approx(r["doubling_months"],
                                                                   rel=1e-6)
        shown += [first, *same]
        assert r["n_models"] == len(names) - 1
    # distinct rows, ordered by influence; every model not shown moves the slope less
    months = drop["doubling_months"].to_numpy()
    assert len(set(np.round(months, 6))) == 3
    change = {n: abs(s - base) for n, s in slope.items()}
    last = min(change[n] for n in shown)
    assert all(change[n] < last * (1 - 1e-6) for n in names if n not in shown)
    assert sorted(change, key=change.get, reverse=True)[0] in shown
