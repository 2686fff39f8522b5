"""The HTML board in a real browser: headless chromium renders every row, sorts, logs no error.

Runs where ``/usr/bin/chromium`` exists (``.ci/run`` installs it). Chromium's own
``--dump-dom`` reads the page after its scripts ran; a copy of the page carries a small
script that records console errors and clicks a column header, and writes what it saw into
the DOM, so sorting is checked in the browser without a driver.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _board_helpers import fill, rows

from densing.leaderboard import Leaderboard

CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.access(CHROMIUM, os.X_OK), reason="needs /usr/bin/chromium"),
]

_ERRORS_FIRST = """<script>
window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });
var __err = console.error;
console.error = function () {
  window.__errors.push(Array.prototype.join.call(arguments, " "));
  __err.apply(console, arguments);
};
</script>"""

_CLICK_LAST = """<script>
function __order() {
  return Array.prototype.map.call(
    document.querySelectorAll("#leaderboard tbody tr"), function (r) {
      return r.cells[1].textContent; }).join("\\n");
}
var __before = __order();
var __th = document.querySelectorAll("#leaderboard th")[%d];
__th.click();
var __asc = __order();
__th.click();
var __desc = __order();
function __put(id, text) {
  var p = document.createElement("pre"); p.id = id; p.textContent = text;
  document.body.appendChild(p);
}
__put("before", __before); __put("asc", __asc); __put("desc", __desc);
__put("errors", window.__errors.join("\\n"));
</script>"""


def _chromium(args: list[str], profile: str) -> subprocess.CompletedProcess[str]:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


class _Pre(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.pre: dict[str, str] = {}
        self.rows: list[str] = []
        self._id: str | None = None
        self._in_body = False
        self._cell = -1
        self._name = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        if tag == "pre":
            self._id = a.get("id")
            self.pre[self._id or ""] = ""
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._cell = -1
        elif tag == "td" and self._in_body:
            self._cell += 1
            self._name = self._cell == 1
            if self._name:
                self.rows.append("")

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "pre":
            self._id = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "td":
            self._name = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._id is not None:
            self.pre[self._id] += data
        elif self._name:
            self.rows[-1] += data


def _names(text: str) -> list[str]:
    return [n for n in text.split("\n") if n]


def test_board_renders_sorts_and_logs_no_error(tmp_path: Path, frame_json: str) -> None:  # noqa: F811
    lb = Leaderboard.init(tmp_path / "b", frame=frame_json, benchmark="average_llv1")
    fill(lb, 6)
    lb.add("odd <name> & co", 2.5e9, "2023-11-01", rows(0.62, 0.41))
    lb.add("no-arc", 1.5e9, "2023-10-01", [rows()[0]])  # listed, with missing tasks
    page = lb.render("html")
    out = tmp_path / "board.html"
    out.write_text(page, encoding="utf-8")
    models = lb.models.set_index("model")
    params_col = 3  # "Params"
    assert re.findall(r"<th[^>]*>([^<]+)</th>", page)[params_col] == "Params"
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("<head>", "<head>" + _ERRORS_FIRST, 1)
                     .replace("</body>", (_CLICK_LAST % params_col) + "</body>", 1),
                     encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        plain = _chromium(["--dump-dom", out.as_uri()], profile)
        sorted_ = _chromium(["--dump-dom", probe.as_uri()], profile)
        shot = tmp_path / "board.png"
        snap = _chromium([f"--screenshot={shot}", "--window-size=1200,1400", out.as_uri()],
                         profile)
    assert plain.returncode == 0, plain.stderr[-2000:]
    # every model row renders, names as text
    dom = _Pre()
    dom.feed(plain.stdout)
    assert sorted(dom.rows) == sorted(models.index)
    assert "odd &lt;name&gt; &amp; co" in plain.stdout
    # sorting by Params reorders the rows: ascending, then descending by the raw count
    assert sorted_.returncode == 0, sorted_.stderr[-2000:]
    probed = _Pre()
    probed.feed(sorted_.stdout)
    before, asc, desc = (_names(probed.pre[k]) for k in ("before", "asc", "desc"))
    by_params = sorted(models.index, key=lambda m: (models.loc[m, "n_params"], m))
    assert before == list(lb.result().table["model"])  # the page opens ranked by density
    assert [models.loc[m, "n_params"] for m in asc] == sorted(models["n_params"])
    assert [models.loc[m, "n_params"] for m in desc] == sorted(models["n_params"],
                                                               reverse=True)
    assert asc != before and set(asc) == set(by_params)
    # no console errors, from the page's own script or the browser
    assert probed.pre["errors"] == ""
    for run in (plain, sorted_):
        assert "Uncaught" not in run.stderr and ":ERROR:CONSOLE" not in run.stderr
    assert snap.returncode == 0 and shot.stat().st_size > 10_000
    print(f"screenshot of the rendered board: {shot}")
