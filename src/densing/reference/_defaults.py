"""Constants of the reference frame: chance levels, default averages, statuses, thresholds."""

from __future__ import annotations

from typing import Literal

from densing._benchmarks import ladder_benchmarks
from densing.conventions import FRAME_PARAM_COUNTS, reference_column

#: data budget D0 at which scores are inverted (tokens)
DEFAULT_TOKENS = 1e12

#: chance level of each rc benchmark (expected accuracy of uniform guessing, 1 / choices),
#: from the benchmark registry (``densing/data/benchmarks.csv``)
CHANCE_LEVELS: dict[str, float] = {
    name: b.chance for name, b in ladder_benchmarks().items() if b.chance is not None
}

#: averaged benchmarks built by default (name -> tasks); ``average`` is the default for density
DEFAULT_AVERAGES: dict[str, tuple[str, ...]] = {
    "average": (
        "arc_challenge", "arc_easy", "csqa", "hellaswag", "mmlu", "openbookqa", "piqa",
        "socialiqa", "winogrande",
    ),
    # the Open LLM Leaderboard v1 tasks whose format (cloze, length-normalised accuracy)
    # matches the frame's rc protocol; Winogrande is left out by cross-validation inside the
    # ladder (average_llv1's CV error 0.025 with it, 0.022 without; docs/frame_selection.md):
    # its step 2 does not transfer across scale (docs/method.md#trap-score-transfer)
    "average_llv1": ("arc_challenge", "hellaswag"),
}

#: benchmarks of the default frame: the nine rc tasks and the averages (BoolQ is in the data
#: but left out by cross-validation inside the ladder: CV error 0.062 against the rule's
#: 0.045, docs/frame_selection.md; its accuracy climbs while its answer loss barely moves)
DEFAULT_FRAME_BENCHMARKS: tuple[str, ...] = (*DEFAULT_AVERAGES["average"], *DEFAULT_AVERAGES)

#: the benchmark used when none is named
DEFAULT_BENCHMARK = "average"

#: parameter-count conventions of the reference runs
FrameParamCount = Literal["total", "non_embedding", "no_input_embedding"]

#: the parameter count of the bundled frames and of the targets measured on them. Chosen by
#: cross-validation inside the ladder (fit the smaller rungs, predict the next ones; no
#: OLMo-2 7B/13B model involved): mean CV error 0.017 with non-embedding counts against
#: 0.020 with totals (docs/frame_selection.md, scripts/select_frame_settings.py)
DEFAULT_PARAM_COUNT: FrameParamCount = "non_embedding"

#: parameter-count conventions of the reference runs -> column (:mod:`densing.conventions`)
PARAM_COLUMNS: dict[str, str] = {n: reference_column(n) for n in FRAME_PARAM_COUNTS}

REQUIRED_COLUMNS = ("run", "n_params", "tokens", "step", "is_final", "benchmark", "loss", "score")

#: censoring statuses, indexed by the status codes of :meth:`BenchmarkFit.invert`:
#: ``below_floor`` (score at or below the score law's floor ``d``), ``above_ceiling`` (at or
#: above its ceiling ``c + d``), ``above_frame_range`` (below the ceiling, but it needs a loss
#: under the frame's data term ``b*D0^-beta``, which no model size reaches at ``D0`` tokens)
STATUSES = ("ok", "below_floor", "above_ceiling", "above_frame_range")

#: the alpha under which the loss law is flagged (docs/method.md#trap-loss-form)
SMALL_ALPHA = 0.1
#: the ceiling c + d under which the score law is flagged (docs/method.md#trap-score-transfer)
LOW_CEILING = 0.9
#: relative distance to the loss floor that counts as "near the asymptote"
NEAR_ASYMPTOTE = 0.03

#: ``N_hat`` above this multiple of the largest reference model raises an
#: :class:`~densing.exceptions.ExtrapolationWarning`. The held-out check
#: (docs/method.md#trap-self-check)
#: validates the default frame up to OLMo-2 13B, about 4x its largest fitted run (3.5B in
#: total, 2.8B without embeddings); 10x leaves room for that validated range and its noise
#: (a factor of about 2) and flags only what no held-out model has tested.
EXTRAPOLATION_FACTOR = 10.0

#: explicit mapping of Open LLM Leaderboard v1 protocols onto the OLMo ladder's rc-5shot
#: protocol: both are cloze-style, length-normalised accuracy; only the shot count differs
#: (10 and 25 against 5). Winogrande, MMLU (letter format), GSM8K and TruthfulQA are not
#: mapped.
LLV1_PROTOCOL_MAP: dict[str, str] = {
    "llv1:hellaswag-10shot-acc_norm": "rc-5shot",
    "llv1:arc_challenge-25shot-acc_norm": "rc-5shot",
}

__all__ = [
    "LLV1_PROTOCOL_MAP",
    "CHANCE_LEVELS",
    "DEFAULT_AVERAGES",
    "DEFAULT_BENCHMARK",
    "DEFAULT_FRAME_BENCHMARKS",
    "DEFAULT_PARAM_COUNT",
    "DEFAULT_TOKENS",
    "EXTRAPOLATION_FACTOR",
    "LOW_CEILING",
    "NEAR_ASYMPTOTE",
    "PARAM_COLUMNS",
    "REQUIRED_COLUMNS",
    "SMALL_ALPHA",
    "STATUSES",
    "FrameParamCount",
]
