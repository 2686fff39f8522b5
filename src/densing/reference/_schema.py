"""Checks of a saved reference frame: every value against the domain fitting guarantees.

A frame JSON is data from disk: a hand-edited or corrupted file must fail when loaded, with
one line that names the field and the value, not give silently wrong densities later. The
rules are the fitting domains of :mod:`densing.laws`: finite parameters; ``a``, ``alpha``,
``b``, ``beta`` > 0 and ``E`` >= 0; ``c`` > 0, ``gamma`` < 0, ``d`` >= 0, ``c + d`` at most the
ceiling bound, ``d`` equal to a fixed floor; bootstrap draws of shape ``(n_draws, n_params)``
that obey the same rules.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from densing._validation import format_value
from densing.exceptions import DataFormatError, InputError
from densing.fitting import BootstrapResult, FittedLaw
from densing.laws import LossLaw, ScoreLaw
from densing.reference._defaults import PARAM_COLUMNS

__all__ = [
    "check_benchmark_entry", "check_frame_fields", "check_max_ceiling", "check_settings",
    "law_from_dict",
]

#: relative slack on ``c + d <= max_ceiling`` (the fit reaches the bound up to round-off)
_CEILING_SLACK = 1e-9


_fmt = format_value


def _number(where: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataFormatError(f"{where} must be a number; got {_fmt(value)}")
    return float(value)


def _check_params(where: str, law: str, names: tuple[str, ...], p: np.ndarray,
                  max_ceiling: float | None = None, floor: float | None = None) -> None:
    """Check parameter rows ``p`` (shape ``(n, k)``) against the law's domain."""
    bad_finite = ~np.isfinite(p)
    if bad_finite.any():
        i, j = np.argwhere(bad_finite)[0]
        raise DataFormatError(f"{where}: {names[j]} must be finite; got {_fmt(p[i, j])}")
    col = dict(zip(names, p.T, strict=True))
    if law == "LossLaw":
        rules = [("a", "> 0", col["a"] > 0), ("alpha", "> 0", col["alpha"] > 0),
                 ("b", "> 0", col["b"] > 0), ("beta", "> 0", col["beta"] > 0)]
        if "E" in col:
            rules.append(("E", ">= 0", col["E"] >= 0))
    else:
        assert max_ceiling is not None
        rules = [("c", "> 0", col["c"] > 0), ("gamma", "< 0 (score falls as loss rises)",
                                              col["gamma"] < 0),
                 ("d", ">= 0", col["d"] >= 0)]
    for name, rule, ok in rules:
        if not np.all(ok):
            value = col[name][~ok][0]
            raise DataFormatError(f"{where}: {name} must be {rule}; got {_fmt(value)}")
    if law == "ScoreLaw":
        assert max_ceiling is not None
        top = col["c"] + col["d"]
        over = top > max_ceiling * (1 + _CEILING_SLACK)
        if over.any():
            raise DataFormatError(
                f"{where}: ceiling c+d must be <= max_ceiling {_fmt(max_ceiling)}; "
                f"got {_fmt(top[over][0])}"
            )
        if floor is not None:
            off = np.abs(col["d"] - floor) > 1e-12 * max(1.0, abs(floor))
            if off.any():
                raise DataFormatError(
                    f"{where}: d must equal the fixed floor {_fmt(floor)}; "
                    f"got {_fmt(col['d'][off][0])}"
                )


