"""The paper's claims that densing compares itself with, and the verdict on them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: The paper's claims that densing compares itself with (Xiao et al., "Densing Law of LLMs").
PAPER_CLAIMS: dict[str, dict[str, Any]] = {
    "doubling_time_months_arxiv": {
        "value": 3.3, "slope_per_day": 0.0073, "r2": 0.912,
        "source": "arXiv:2412.04315 v2, Fig. 1 (29 open base models, 2023-02..2024-10)",
    },
    "doubling_time_months_journal": {
        "value": 3.5, "r2": 0.934,
        "source": "Nature Machine Intelligence 2025 (51 models)",
    },
    "slope_before_chatgpt": {
        "value": 0.0048, "source": "arXiv:2412.04315 v2, MMLU density before 2022-11-30",
    },
    "slope_after_chatgpt": {
        "value": 0.0073, "source": "arXiv:2412.04315 v2, MMLU density after 2022-11-30",
    },
    "compressed_not_denser": {
        "value": True,
        "source": "arXiv:2412.04315 v2, Sec. 4: pruned/distilled models (e.g. "
        "Llama-3.1-Minitron-4B, Gemma-2-2B) are not denser than their originals",
    },
}

#: the paper's window of release dates (Llama-1 to the last models it shows)
PAPER_WINDOW = ("2023-02-24", "2024-10-01")

#: the split date of the pre/post-ChatGPT comparison
CHATGPT_DATE = "2022-11-30"

#: benchmark used by default for the bundled Open LLM Leaderboard v1 scores
REPRODUCE_BENCHMARK = "average_llv1"


def verdict(paper: float, lo: float, hi: float, ci: float = 0.95) -> str:
    """The verdict on a paper's doubling time from a doubling-time interval, in words.

    An interval without a finite upper end includes zero (or negative) growth: it bounds
    nothing, so it is never read as agreement.

    Parameters
    ----------
    paper
        The paper's doubling time (months).
    lo, hi
        densing's interval (months); ``hi = inf`` when the slope interval reaches 0.
    ci
        The interval's confidence level.

    Returns
    -------
    str
        One sentence.
    """
    pct = f"{100 * ci:g} %"
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (f"{paper:g} months: not tested, densing's {pct} interval includes zero "
                "growth (no upper bound)")
    side = "inside" if lo <= paper <= hi else "outside"
    return f"{paper:g} months lies {side} densing's {pct} interval ({lo:.3g} .. {hi:.3g})"


def _cmp(name: str, paper: float, est: float, lo: float, hi: float, src: str,
         figure: str) -> dict[str, Any]:
    """One comparison row; ``paper_in_ci`` is ``None`` when the interval has no two ends."""
    inside = None if not (np.isfinite(lo) and np.isfinite(hi)) else bool(lo <= paper <= hi)
    return {"quantity": name, "paper": paper, "densing": est, "ci_low": lo, "ci_high": hi,
            "ratio": est / paper if paper else math.nan, "paper_in_ci": inside, "source": src,
            "paper_figure": figure}


__all__ = ["CHATGPT_DATE", "PAPER_CLAIMS", "PAPER_WINDOW", "REPRODUCE_BENCHMARK", "verdict"]
