"""A density leaderboard kept as plain files, updated from scripts without ever losing data.

A leaderboard is a directory:

``models.csv``
    One row per model: ``model, n_params, release_date, hf_id, notes`` (``n_params`` is the
    raw total parameter count, ``release_date`` ISO ``YYYY-MM-DD``).
``scores.csv``
    One row per score: ``model, benchmark, protocol, score, stderr`` (``score`` a fraction).
``meta.json``
    Settings (reference ``frame`` name or JSON path, ``tokens`` = D0, ranking ``benchmark``,
    ``protocol_map``, ``param_count``), the bundled data version and densing version at
    creation, the current ``version`` and the SHA-256 of both CSVs.
``history.jsonl``
    The append-only log: one JSON line per change (``init``, ``add``, ``update``,
    ``remove``, ``restore``) with the full rows it added and removed, so every earlier state
    can be rebuilt (:meth:`Leaderboard.state_at`). It is the source of truth; the CSVs are
    its materialised current state.
``.lock``
    Lock file: writers hold an exclusive :func:`fcntl.flock` on it, readers a shared one.
``leaderboard.csv``, ``trend.json``
    Results cached by :meth:`Leaderboard.recompute` (derived; safe to delete).

Every write validates all input first, then writes each file to a temporary file in the same
directory and renames it into place (:func:`os.replace`). ``history.jsonl`` is renamed first:
it is the commit point. If a writer dies before it, nothing changed; if it dies after it, the
next reader sees that the CSVs are behind the log, rebuilds the state from the log and the
next write rewrites them. Any other disagreement between the log, the tables and
``meta.json`` stops every read and write with :class:`LeaderboardDamagedError`;
:meth:`Leaderboard.check` verifies a board and :meth:`Leaderboard.repair` rebuilds the
damaged side from the other, keeping a dated backup of what it replaces.

Modules: :mod:`~densing.leaderboard.state` (rows and the log's rules),
:mod:`~densing.leaderboard.store` (files, lock, commits, check and repair),
:mod:`~densing.leaderboard.inputs` (checks of new rows), :mod:`~densing.leaderboard.result`,
``densing.leaderboard._changes`` (the checked settings and log entry of each change),
:mod:`~densing.leaderboard.compute` (densities and trend),
:mod:`~densing.leaderboard.render` (Markdown, HTML, SVG) and
:mod:`~densing.leaderboard.board` (the :class:`Leaderboard` that ties them together).
Imports run one way: state -> store, inputs, result -> _changes, compute -> render -> board
(``tests/test_architecture.py`` checks it).

Scores from lm-eval
-------------------
:func:`scores_from_lm_eval` reads a ``results_*.json`` written by lm-eval
(``results[task]["acc_norm,none"]``, ``results[task]["acc_norm_stderr,none"]``,
``configs[task]["num_fewshot"]``). Task names map onto benchmarks as follows (metric
``acc_norm`` when reported, else ``acc``):

- densing's shipped tasks ``densing_rc_<benchmark>`` -> ``<benchmark>`` with protocol
  ``rc-<k>shot`` (``rc-5shot`` at the default 5 shots: the default frame's protocol);
- lm-eval's own tasks in :data:`LM_EVAL_TASKS` (``hellaswag``, ``arc_challenge``,
  ``arc_easy``, ``piqa``, ``winogrande``, ``openbookqa``, ``boolq``, ``mmlu``,
  ``commonsense_qa`` -> ``csqa``, ``social_iqa``/``siqa`` -> ``socialiqa``) -> protocol
  ``lm-eval:<task>-<k>shot-<metric>``. Their prompt formats differ from the frame's, so they
  count as ``protocol_mismatch`` unless the leaderboard's ``protocol_map`` maps them;
- any other task (groups' subtasks, generative tasks) is skipped with a warning.
"""

from densing._lm_eval import LM_EVAL_TASKS, scores_from_lm_eval
from densing.leaderboard.board import Leaderboard
from densing.leaderboard.result import LeaderboardResult
from densing.leaderboard.state import MODEL_COLUMNS, SCORE_COLUMNS, LeaderboardState
from densing.leaderboard.store import LeaderboardDamagedError, LeaderboardLockError

__all__ = [
    "LM_EVAL_TASKS",
    "MODEL_COLUMNS",
    "SCORE_COLUMNS",
    "Leaderboard",
    "LeaderboardDamagedError",
    "LeaderboardLockError",
    "LeaderboardResult",
    "LeaderboardState",
    "scores_from_lm_eval",
]
