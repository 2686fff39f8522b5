"""Functional forms of the densing method and their exact inverses.

* :class:`LossLaw` -- the conditional (answer) loss law of step 1,
  ``L(N, D) = a N^-alpha + b D^-beta (+ E)``, inverted for ``N`` at a data budget ``D``.
* :class:`ScoreLaw` -- the loss-to-score sigmoid of step 2,
  ``S(L) = c / (1 + exp(-gamma (L - l))) + d``, inverted for ``L``. Score falls as loss
  rises, so ``gamma < 0``; the score range is the open interval ``(d, c + d)``.

Both are vectorised over inputs and, with ``draws=True``, over bootstrap parameter draws
(the leading axis of the result). Inverses return NaN outside the range where they exist;
:class:`densing.reference.ReferenceFrame` turns that into an explicit censoring status.
Fitting uses the robust engine in :mod:`densing.fitting`.
"""

from __future__ import annotations

from densing.laws.loss import LossLaw
from densing.laws.score import ScoreLaw

__all__ = ["LossLaw", "ScoreLaw"]
