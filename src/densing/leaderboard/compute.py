"""Densities, ranks and the trend of a leaderboard state (no file access)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from densing.conventions import model_column
from densing.exceptions import DensingError, DensingWarning
from densing.leaderboard.inputs import missing_tasks, one_line
from densing.leaderboard.result import LeaderboardResult
from densing.leaderboard.state import LeaderboardState

__all__ = ["compute_table", "fit_trend", "preferred_scores"]


def preferred_scores(state: LeaderboardState, frame_protocols: Mapping[str, str]) -> pd.DataFrame:
    """Model x benchmark scores, preferring the protocol that maps to the frame's.

    Parameters
    ----------
    state : LeaderboardState
        The leaderboard state.
    frame_protocols : Mapping
        Benchmark -> protocol of the frame.

    Returns
    -------
    pandas.DataFrame
        One row per model, one column per benchmark.
    """
    pmap = state.settings.get("protocol_map") or {}
    best: dict[tuple[str, str], tuple[int, float]] = {}
    for (model, bench, proto), r in state.scores.items():
        rank = 0 if pmap.get(proto, proto) == frame_protocols.get(bench) else 1
        cur = best.get((model, bench))
        if cur is None or rank < cur[0]:
            best[(model, bench)] = (rank, float(r["score"]))
    if not best:
        return pd.DataFrame(index=pd.Index([], name="model"))
    s = pd.Series({k: v[1] for k, v in best.items()})
    wide = s.unstack()
    wide.index.name = "model"
    return wide


def compute_table(state: LeaderboardState, frame: Any) -> LeaderboardResult:
    """The ranked table of a state: densities on the ranking benchmark, ranks, statuses.

    Parameters
    ----------
    state : LeaderboardState
        The leaderboard state.
    frame : ReferenceFrame
        The fitted reference frame.

    Returns
    -------
    LeaderboardResult
        Without a trend yet (see :func:`fit_trend`).
    """
    from densing.density import compute_density, model_densities

    settings = state.settings
    bench = str(settings["benchmark"])
    models = state.models_df
    base = models[["model", "release_date", "n_params"]].copy()
    cols = ["rank", "model", "release_date", "n_params", "score", "n_hat", "n_hat_low",
            "n_hat_high", "density", "density_low", "density_high", "status", "extrapolated",
            "frontier", "missing"]
    per = pd.DataFrame(columns=["model", "score", "n_hat", "n_hat_low", "n_hat_high",
                                "density", "density_low", "density_high", "status",
                                "extrapolated"])
    if state.scores:
        # every n_params of a board is in the board's convention (settings["param_count"])
        pc = str(settings.get("param_count") or "total")
        counted = models.assign(**{model_column(pc): models["n_params"]})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DensingWarning)
            dens = compute_density(
                state.scores_df, counted, frame, tokens=float(settings["tokens"]),
                param_count=pc,  # type: ignore[arg-type]
                protocol_map=settings.get("protocol_map") or None,
            )
        if (dens["benchmark"] == bench).any():
            md = model_densities(dens, benchmark=bench)
            per = md.merge(dens.loc[dens["benchmark"] == bench, ["model", "n_hat_low",
                                                                  "n_hat_high"]],
                           on="model", how="left")
            per = per[["model", "score", "n_hat", "n_hat_low", "n_hat_high", "density",
                       "density_low", "density_high", "status", "extrapolated"]]
    table = base.merge(per, on="model", how="left")
    # models without a row for the ranking benchmark: say why
    scored = {k[0] for k in state.scores}
    mismatched = set(dens.loc[dens["status"] == "protocol_mismatch", "model"]) if state.scores \
        else set()
    why = {m: ("protocol_mismatch" if m in mismatched else "missing_tasks") if m in scored
           else "no_score" for m in table["model"]}
    table["status"] = table["status"].fillna(table["model"].map(why)).astype(str)
    table["extrapolated"] = table["extrapolated"].fillna(False).astype(bool)
    for c in ("score", "n_hat", "n_hat_low", "n_hat_high", "density", "density_low",
              "density_high"):
        table[c] = pd.to_numeric(table[c], errors="coerce").astype(float)
    ok = table["status"].eq("ok")
    table["_key"] = np.where(ok, -table["density"].fillna(0.0), np.inf)
    table = table.sort_values(["_key", "model"], kind="stable").drop(columns="_key")
    table = table.reset_index(drop=True)
    table["rank"] = pd.array([i + 1 if o else pd.NA for i, o in enumerate(table["status"] == "ok")],
                             dtype="Int64")
    table["frontier"] = False
    tasks = list((getattr(frame, "averages", None) or {}).get(bench) or [bench])
    pmap = settings.get("protocol_map") or None
    table["missing"] = [
        ", ".join(missing_tasks([r for k, r in state.scores.items() if k[0] == m], tasks,
                                frame.protocol_, pmap)) if st == "missing_tasks" else ""
        for m, st in zip(table["model"], table["status"], strict=True)
    ]
    table["release_date"] = pd.to_datetime(table["release_date"]).dt.strftime("%Y-%m-%d")
    wide = preferred_scores(state, frame.protocol_)
    table = table[cols]
    for b in sorted(wide.columns):
        table[f"score:{b}"] = table["model"].map(wide[b]).astype(float)
    return LeaderboardResult(state.version, table, None, {}, "")


def fit_trend(result: LeaderboardResult, n_bootstrap: int,
               random_state: int | None) -> LeaderboardResult:
    """Fit the running-max trend to the ranked models, in place.

    Parameters
    ----------
    result : LeaderboardResult
        From :func:`compute_table`.
    n_bootstrap : int
        Bootstrap resamples.
    random_state : int or None
        Seed.

    Returns
    -------
    LeaderboardResult
        ``result`` with ``trend``, ``curve``, ``note`` and ``frontier`` set.
    """
    from densing.trend import DensingTrend

    table = result.table
    ok = table[table["status"] == "ok"]
    if len(ok) < 3:
        result.note = f"no trend: {len(ok)} model(s) with a density, the fit needs at least 3"
        return result
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            trend = DensingTrend(n_bootstrap=n_bootstrap, random_state=random_state).fit(
                ok[["model", "release_date", "density", "status"]]
            )
        except DensingError as exc:
            result.note = f"no trend: {one_line(exc)}"
            return result
    notes = sorted({one_line(w.message) for w in caught
                    if issubclass(w.category, DensingWarning)})
    result.trend = trend.to_dict()
    curve = trend.curve()
    has_band = bool(curve["low"].notna().all())
    result.curve = {
        "dates": [d.date().isoformat() for d in curve["date"]],
        "density": curve["density"].tolist(),
        "low": curve["low"].tolist() if has_band else [],
        "high": curve["high"].tolist() if has_band else [],
    }
    result.note = "; ".join(notes)
    members = set(trend.frontier_["model"].astype(str))
    result.table["frontier"] = result.table["model"].isin(members)
    return result
