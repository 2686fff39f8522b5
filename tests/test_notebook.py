"""The README quick start run as a notebook: objects display as HTML, import is quiet.

Executes a notebook with nbclient in a real IPython kernel. Skips (never fails) when
nbclient, nbformat or ipykernel is missing or no kernel can start.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

README = Path(__file__).resolve().parents[1] / "README.md"


def _quick_start() -> str:
    section = README.read_text(encoding="utf-8").split("## Quick start", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the Quick start has a Python example"
    return str(blocks[0])


def _html(cell: dict) -> str:  # type: ignore[type-arg]
    return "".join(
        str(o["data"]["text/html"])
        for o in cell.get("outputs", [])
        if o.get("output_type") in ("execute_result", "display_data")
        and "text/html" in o.get("data", {})
    )


def _streams(nb: dict, name: str) -> str:  # type: ignore[type-arg]
    return "".join(
        str(o.get("text", ""))
        for cell in nb["cells"]
        for o in cell.get("outputs", [])
        if o.get("output_type") == "stream" and o.get("name") == name
    )


#: the cell after ``import densing``: the Quick start's ``densing.reproduce()`` (defaults:
#: ``n_bootstrap=1000, random_state=0``, the settings of the session's ``reproduction``
#: fixture) answers with that reproduction, unpickled, instead of running the pipeline again
_SHARED_REPRODUCE = """\
import pickle as _pickle
with open({path!r}, "rb") as _file:
    _shared = _pickle.load(_file)
def _reproduce(*args, **kwargs):
    assert not args and not kwargs, (args, kwargs)
    return _shared
densing.reproduce = _reproduce
"""


@pytest.fixture(scope="module")
def executed(reproduction,  # type: ignore[no-untyped-def]
             tmp_path_factory: pytest.TempPathFactory) -> dict:  # type: ignore[type-arg]
    import inspect
    import pickle

    import densing

    defaults = inspect.signature(densing.reproduce).parameters
    assert (defaults["n_bootstrap"].default, defaults["random_state"].default) == (1000, 0)
    shared = tmp_path_factory.mktemp("notebook") / "reproduction.pickle"
    shared.write_bytes(pickle.dumps(reproduction))
    cells = [
        "import densing",
        _SHARED_REPRODUCE.format(path=str(shared)),
        _quick_start(),
        "trend",
        "rep",
        "rep.trend.summary()",
        "print(repr(rep)); print(len(repr(rep)))",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    client = nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                     resources={"metadata": {"path": str(README.parent)}})
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError:
        raise
    except Exception as exc:  # no kernel on this machine: jupyter_client errors vary
        pytest.skip(f"no Jupyter kernel could start: {type(exc).__name__}: {exc}")
    return nb  # type: ignore[no-any-return]


def test_import_prints_no_warning(executed: dict) -> None:  # type: ignore[type-arg]
    first = executed["cells"][0]
    assert first["outputs"] == [], "`import densing` printed something"
    assert "TqdmWarning" not in _streams(executed, "stderr")
    assert "IProgress" not in _streams(executed, "stderr")


def test_trend_and_reproduction_display_as_html(executed: dict) -> None:  # type: ignore[type-arg]
    assert executed["cells"][1]["outputs"] == []  # the shared reproduction loaded quietly
    trend_html = _html(executed["cells"][3])
    rep_html = _html(executed["cells"][4])
    summary_html = _html(executed["cells"][5])
    for html in (trend_html, rep_html, summary_html):
        assert html.startswith('<div class="densing-summary">')
        assert "<table" in html
    # the headline comes first: the first header row is the doubling time
    for html in (trend_html, rep_html):
        first_row = re.search(r"<tr><th[^>]*>([^<]*)</th>", html)
        assert first_row is not None and first_row.group(1) == "doubling time"
    assert "Frontier members" in trend_html
    assert "pruned/distilled" in rep_html  # the comparison with the paper


def test_reproduction_repr_is_one_short_line(executed: dict) -> None:  # type: ignore[type-arg]
    text = _streams(executed, "stdout").strip().splitlines()
    line, length = text[-2], int(text[-1])
    assert line.startswith("<Reproduction ") and line.endswith(">")
    assert length == len(line) < 200
    assert "doubling time" in _streams(executed, "stdout")  # print_summary ran
