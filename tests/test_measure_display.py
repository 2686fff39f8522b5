"""The result of measuring a model shows itself (issue 14 item 1): one-line repr, a Summary
whose header leads with the model, and HTML for notebooks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from densing._summary import Summary
from densing.evaluate.measure import MEASURE_COLUMNS, Measurement


def _measurement() -> Measurement:
    rows = pd.DataFrame([{c: np.nan for c in MEASURE_COLUMNS} for _ in range(2)])
    rows["model"] = "tiny"
    rows["benchmark"] = ["arc_easy", "hellaswag"]
    rows["score"] = [0.62, 0.45]
    rows["density"] = [1.42, np.nan]
    rows["status"] = ["ok", "above_frame_range"]
    rows["flags"] = ["", ""]
    scores = pd.DataFrame({"model": ["tiny"] * 2, "benchmark": ["arc_easy", "hellaswag"]})
    return Measurement("tiny", 134_515_008, "total", scores, rows, "olmo-ladder", 1e12)


def test_repr_is_one_short_line() -> None:
    text = repr(_measurement())
    assert "\n" not in text and len(text) < 100
    assert "1/2 densities ok" in text


def test_summary_leads_with_the_model_and_lists_every_benchmark() -> None:
    s = _measurement().summary()
    assert isinstance(s, Summary)
    text = s.as_text()
    assert text.splitlines()[0] == "densing measure: tiny"
    assert "134,515,008 (total)" in text
    assert "arc_easy" in text and "hellaswag" in text and "above_frame_range" in text


def test_html_for_notebooks() -> None:
    html = _measurement()._repr_html_()
    assert html.count("<tr") >= 3 and "tiny" in html
