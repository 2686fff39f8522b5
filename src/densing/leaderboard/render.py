"""Rendering of a density leaderboard: Markdown, and one self-contained HTML page with an
inline SVG figure and sortable columns (no external requests).

Names are text, never markup: Markdown cells escape Markdown and HTML, the page escapes HTML.
Bidirectional controls (an RTL override, say) are shown as a visible ``<U+202E>`` everywhere, so
no name can reorder the text around it (new model names with one are refused at ``add``).
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from densing._plot_leaderboard import chart_geometry
from densing._summary import Summary
from densing.leaderboard.inputs import visible_text
from densing.leaderboard.result import LeaderboardResult

__all__ = ["html_page", "markdown", "summary_report", "trend_text"]


_STATUS_TEXT = {
    "below_floor": "below floor",
    "above_ceiling": "above ceiling",
    "above_frame_range": "above frame range",
    "protocol_mismatch": "protocol mismatch",
    "unknown_benchmark": "unknown benchmark",
    "missing_params": "no parameter count",
    "no_score": "no score",
    "missing_tasks": "missing tasks",
}


def _fmt_count(v: Any) -> str:
    """7.24e9 -> '7.24B'."""
    try:
        x = float(v)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(x):
        return "∞" if x > 0 else ""
    for scale, unit in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:.3g}{unit}"
    return f"{x:.3g}"


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _density_text(r: Any) -> str:
    if r["status"] != "ok":
        text = _STATUS_TEXT.get(str(r["status"]), str(r["status"]))
        missing = r.get("missing") if hasattr(r, "get") else None
        return f"{text}: {missing}" if isinstance(missing, str) and missing else text
    text = f"{float(r['density']):.3g}"
    if _finite(r["density_low"]) and _finite(r["density_high"]):
        text += f" ({float(r['density_low']):.3g}–{float(r['density_high']):.3g})"
    return text


def _bench_columns(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c.startswith("score:")]


def trend_text(res: LeaderboardResult) -> str:
    """One line on the trend: doubling time, its CI, the frontier, and the note.

    Parameters
    ----------
    res : LeaderboardResult
        The computed leaderboard.

    Returns
    -------
    str
        The sentence.
    """
    t = res.trend
    if not t:
        return res.note or "no trend"
    months = t.get("doubling_time_months")
    ci = (t.get("ci") or {}).get("doubling_time_months") or [None, None]
    level = 100 * float(t.get("ci_level") or 0.95)

    def m(v: Any) -> str:
        return f"{float(v):.3g}" if _finite(v) else "∞"

    text = (f"density doubles every {m(months)} months ({level:g} % CI {m(ci[0])}–{m(ci[1])}), "
            f"running-max frontier of {t.get('n_frontier')} of {t.get('n_models')} models "
            f"({t.get('date_range', ['', ''])[0]} .. {t.get('date_range', ['', ''])[1]})")
    ap = t.get("all_points") or {}
    if ap:
        text += f"; all-points fit: {m(ap.get('doubling_time_months'))} months"
    if res.note:
        text += f". Note: {res.note}"
    return text


def _doubling_text(res: LeaderboardResult) -> str:
    """'3.3 months (95 % CI 2.9-3.8), frontier of 5 of 20 models' or why there is none."""
    t = res.trend
    if not t:
        return "none (see the Trend line)"

    def m(v: Any) -> str:
        return f"{float(v):.3g}" if v is not None and math.isfinite(float(v)) else "inf"

    ci = (t.get("ci") or {}).get("doubling_time_months") or [None, None]
    level = 100 * float(t.get("ci_level") or 0.95)
    return (f"{m(t.get('doubling_time_months'))} months ({level:g} % CI {m(ci[0])}-{m(ci[1])}),"
            f" frontier of {t.get('n_frontier')} of {t.get('n_models')} models")


def summary_report(res: LeaderboardResult, meta: Mapping[str, Any],
                   max_rows: int = 20) -> Summary:
    """The leaderboard as a :class:`~densing._summary.Summary` (see
    :meth:`Leaderboard.summary`): the doubling time first, the counts and settings, the top
    of the ranked table and the trend line.

    Parameters
    ----------
    res : LeaderboardResult
        The computed leaderboard.
    meta : Mapping
        ``meta.json``.
    max_rows : int
        At most this many models are listed (the rest are counted in a note).

    Returns
    -------
    Summary
        Renders as text, HTML and a dict.
    """
    table = res.table
    tokens = meta.get("tokens")
    s = Summary("Density leaderboard", header=[
        ("doubling time", _doubling_text(res)),
        ("models", f"{len(table)} ({int(table['status'].eq('ok').sum())} ranked)"),
        ("version", res.version),
        ("reference frame", meta.get("frame")),
        ("D0", f"{float(tokens):.3g} tokens" if tokens is not None else "?"),
        ("ranked by", f"density on {meta.get('benchmark')}"),
    ])
    cols = [c for c in ("rank", "model", "release_date", "n_params", "n_hat", "density",
                        "density_low", "density_high", "status", "frontier")
            if c in table.columns]
    if "missing" in table.columns and table["missing"].astype(bool).any():
        cols.append("missing")
    shown = table[cols].head(max_rows).astype({"rank": object}).fillna({"rank": ""})
    shown["model"] = shown["model"].map(visible_text)  # no bidi control reaches a terminal
    s.add_table(shown, caption="Ranked by density (frontier: carries the trend):")
    if len(table) > max_rows:
        s.add_note(f"... {len(table) - max_rows} more models (summary_frame() has all)")
    s.add_note(f"Trend: {trend_text(res)}")
    return s


def _header_text(res: LeaderboardResult, meta: Mapping[str, Any]) -> str:
    tokens = meta.get("tokens")
    d0 = f"{float(tokens):.3g}" if tokens is not None and _finite(tokens) else "?"
    return (f"Reference frame {meta.get('frame')} · D0 = {d0} tokens · ranked by the density on "
            f"{meta.get('benchmark')} · {len(res.table)} models · version {res.version} "
            f"(updated {meta.get('updated')}) · data {meta.get('data_version')} · "
            f"densing {meta.get('densing_version')}")


#: width of one character of a point label (10 px font), an upper estimate
_LABEL_CHAR_PX = 6.5

_MD_SPECIAL = "\\`*_[]|~"


def _md_cell(text: Any) -> str:
    """Text as a Markdown table cell: HTML escaped, Markdown's inline marks backslashed."""
    out = html.escape(" ".join(visible_text(text).split()), quote=False)
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in out)