def law_from_dict(benchmark: str, key: str, data: Any) -> FittedLaw:
    """Rebuild and check one saved law (``loss_law`` or ``score_law``) of a benchmark.

    Parameters
    ----------
    benchmark
        Benchmark name (for messages).
    key
        ``"loss_law"`` or ``"score_law"``.
    data
        The saved law (:meth:`densing.fitting.FittedLaw.to_dict` output).

    Returns
    -------
    LossLaw or ScoreLaw
        The law, with its bootstrap draws when saved.

    Raises
    ------
    DataFormatError
        A missing field or a value outside the law's domain.
    """
    where = f"benchmark {benchmark!r} {key}"
    if not isinstance(data, Mapping):
        raise DataFormatError(f"{where} must be an object; got {_fmt(data)}")
    max_ceiling: float | None = None
    floor: float | None = None
    law: FittedLaw
    label = data.get("law", "LossLaw" if key == "loss_law" else "ScoreLaw")
    expected = "LossLaw" if key == "loss_law" else "ScoreLaw"
    if label != expected:
        raise DataFormatError(f"{where}: law must be {expected!r}; got {_fmt(label)}")
    if key == "loss_law":
        irr = data.get("irreducible")
        if not isinstance(irr, bool):
            raise DataFormatError(f"{where}: irreducible must be true or false; got {_fmt(irr)}")
        law = LossLaw(irreducible=irr)
        kind = "LossLaw"
    else:
        max_ceiling = _number(f"{where}: max_ceiling", data.get("max_ceiling"))
        if not (math.isfinite(max_ceiling) and 0 < max_ceiling <= 1):
            raise DataFormatError(
                f"{where}: max_ceiling must lie in (0, 1] (scores are fractions); got "
                f"{_fmt(max_ceiling)}")
        raw_floor = data.get("floor")
        if raw_floor is not None:
            floor = _number(f"{where}: floor", raw_floor)
            if not (math.isfinite(floor) and 0 <= floor < max_ceiling):
                raise DataFormatError(
                    f"{where}: floor must lie in [0, {_fmt(max_ceiling)}); got {_fmt(floor)}")
        law = ScoreLaw(floor=floor, max_ceiling=max_ceiling)
        kind = "ScoreLaw"
    names = law._names()
    params = data.get("params")
    if not isinstance(params, Mapping):
        raise DataFormatError(f"{where}: params must be an object; got {_fmt(params)}")
    missing = [n for n in names if n not in params]
    if missing:
        raise DataFormatError(f"{where}: params lacks {missing}")
    vec = np.array([_number(f"{where}: {n}", params[n]) for n in names])
    _check_params(where, kind, names, vec[None, :], max_ceiling, floor)
    law._set_params(vec)
    if "bootstrap_draws" in data:
        try:
            draws = np.asarray(data["bootstrap_draws"], dtype=float)
        except (TypeError, ValueError):
            raise DataFormatError(f"{where}: bootstrap_draws must be a table of numbers") from None
        if draws.ndim != 2 or draws.shape[0] < 1 or draws.shape[1] != len(names):
            raise DataFormatError(
                f"{where}: bootstrap_draws must have shape (n_draws, {len(names)}); "
                f"got {draws.shape}"
            )
        _check_params(f"{where} bootstrap draw", kind, names, draws, max_ceiling, floor)
        law.bootstrap_ = BootstrapResult(draws, names)
    return law


def check_benchmark_entry(benchmark: str, data: Any) -> None:
    """Check the plain fields of a saved benchmark (counts, sizes, tasks, flags).

    Parameters
    ----------
    benchmark
        Benchmark name.
    data
        The saved entry.

    Raises
    ------
    DataFormatError
        A missing or malformed field.
    """
    where = f"benchmark {benchmark!r}"
    if not isinstance(data, Mapping):
        raise DataFormatError(f"{where} must be an object; got {_fmt(data)}")
    for key in ("protocol", "n_runs", "n_checkpoints", "size_range", "max_score", "loss_law",
                "score_law"):
        if key not in data:
            raise DataFormatError(f"{where} lacks the field {key!r}")
    if not isinstance(data["protocol"], str):
        raise DataFormatError(f"{where}: protocol must be text; got {_fmt(data['protocol'])}")
    for key in ("n_runs", "n_checkpoints"):
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise DataFormatError(f"{where}: {key} must be a positive integer; got {_fmt(v)}")
    sr = data["size_range"]
    if not isinstance(sr, list) or len(sr) != 2:
        raise DataFormatError(f"{where}: size_range must be [min, max]; got {_fmt(sr)}")
    lo, hi = (_number(f"{where}: size_range", v) for v in sr)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        raise DataFormatError(
            f"{where}: size_range must be finite with 0 < min <= max; got [{_fmt(lo)}, {_fmt(hi)}]"
        )
    ms = _number(f"{where}: max_score", data["max_score"])
    if not (math.isfinite(ms) and 0 <= ms <= 1):
        raise DataFormatError(f"{where}: max_score must lie in [0, 1]; got {_fmt(ms)}")
    tasks = data.get("tasks", [])
    if not isinstance(tasks, list) or not all(isinstance(t, str) for t in tasks):
        raise DataFormatError(f"{where}: tasks must be a list of names; got {_fmt(tasks)}")
    flags = data.get("flags", [])
    if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
        raise DataFormatError(f"{where}: flags must be a list of text; got {_fmt(flags)}")


