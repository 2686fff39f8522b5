"""The result of computing a leaderboard: the ranked table, the trend and its curve."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from densing._io import to_plain

__all__ = ["LeaderboardResult"]


@dataclass
class LeaderboardResult:
    """Densities and trend of one leaderboard version (from :meth:`Leaderboard.recompute`).

    Attributes
    ----------
    version
        Leaderboard version the result belongs to.
    table
        One row per model, ranked by density: ``rank`` (missing for censored models),
        ``model``, ``release_date``, ``n_params``, ``score`` (ranking benchmark), ``n_hat``,
        ``n_hat_low``, ``n_hat_high``, ``density``, ``density_low``, ``density_high``,
        ``status``, ``extrapolated``, ``frontier``, ``missing`` (the tasks of the ranking
        benchmark a ``missing_tasks`` model lacks), then ``score:<benchmark>`` per benchmark.
    trend
        :meth:`DensingTrend.to_dict` of the running-max trend, or ``None`` when it cannot be
        fitted (see ``note``).
    curve
        The fitted line and its CI band for figures: ``dates`` (ISO), ``density``, ``low``,
        ``high``; empty without a trend.
    note
        Why there is no trend, or warnings raised while fitting it.
    """

    version: int
    table: pd.DataFrame
    trend: dict[str, Any] | None
    curve: dict[str, list[Any]]
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``version``, ``table`` (records), ``trend``, ``curve``, ``note``."""
        table = self.table.copy()
        table["release_date"] = table["release_date"].astype(str)
        records = [{k: to_plain(v) if not (isinstance(v, float) and math.isnan(v)) else None
                    for k, v in r.items()} for r in table.to_dict(orient="records")]
        return {"version": self.version, "table": records, "trend": to_plain(self.trend),
                "curve": to_plain(self.curve), "note": self.note}
