"""The one Summary type: text, HTML and dict renderings, and the objects that return it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from densing._summary import Summary
from densing.trend import DensingTrend, LineFit, PeriodComparison


def _table() -> pd.DataFrame:
    return pd.DataFrame({"name": ["a", "<b>"], "value": [1.23456, np.nan]})


def test_text_layout_header_rules_and_nesting() -> None:
    inner = Summary("inner", header=[("k", "v")])
    s = Summary("Title", header=[("headline", "3.3 months"), ("a much longer key name", 1)])
    s.add_table(_table(), caption="Table one:").add_table(_table(), float_format=".2f")
    s.add_note("a note").add_summary(inner).add_table(_table(), caption="After notes:")
    lines = s.as_text().splitlines()
    assert lines[0] == "Title"
    width = len("a much longer key name") + 2  # keys padded to the longest + 2
    assert lines[1] == "headline".ljust(width) + "3.3 months"
    assert lines[2] == "a much longer key name".ljust(width) + "1"
    assert lines[3] == "---" and lines[4] == "Table one:"
    # two tables in a row are separated by a rule; a table after a note is not
    second = lines.index("---", 5)
    assert lines[second + 1].split() == ["name", "value"]
    assert "1.23" in lines[second + 2] and "1.2346" not in lines[second + 2]
    assert "a note" in lines and lines[lines.index("inner") - 1] == ""
    assert lines[lines.index("After notes:") - 1] != "---"
    assert str(s) == s.as_text()


def test_html_escapes_and_dict_is_plain(capsys: pytest.CaptureFixture[str]) -> None:
    s = Summary("<script>x</script>", header=[("h", "<i>v</i>")], tables=[_table()],
                notes=["1 < 2"])
    html = s._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;" in html and "&lt;i&gt;v&lt;/i&gt;" in html and "1 &lt; 2" in html
    d = s.to_dict()
    assert d["header"] == {"h": "<i>v</i>"} and d["notes"] == ["1 < 2"]
    assert d["tables"][0]["columns"] == ["name", "value"]
    assert d["tables"][0]["rows"][1]["value"] is None  # NaN -> null
    json.dumps(d, allow_nan=False)
    assert capsys.readouterr().out == ""  # rendering never prints
    assert repr(s).startswith("<Summary '<script>x</script>'") and "\n" not in repr(s)


def test_trend_summary_is_a_method_with_the_headline_first() -> None:
    rng = np.random.default_rng(3)
    days = np.sort(rng.integers(0, 600, 40))
    df = pd.DataFrame({
        "model": [f"m{i}" for i in range(40)],
        "release_date": pd.Timestamp("2023-03-01") + pd.to_timedelta(days, unit="D"),
        "density": np.exp(0.005 * days + rng.normal(0, 0.4, 40)),
    })
    trend = DensingTrend(frontier="all", n_bootstrap=100).fit(df)
    s = trend.summary()
    assert isinstance(s, Summary)
    key, value = s.header[0]
    assert key == "doubling time"
    assert value.startswith(f"{trend.doubling_time_months_:.3g} months")
    pd.testing.assert_frame_equal(s.tables[0].frame, trend.summary_frame())
    assert isinstance(trend.all_points_, LineFit)
    # the all-points fit of frontier="all" is the same OLS as the frontier fit
    assert trend.all_points_.slope_per_day == pytest.approx(trend.slope_per_day_)
    slope = np.polyfit(days.astype(float), np.log(df["density"]), 1)[0]
    assert trend.slope_per_day_ == pytest.approx(slope, rel=1e-9)
    periods = trend.compare_periods("2023-12-01")
    assert isinstance(periods, PeriodComparison)
    assert periods.summary().header[0][0] == "ratio after/before"
    assert periods.to_dict()["before"]["n_models"] == int((df["release_date"] < "2023-12-01")
                                                          .sum())
    assert "<PeriodComparison" in repr(periods) and "\n" not in repr(periods)
