"""Named reference frames: the fitted JSON shipped in the package, refits and a cache.

:func:`load_frame` answers ``"olmo-ladder"`` (and ``"olmo-ladder+E"``) from the JSON that
``scripts/build_frames.py`` ships when the settings are the shipped ones, refits from the
bundled runs for any other setting, and loads a saved file for a path. Frames are cached
per settings within a process.

:func:`resolve_frame` takes any way of naming a frame (an instance, a name, a path, ``None``)
and :func:`frame_info` answers what a frame holds (benchmarks, protocols, averages, parameter
convention, tokens) without fitting: every other module asks these two, never the JSON.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from densing.exceptions import FitQualityWarning
from densing.reference._defaults import (
    DEFAULT_FRAME_BENCHMARKS,
    DEFAULT_PARAM_COUNT,
    DEFAULT_TOKENS,
)
from densing.reference.frame import ReferenceFrame

__all__ = ["SHIPPED_FRAMES", "FrameInfo", "frame_info", "is_frame_path", "load_frame",
           "resolve_frame"]

_FRAME_CACHE: dict[tuple[Any, ...], ReferenceFrame] = {}

#: fitted frames shipped in the package (scripts/build_frames.py): name -> settings
SHIPPED_FRAMES: dict[str, dict[str, Any]] = {
    "olmo-ladder": {"irreducible": False, "param_count": DEFAULT_PARAM_COUNT},
    "olmo-ladder+E": {"irreducible": True, "param_count": DEFAULT_PARAM_COUNT},
}

_DEFAULT_SETTINGS: dict[str, Any] = {
    "irreducible": False, "floor": None, "max_ceiling": 1.0, "param_count": DEFAULT_PARAM_COUNT,
    "tokens": DEFAULT_TOKENS, "delta": 1e-3,
}


def _shipped_frame(
    name: str, max_params: float | None, kwargs: Mapping[str, Any]
) -> ReferenceFrame | None:
    """The shipped JSON of a bundled frame when the settings are the shipped ones."""
    if name not in SHIPPED_FRAMES or max_params not in (None, 4e9):
        return None
    settings = dict(SHIPPED_FRAMES[name])
    accepted = {"n_bootstrap": (0, 200), "random_state": (0,)}
    for key, value in kwargs.items():
        if key == "name":
            continue
        if key in accepted:
            if value not in accepted[key]:
                return None
            continue
        if settings.get(key, _DEFAULT_SETTINGS.get(key, object())) != value:
            return None
    cache_key = ("shipped", name)
    if cache_key not in _FRAME_CACHE:
        from importlib.resources import files

        res = files("densing") / "data" / "frames" / f"{name}.json"
        if not res.is_file():
            return None
        _FRAME_CACHE[cache_key] = ReferenceFrame.from_dict(json.loads(res.read_text()))
    return _FRAME_CACHE[cache_key]


def load_frame(
    name_or_path: str | os.PathLike[str] = "olmo-ladder",
    *,
    max_params: float | None = None,
    **kwargs: Any,
) -> ReferenceFrame:
    """A fitted reference frame by name (fitted from bundled data) or from a saved JSON file.

    Parameters
    ----------
    name_or_path
        ``"olmo-ladder"`` (the default frame), ``"olmo-ladder+E"`` (its loss law with the
        irreducible term) or a path to a file written by :meth:`ReferenceFrame.save`. The
        bundled frames count parameters without embeddings (``param_count``
        ``"non_embedding"``, chosen by cross-validation inside the ladder); pass
        ``param_count="total"`` for totals. With
        default settings the bundled frames load from the fitted JSON shipped in the package
        (200 bootstrap resamples of the reference runs); other settings refit on the fly.
    max_params
        Fit only on reference runs with fewer parameters than this (non-embedding count),
        e.g. ``4e9`` to hold out OLMo-2 7B and 13B. The default frame fits on every run up to
        3B and holds out 7B and 13B (its self-check).
    **kwargs
        Settings passed to :class:`ReferenceFrame` (``irreducible``, ``param_count``, ...).

    Returns
    -------
    ReferenceFrame
        The fitted frame (cached per settings within a process).
    """
    p = str(name_or_path)
    if is_frame_path(p):
        return ReferenceFrame.load(p)
    from densing.datasets import load_reference_runs

    shipped = _shipped_frame(p, max_params, kwargs)
    if shipped is not None:
        return shipped
    if p.startswith("olmo-ladder"):
        if p == "olmo-ladder+E":
            kwargs.setdefault("irreducible", True)
        p = "olmo-ladder"
        if max_params is None:
            max_params = 4e9
        kwargs.setdefault("benchmarks", DEFAULT_FRAME_BENCHMARKS)
        kwargs.setdefault("param_count", DEFAULT_PARAM_COUNT)
    key = (p, max_params, tuple(sorted((k, repr(v)) for k, v in kwargs.items())))
    if key not in _FRAME_CACHE:
        runs = load_reference_runs(p)
        if max_params is not None:
            runs = runs[runs["n_params"] < max_params]
        kwargs.setdefault("name", p)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitQualityWarning)
            _FRAME_CACHE[key] = ReferenceFrame(**kwargs).fit(runs)
    return _FRAME_CACHE[key]


def is_frame_path(spec: str | os.PathLike[str]) -> bool:
    """Whether a frame spec names a saved JSON file rather than a bundled frame.

    Parameters
    ----------
    spec
        ``"olmo-ladder"``, ``"frame.json"``, ``"runs/frame"``, ...

    Returns
    -------
    bool
        True for a path: it ends with ``.json`` or holds a path separator.
    """
    text = str(spec)
    return text.endswith(".json") or os.path.sep in text or "/" in text


def resolve_frame(frame: ReferenceFrame | str | os.PathLike[str] | None) -> ReferenceFrame:
    """Return a fitted frame from an instance, a bundled frame's name or a saved JSON path.

    Parameters
    ----------
    frame
        A fitted :class:`ReferenceFrame`, ``"olmo-ladder"``, a JSON path, or ``None`` for the
        default frame.

    Returns
    -------
    ReferenceFrame
        A fitted frame.
    """
    from densing._validation import check_is_fitted

    if frame is None:
        return load_frame("olmo-ladder")
    if isinstance(frame, ReferenceFrame):
        check_is_fitted(frame, "fits_")
        return frame
    return load_frame(frame)


@dataclass(frozen=True)
class FrameInfo:
    """What a reference frame holds, read without fitting it.

    Attributes
    ----------
    name
        The frame's name.
    protocols
        Benchmark -> protocol, for every fitted benchmark (averaged ones included).
    averages
        Averaged benchmark -> its tasks.
    param_count
        How the frame's reference runs count parameters (``"non_embedding"`` for the shipped
        frames).
    tokens
        The frame's data budget ``D0``.
    """

    name: str
    protocols: Mapping[str, str]
    averages: Mapping[str, tuple[str, ...]]
    param_count: str
    tokens: float

    @property
    def benchmarks(self) -> tuple[str, ...]:
        """The fitted benchmarks, sorted."""
        return tuple(sorted(self.protocols))

    def tasks(self, benchmark: str) -> list[str]:
        """The tasks a benchmark needs: an average's tasks, or ``[benchmark]`` itself.

        Parameters
        ----------
        benchmark
            A benchmark of the frame.

        Returns
        -------
        list of str
            The tasks.
        """
        return list(self.averages.get(benchmark) or (benchmark,))


def frame_info(frame: ReferenceFrame | str | os.PathLike[str] | None = None) -> FrameInfo:
    """A frame's benchmarks, protocols, averages, parameter convention and tokens.

    Parameters
    ----------
    frame
        A fitted :class:`ReferenceFrame`, a bundled frame's name, a saved JSON path, or
        ``None`` for the default frame. A bundled frame is read from its shipped JSON and a
        path from its file, so nothing is fitted (a name with no shipped JSON is fitted, as
        :func:`load_frame` does).

    Returns
    -------
    FrameInfo
        What the frame holds.

    Raises
    ------
    densing.InputError
        A path that does not exist.
    densing.DataFormatError
        A file that is not a saved frame; the message names the file.
    """
    if frame is None or isinstance(frame, ReferenceFrame):
        fr = resolve_frame(frame)
    elif is_frame_path(frame):
        fr = ReferenceFrame.load(Path(frame))
    else:
        fr = _shipped_frame(str(frame), None, {}) or load_frame(str(frame))
    return FrameInfo(
        name=str(fr.name), protocols=dict(fr.protocol_),
        averages={str(k): tuple(str(t) for t in v) for k, v in fr.averages.items()},
        param_count=str(fr.param_count), tokens=float(fr.tokens),
    )
