"""Fixtures shared by the test files.

``frame`` is the bundled ``olmo-ladder`` reference frame, loaded once per session (the same
object :func:`densing.reference.load_frame` caches; tests must not change it).
``reference_runs`` is the bundled reference table. ``run_cli`` runs ``densing.cli.main`` in
process and returns the exit code with the captured output.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import pytest

from densing.reference import ReferenceFrame


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
