"""End-to-end reproduction of the densing law on the bundled data, and its robustness.

:func:`reproduce` runs the whole pipeline -- reference frame, densities of the bundled open base
models, the densing-law trend with its intervals, the pre/post-ChatGPT comparison and the
pruned/distilled check -- and sets densing's numbers beside the paper's claims
(:data:`PAPER_CLAIMS`). :func:`sensitivity` repeats the headline under every defensible
analysis choice and frontier rule, because on real data it moves a lot with them
(``docs/method.md``).

The package is split by job: ``_claims`` (the paper's figures and the verdict),
``_intervals`` (the headline's measurement-widened interval and its helpers),
``_reproduction`` (:class:`Reproduction`, :func:`reproduce`) and ``_sensitivity``
(:func:`sensitivity`, the robustness rows).
"""

from __future__ import annotations

from densing.report._claims import (
    CHATGPT_DATE,
    PAPER_CLAIMS,
    PAPER_WINDOW,
    REPRODUCE_BENCHMARK,
)
from densing.report._reproduction import HEADLINE_QUANTILE, Reproduction, reproduce
from densing.report._sensitivity import SENSITIVITY_VARIANTS, robustness, sensitivity

__all__ = [
    "CHATGPT_DATE",
    "HEADLINE_QUANTILE",
    "PAPER_CLAIMS",
    "PAPER_WINDOW",
    "REPRODUCE_BENCHMARK",
    "SENSITIVITY_VARIANTS",
    "Reproduction",
    "reproduce",
    "robustness",
    "sensitivity",
]