def check_max_ceiling(value: Any) -> float:
    """Check a frame's ``max_ceiling`` argument before a fit (the bound a saved frame obeys).

    Parameters
    ----------
    value
        The sigmoid ceiling bound.

    Returns
    -------
    float
        ``value`` as a float.

    Raises
    ------
    InputError
        Not a real number in ``(0, 1]``: scores are fractions, and a frame fitted with a larger
        bound could not be loaded back.
    """
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (ok and math.isfinite(value) and 0 < value <= 1):
        raise InputError(
            f"max_ceiling must lie in (0, 1] (scores are fractions); got {_fmt(value)}")
    return float(value)


def check_frame_fields(data: Mapping[str, Any]) -> None:
    """Check a saved frame's top-level fields besides ``settings`` and ``benchmarks``.

    Parameters
    ----------
    data
        The saved frame.

    Raises
    ------
    DataFormatError
        ``name`` not text, or ``n_runs`` neither absent, null nor a positive integer.
    """
    if not isinstance(data.get("name"), str):
        raise DataFormatError(f"name must be text; got {_fmt(data.get('name'))}")
    v = data.get("n_runs")
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
        raise DataFormatError(f"n_runs must be a positive integer; got {_fmt(v)}")


def check_settings(settings: Any, benchmarks: Mapping[str, Any]) -> None:
    """Check a saved frame's settings and that its averages agree with its benchmarks.

    Every task of a fitted averaged benchmark must itself be a benchmark of the frame (or a
    known benchmark with a chance level), and the averaged benchmark's saved ``tasks`` must
    be those of ``settings.averages``.

    Parameters
    ----------
    settings
        The saved ``settings`` object.
    benchmarks
        The saved ``benchmarks`` object (name -> entry).

    Raises
    ------
    DataFormatError
        An unknown ``param_count``, a malformed value or an inconsistent average.
    """
    from densing.reference._defaults import CHANCE_LEVELS

    if not isinstance(settings, Mapping):
        raise DataFormatError(f"settings must be an object; got {_fmt(settings)}")
    pc = settings.get("param_count")
    if pc not in PARAM_COLUMNS:
        raise DataFormatError(
            f"settings.param_count must be one of {sorted(PARAM_COLUMNS)}; got {_fmt(pc)}"
        )
    for key in ("irreducible",):
        if not isinstance(settings.get(key), bool):
            raise DataFormatError(
                f"settings.{key} must be true or false; got {_fmt(settings.get(key))}")
    for key in ("tokens", "max_ceiling", "delta"):
        v = _number(f"settings.{key}", settings.get(key))
        if not (math.isfinite(v) and v > 0):
            raise DataFormatError(f"settings.{key} must be finite and > 0; got {_fmt(v)}")
        if key == "max_ceiling" and v > 1:
            raise DataFormatError(
                f"settings.max_ceiling must lie in (0, 1] (scores are fractions); got {_fmt(v)}")
    nb = settings.get("n_bootstrap")
    if isinstance(nb, bool) or not isinstance(nb, int) or nb < 0:
        raise DataFormatError(f"settings.n_bootstrap must be an integer >= 0; got {_fmt(nb)}")
    averages = settings.get("averages")
    if not isinstance(averages, Mapping):
        raise DataFormatError(f"settings.averages must be an object; got {_fmt(averages)}")
    if not isinstance(benchmarks, Mapping) or not benchmarks:
        raise DataFormatError("benchmarks must be a non-empty object of fitted benchmarks")
    for name, tasks in averages.items():
        if (not isinstance(tasks, list) or not tasks
                or not all(isinstance(t, str) for t in tasks)):
            raise DataFormatError(
                f"settings.averages[{name!r}] must be a non-empty list of names; got {_fmt(tasks)}"
            )
        if name not in benchmarks:
            continue
        unknown = [t for t in tasks if t not in benchmarks and t not in CHANCE_LEVELS]
        if unknown or name in tasks:
            bad = unknown[0] if unknown else name
            raise DataFormatError(
                f"settings.averages[{name!r}] member {bad!r} is not a benchmark of the frame"
            )
        saved = benchmarks[name].get("tasks", []) if isinstance(benchmarks[name], Mapping) else []
        if list(saved) != list(tasks):
            raise DataFormatError(
                f"benchmark {name!r}: tasks {_fmt(saved)} differ from settings.averages "
                f"{_fmt(tasks)}"
            )
    for name, entry in benchmarks.items():
        if isinstance(entry, Mapping) and entry.get("tasks") and name not in averages:
            raise DataFormatError(
                f"benchmark {name!r} has tasks but is not in settings.averages")

