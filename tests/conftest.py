"""Fixtures shared by the test files.

``frame`` is the bundled ``olmo-ladder`` reference frame, loaded once per session (the same
object :func:`densing.reference.load_frame` caches; tests must not change it).
``reference_runs`` is the bundled reference table. ``run_cli`` runs ``densing.cli.main`` in
process and returns the exit code with the captured output.
"""

from __future__ import annotations

import os

# one BLAS and torch thread per test process: the suite runs one process per core
# (pytest-xdist, ``-n auto`` in pyproject.toml), and on 2 busy cores torch's default two
# threads made a forward pass about 12x slower than one (set before numpy or torch load)
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import TYPE_CHECKING  # noqa: E402

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from densing.reference import ReferenceFrame  # noqa: E402

if TYPE_CHECKING:
    from densing.leaderboard import Leaderboard


@dataclass
class CliResult:
    """Exit code and captured output of one in-process CLI run."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        """The non-empty lines written to stderr."""
        return [line for line in self.err.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def frame() -> ReferenceFrame:
    """The bundled ``olmo-ladder`` reference frame (shared: do not modify)."""
    from densing.reference import load_frame

    return load_frame("olmo-ladder")


@pytest.fixture(scope="session")
def reference_runs() -> pd.DataFrame:
    """The bundled reference runs (shared: copy before modifying)."""
    from densing.datasets import load_reference_runs

    return load_reference_runs()


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[[Sequence[str]], CliResult]:
    """Run ``densing`` in process: ``run_cli(["density", ...]) -> CliResult``."""
    from densing.cli import main

    def run(argv: Sequence[str]) -> CliResult:
        capsys.readouterr()
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse exits on --help / --version
            code = exc.code if isinstance(exc.code, int) else 1
        cap = capsys.readouterr()
        return CliResult(int(code), cap.out, cap.err)

    return run


# -- leaderboard fixtures (issue 21: one ``board``; the frame lives in _board_helpers) -------


@pytest.fixture(scope="session")
def frame_json(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small reference frame's JSON file (hellaswag, arc_challenge and their average)."""
    import json

    from _board_helpers import small_frame_dict

    path = tmp_path_factory.mktemp("frame") / "small_frame.json"
    path.write_text(json.dumps(small_frame_dict()))
    return str(path)


@pytest.fixture
def board(tmp_path: Path, frame_json: str) -> Leaderboard:
    """An empty leaderboard on :func:`frame_json`, ranked by ``average_llv1``."""
    from densing.leaderboard import Leaderboard

    return Leaderboard.init(tmp_path / "lb", frame=frame_json, benchmark="average_llv1",
                            lock_timeout=20)


# -- house: the eval extra and the session-wide reproduction ----------------------------------

def _eval_extra_installed() -> bool:
    """Whether the eval extra's heavy imports (torch, transformers, lm-eval) are importable."""
    import importlib.util

    return all(importlib.util.find_spec(name) is not None
               for name in ("torch", "transformers", "lm_eval"))


#: test_bad_input.py cases that count parameters through transformers (``densing params``)
#: without a marker of their own: (test function, id prefix); the hook marks them ``eval``
_EVAL_CASES = (("test_params_cli_bad_config", ""), ("test_cli_bad_input", "params:"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the eval cases above, and skip every ``eval`` test when the extra is missing."""
    for item in items:
        name = getattr(item, "originalname", item.name)
        callspec = getattr(item, "callspec", None)
        case = callspec.id if callspec is not None else ""
        if item.path.name == "test_bad_input.py" and any(
                name == fn and case.startswith(prefix) for fn, prefix in _EVAL_CASES):
            item.add_marker(pytest.mark.eval)
    if _eval_extra_installed():
        return
    skip = pytest.mark.skip(reason='needs the eval extra: pip install ".[eval]"')
    for item in items:
        if item.get_closest_marker("eval") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def reproduction():  # type: ignore[no-untyped-def]
    """``densing.reproduce(n_bootstrap=1000, random_state=0)``, computed once per session.

    Shared: tests must not modify it. Tests that need other settings call ``reproduce`` itself.
    """
    from densing import reproduce

    return reproduce(n_bootstrap=1000, random_state=0)