def markdown(res: LeaderboardResult, meta: Mapping[str, Any]) -> str:
    """The leaderboard as a Markdown page; names are escaped (Markdown and HTML).

    Parameters
    ----------
    res : LeaderboardResult
        The computed leaderboard.
    meta : Mapping
        ``meta.json``.

    Returns
    -------
    str
        The page.
    """
    table = res.table
    benches = _bench_columns(table)
    head = ["Rank", "Model", "Released", "Params", "N̂", "Density (95 % CI)",
            *[_md_cell(b[len("score:"):]) for b in benches], "Frontier"]
    align = ["---:", "---", "---", "---:", "---:", "---", *["---:"] * len(benches), ":---:"]
    lines = ["# Density leaderboard", "", _md_cell(_header_text(res, meta)), "",
             f"**Trend:** {_md_cell(trend_text(res))}", "",
             "| " + " | ".join(head) + " |", "|" + "|".join(align) + "|"]
    for _, r in table.iterrows():
        cells = [
            "" if pd.isna(r["rank"]) else str(int(r["rank"])),
            _md_cell(r["model"]),
            str(r["release_date"]),
            _fmt_count(r["n_params"]),
            _fmt_count(r["n_hat"]) if r["status"] == "ok" else "",
            _md_cell(_density_text(r)),
            *[f"{float(r[b]):.3f}" if _finite(r[b]) else "" for b in benches],
            "★" if bool(r["frontier"]) else "",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("Scores are fractions; N̂ is the effective parameter count and density "
                 "N̂ / N. ★: on the running-max frontier that carries the trend.")
    return "\n".join(lines) + "\n"


def _esc(text: Any) -> str:
    """HTML-escaped text with bidirectional controls made visible."""
    return html.escape(visible_text(text))


def _svg_figure(res: LeaderboardResult, width: int = 720, height: int = 360) -> str:
    """Inline SVG: log density vs release date, frontier highlighted, fitted line and band."""
    table = res.table
    ok = table[(table["status"] == "ok") & (table["density"] > 0)]
    esc = _esc
    geo = chart_geometry(res)
    n_keys = 0 if geo["trend"] is None else 4 + bool(geo["up"] or geo["down"])
    legend_h = 14 * n_keys + (8 if n_keys else 0)  # the legend goes under the axes
    height += legend_h
    left, right, top, bottom = 64, 16, 16, 44 + legend_h
    pw, ph = width - left - right, height - top - bottom
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
             'role="img" aria-label="Density against release date">',
             f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" class="plot"/>']
    if ok.empty:
        parts.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle">'
                     "no densities yet</text></svg>")
        return "".join(parts)
    days = pd.to_datetime(ok["release_date"]).to_numpy().astype("datetime64[D]").astype(float)
    logd = np.log10(ok["density"].to_numpy(dtype=float))
    curve = res.curve or {}
    cdays = np.array([], dtype=float)
    cl = ch = cm = np.array([], dtype=float)
    if curve.get("dates"):
        cdays = (pd.to_datetime(pd.Series(curve["dates"])).to_numpy()
                 .astype("datetime64[D]").astype(float))
        with np.errstate(divide="ignore", invalid="ignore"):
            cm = np.log10(np.asarray(curve["density"], dtype=float))
            cl = np.log10(np.asarray(curve.get("low") or curve["density"], dtype=float))
            ch = np.log10(np.asarray(curve.get("high") or curve["density"], dtype=float))
    x0, x1 = float(days.min()), float(days.max())
    if x1 - x0 < 30:
        x0, x1 = x0 - 30, x1 + 30
    pad = 0.04 * (x1 - x0)
    x0, x1 = x0 - pad, x1 + pad
    ys = np.concatenate([logd, cm[np.isfinite(cm)]])
    if geo["trend"] is not None:  # the paper's line and the band stay inside the axes
        extra_y = [geo["log_paper"]] + ([geo["log_lo"], geo["log_hi"]]
                                        if geo["log_lo"] is not None else [])
        ys = np.concatenate([ys, *(np.asarray(v) / math.log(10.0) for v in extra_y)])
        ys = ys[np.isfinite(ys)]
    y0, y1 = float(np.floor(ys.min())), float(np.ceil(ys.max()))  # whole decades
    if y1 - y0 < 1:
        y0, y1 = y0 - 1, y1 + 1

    def sx(d: Any) -> Any:
        return left + (np.asarray(d, dtype=float) - x0) / (x1 - x0) * pw

    def sy(v: Any) -> Any:
        return top + (y1 - np.clip(np.asarray(v, dtype=float), y0, y1)) / (y1 - y0) * ph

    # axes: y ticks at powers of ten, x ticks at year starts (or quarters)
    for yv in np.arange(y0, y1 + 1e-9, 1.0):
        yy = float(sy(yv))
        label = f"{10 ** yv:.3g}"
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{yy:.1f}" y2="{yy:.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{label}</text>')
    first = np.datetime64(int(x0), "D").astype("datetime64[Y]")
    last = np.datetime64(int(x1), "D").astype("datetime64[Y]")
    years = np.arange(first, last + 1)
    ticks = [np.datetime64(y, "D") for y in years]
    if len(ticks) < 3:
        months = np.arange(first.astype("datetime64[M]"), (last + 1).astype("datetime64[M]"), 3)
        ticks = [np.datetime64(m, "D") for m in months]
    for tk in ticks:
        tv = float(tk.astype(float))
        if not x0 <= tv <= x1:
            continue
        xx = float(sx(tv))
        lab = str(tk)[:7] if len(years) < 3 else str(tk)[:4]
        parts.append(f'<line x1="{xx:.1f}" x2="{xx:.1f}" y1="{top}" y2="{top + ph}" '
                     'class="grid"/>')
        parts.append(f'<text x="{xx:.1f}" y="{top + ph + 16}" text-anchor="middle">{lab}</text>')
    parts.append(f'<text x="{left + pw / 2}" y="{top + ph + 32}" text-anchor="middle">'
                 "Release date</text>")
    parts.append(f'<text transform="translate(14 {top + ph / 2}) rotate(-90)" '
                 'text-anchor="middle">Density ρ = N̂ / N (log scale)</text>')
    if cdays.size and geo["trend"] is not None:
        # the band is the doubling-time interval the legend states, through the fit's
        # anchor (as the trend figure draws it); the paper's law through the same anchor
        ln10 = math.log(10.0)
        if geo["log_lo"] is not None:
            lo_l, hi_l = geo["log_lo"] / ln10, geo["log_hi"] / ln10
            cl, ch = np.minimum(lo_l, hi_l), np.maximum(lo_l, hi_l)
        else:
            cl = ch = np.full(cdays.size, np.nan)
        paper_pts = " ".join(f"{float(sx(d)):.1f},{float(sy(v)):.1f}"
                             for d, v in zip(cdays, geo["log_paper"] / ln10, strict=True))
        parts.append(f'<polyline points="{paper_pts}" class="paper"><title>'
                     f'{esc(geo["labels"]["paper"])}</title></polyline>')
    if cdays.size:
        keep = np.isfinite(cl) & np.isfinite(ch)
        if keep.any():
            upper = " ".join(f"{float(sx(d)):.1f},{float(sy(v)):.1f}"
                             for d, v in zip(cdays[keep], ch[keep], strict=True))
            lower = " ".join(f"{float(sx(d)):.1f},{float(sy(v)):.1f}"
                             for d, v in zip(cdays[keep][::-1], cl[keep][::-1], strict=True))
            parts.append(f'<polygon points="{upper} {lower}" class="band"/>')
        pts = " ".join(f"{float(sx(d)):.1f},{float(sy(v)):.1f}"
                       for d, v in zip(cdays, cm, strict=True) if np.isfinite(v))
        parts.append(f'<polyline points="{pts}" class="fit"/>')
    front = ok["frontier"].to_numpy(dtype=bool)
    for d, v, name, f in zip(days, logd, ok["model"], front, strict=True):
        cls = "pt front" if f else "pt"
        parts.append(f'<circle cx="{float(sx(d)):.1f}" cy="{float(sy(v)):.1f}" '
                     f'r="{5 if f else 3.5}" class="{cls}"><title>{esc(str(name))}: '
                     f"ρ = {10 ** v:.3g}</title></circle>")
        if f:  # the label right of the point, or left of it where it would leave the plot
            px, py = float(sx(d)), float(sy(v))
            wide = _LABEL_CHAR_PX * len(str(name))
            lx, anchor = (px + 7, "start") if px + 7 + wide <= left + pw else (px - 7, "end")
            ly = py - 6 if py - 6 - 10 >= top else py + 14
            parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" '
                         f'class="lab">{esc(str(name))}</text>')
    for when, edge, what in ((geo["up"], top, "above"), (geo["down"], top + ph, "below")):
        for d in when:  # censored: a bound, drawn as a triangle at the plot's edge
            xx = float(sx(float(np.datetime64(pd.Timestamp(d).date(), "D").astype(float))))
            base = edge + 10 if what == "above" else edge - 10
            parts.append(f'<polygon points="{xx - 5:.1f},{base} {xx + 5:.1f},{base} '
                         f'{xx:.1f},{edge}" class="cens"><title>censored: density {what} '
                         "what the frame resolves</title></polygon>")
    if geo["trend"] is not None:  # the legend: what each mark is, in the trend figure's words
        n_front = int(ok["frontier"].astype(bool).sum())
        items = [("fit", geo["labels"]["fit"]), ("front", f"{geo['members']} ({n_front})")]
        if geo["log_lo"] is not None:
            items.append(("band", geo["labels"]["band"]))
        items.append(("paper", geo["labels"]["paper"]))
        if geo["up"] or geo["down"]:
            items.append(("cens", f"censored (a bound): {len(geo['up'])} above what the frame "
                                  f"resolves, triangle at the top; {len(geo['down'])} below, "
                                  "at the bottom"))
        for i, (cls, text) in enumerate(items):
            yy = top + ph + 52 + 14 * i
            parts.append(f'<rect x="{left + 8}" y="{yy - 8}" width="14" height="8" '
                         f'class="key {cls}"/><text x="{left + 28}" y="{yy}" '
                         f'class="legend">{esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;
color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}
p.meta{color:#555;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:right;white-space:nowrap}
td.name,th.name,td.text{text-align:left}
th{cursor:pointer;background:#f4f4f4;user-select:none}
th:after{content:" \\2195";color:#aaa}
tr.frontier td{background:#fff6e5}
tr.censored td{color:#888}
svg text{font-size:11px;fill:#333}
svg .plot{fill:#fff;stroke:#999}
svg .grid{stroke:#eee}
svg .pt{fill:#6c8ebf;fill-opacity:.8}
svg .front{fill:#d62728}
svg .fit{fill:none;stroke:#d62728;stroke-width:2}
svg .paper{fill:none;stroke:#000;stroke-width:1.2;stroke-dasharray:5 3}
svg .cens{fill:#7f7f7f}
svg .legendbox{fill:#fff;fill-opacity:.85;stroke:#ddd}
svg rect.key{stroke:none}
svg rect.key.fit,svg rect.key.front{fill:#d62728}
svg rect.key.band{fill:#d62728;fill-opacity:.15}
svg rect.key.paper{fill:#000}
svg .band{fill:#d62728;fill-opacity:.15;stroke:none}
svg .lab{font-size:10px;fill:#a00}
"""

_JS = """
document.querySelectorAll("#leaderboard th").forEach(function (th, i) {
  th.addEventListener("click", function () {
    var body = document.querySelector("#leaderboard tbody");
    var asc = th.getAttribute("data-dir") !== "asc";
    th.setAttribute("data-dir", asc ? "asc" : "desc");
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[i].getAttribute("data-v"), y = b.cells[i].getAttribute("data-v");
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def html_page(res: LeaderboardResult, meta: Mapping[str, Any]) -> str:
    """The leaderboard as one self-contained HTML page (inline CSS, SVG and script).

    Parameters
    ----------
    res : LeaderboardResult
        The computed leaderboard.
    meta : Mapping
        ``meta.json``.

    Returns
    -------
    str
        The page.
    """
    esc = _esc
    table = res.table
    benches = _bench_columns(table)
    head = [("Rank", ""), ("Model", "name"), ("Released", "name"), ("Params", ""), ("N̂", ""),
            ("Density (95 % CI)", "name"), *[(b[len("score:"):], "") for b in benches],
            ("Frontier", "")]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<title>Density leaderboard</title>", f"<style>{_CSS}</style></head><body>",
           "<h1>Density leaderboard</h1>",
           f'<p class="meta">{esc(_header_text(res, meta))}</p>',
           f'<p class="trend"><strong>Trend:</strong> {esc(trend_text(res))}</p>',
           f"<figure>{_svg_figure(res)}<figcaption>Density against release date; red: the "
           "models that carry the trend and the fitted line, shaded: the interval of the "
           "doubling time the legend states; dashed: the paper's law.</figcaption></figure>",
           '<table id="leaderboard"><thead><tr>']
    out += [f'<th class="{c}">{esc(h)}</th>' if c else f"<th>{esc(h)}</th>" for h, c in head]
    out.append("</tr></thead><tbody>")

    def cell(text: str, key: Any, cls: str = "") -> str:
        k = "" if key is None or (isinstance(key, float) and not math.isfinite(key)) else key
        c = f' class="{cls}"' if cls else ""
        return f'<td{c} data-v="{esc(str(k))}">{esc(text)}</td>'

    for _, r in table.iterrows():
        ok = r["status"] == "ok"
        rcls = "frontier" if bool(r["frontier"]) else ("" if ok else "censored")
        rank = None if pd.isna(r["rank"]) else int(r["rank"])
        dens = float(r["density"]) if ok and _finite(r["density"]) else None
        cells = [
            cell("" if rank is None else str(rank), rank),
            cell(str(r["model"]), str(r["model"]), "name"),
            cell(str(r["release_date"]), str(r["release_date"]), "name"),
            cell(_fmt_count(r["n_params"]), float(r["n_params"])),
            cell(_fmt_count(r["n_hat"]) if ok else "", float(r["n_hat"]) if ok else None),
            cell(_density_text(r), dens, "text"),
            *[cell(f"{float(r[b]):.3f}" if _finite(r[b]) else "",
                   float(r[b]) if _finite(r[b]) else None) for b in benches],
            cell("★" if bool(r["frontier"]) else "", 1 if bool(r["frontier"]) else 0),
        ]
        attr = f' class="{rcls}"' if rcls else ""
        out.append(f"<tr{attr}>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    out.append('<p class="meta">Scores are fractions; N̂ is the effective parameter count at '
               "the reference frame's data budget and the density is N̂ / N. Click a column "
               "header to sort.</p>")
    out.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(out) + "\n"
