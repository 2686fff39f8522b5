"""Issue 21 section 3: the deprecated keyword aliases are gone (nothing was released)."""

from __future__ import annotations

import pytest

import densing._progress
from densing.evaluate.engine import score_requests
from densing.evaluate.ladder import evaluate_benchmarks
from densing.evaluate.measure import measure_model
from densing.evaluate.runner import evaluate_model
from densing.reference import ReferenceFrame
from densing.report import sensitivity


def test_quiet_keyword_is_refused() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'quiet'"):
        ReferenceFrame(quiet=True)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'quiet'"):
        sensitivity(n_bootstrap=10, quiet=True)
    assert ReferenceFrame(progress=False).progress is False


@pytest.mark.parametrize("func", [score_requests, evaluate_model, evaluate_benchmarks,
                                  measure_model])
def test_show_progress_keyword_is_refused(func) -> None:
    # the keyword is checked before any argument is used, so placeholders do
    with pytest.raises(TypeError, match="unexpected keyword argument 'show_progress'"):
        func(None, [], show_progress=False)


def test_progress_helpers_for_the_aliases_are_gone() -> None:
    assert not hasattr(densing._progress, "renamed_progress")
    assert not hasattr(densing._progress, "show_progress_flag")
