"""Helpers of the leaderboard tests: score rows, a filled board, file snapshots, and a small
reference frame built from parameters (shared here, not imported across test modules)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from densing.leaderboard import Leaderboard

# A small reference frame (hellaswag, arc_challenge and their average, rc-5shot), with the
# laws of a fit on the OLMo ladder below 4B; built from parameters so tests need no fitting.
_LAWS = {
    "arc_challenge": (
        {"a": 4255086.835, "alpha": 0.8648770578, "b": 5.190495592, "beta": 0.06866965794},
        {"c": 0.7815699726, "gamma": -5.624796210, "l": 0.7000772712, "d": 0.2184300274},
    ),
    "average_llv1": (
        {"a": 3.051482513, "alpha": 0.06577159112, "b": 499.8752161, "beta": 0.3327082590},
        {"c": 0.6974041566, "gamma": -7.886367555, "l": 0.7879891428, "d": 0.2393190438},
    ),
    "hellaswag": (
        {"a": 2.005036558, "alpha": 0.04936227002, "b": 204.3455986, "beta": 0.3119106922},
        {"c": 0.7401913377, "gamma": -12.70478555, "l": 0.7648638550, "d": 0.2598086623},
    ),
}


def small_frame_dict() -> dict:
    """A ReferenceFrame JSON (format densing.ReferenceFrame/1) with three benchmarks."""
    return {
        "format": "densing.ReferenceFrame/1",
        "name": "small-test",
        "n_runs": 30,
        "settings": {
            "irreducible": False, "floor": None, "max_ceiling": 1.0, "param_count": "total",
            "averages": {"average_llv1": ["arc_challenge", "hellaswag"]}, "tokens": 1e12,
            "n_bootstrap": 0, "random_state": 0, "delta": 1e-3,
        },
        "benchmarks": {
            b: {
                "protocol": "rc-5shot",
                "tasks": ["arc_challenge", "hellaswag"] if b == "average_llv1" else [],
                "n_runs": 30, "n_checkpoints": 900,
                "size_range": [267424512.0, 3503508736.0], "max_score": 0.7, "flags": [],
                "loss_law": {"law": "LossLaw", "params": ll, "irreducible": False},
                "score_law": {"law": "ScoreLaw", "params": sl, "floor": None,
                              "max_ceiling": 1.0},
            }
            for b, (ll, sl) in _LAWS.items()
        },
    }


__all__ = ["small_frame_dict"]


def rows(hs: float = 0.6, arc: float = 0.35, proto: str = "rc-5shot") -> list[dict]:
    return [
        {"benchmark": "hellaswag", "protocol": proto, "score": hs, "stderr": 0.005},
        {"benchmark": "arc_challenge", "protocol": proto, "score": arc},
    ]


def snapshot(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


def fill(board: Leaderboard, n: int = 6) -> None:
    for i in range(n):
        board.add(f"model-{i}", (1 + i) * 1e9, f"2023-{i + 1:02d}-10",
                  rows(0.45 + 0.04 * i, 0.28 + 0.025 * i))


def tree_hash(root: Path) -> dict[str, str]:
    """Every file under ``root`` (relative name -> SHA-256)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}
