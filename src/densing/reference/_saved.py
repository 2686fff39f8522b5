"""Saved reference frames: reading the JSON file and rebuilding the fits, checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from densing.exceptions import DataFormatError
from densing.reference._schema import check_frame_fields, check_settings
from densing.reference.benchmark_fit import BenchmarkFit

__all__ = ["FRAME_FORMAT", "parse_frame", "read_json"]

#: format tag of saved frames
FRAME_FORMAT = "densing.ReferenceFrame/1"


def read_json(path: Path) -> Any:
    """Parse a JSON file, answering every failure with one line that names the file.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    object
        The parsed JSON.

    Raises
    ------
    DataFormatError
        Unreadable, not UTF-8, not JSON, or nested too deeply to parse.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(
            f"{path}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFormatError(f"{path}: not valid JSON ({exc})") from None
    except RecursionError:
        raise DataFormatError(f"{path}: JSON nested too deeply to be a reference frame") from None


def parse_frame(data: Any) -> tuple[Mapping[str, Any], dict[str, BenchmarkFit]]:
    """Check a saved frame and rebuild its benchmarks' fits.

    Parameters
    ----------
    data
        :meth:`ReferenceFrame.to_dict` output, e.g. parsed from a JSON file.

    Returns
    -------
    settings, fits
        The checked ``settings`` object and benchmark name -> :class:`BenchmarkFit`.

    Raises
    ------
    DataFormatError
        One line naming the bad field and value.
    """
    if not isinstance(data, Mapping):
        raise DataFormatError(
            f"not a densing reference frame: a JSON {type(data).__name__}, not an object")
    if data.get("format") != FRAME_FORMAT:
        raise DataFormatError(f"not a densing reference frame (format={data.get('format')!r})")
    try:
        st = data["settings"]
        benches = data["benchmarks"]
        check_settings(st, benches)
        check_frame_fields(data)
        fits = {bench: BenchmarkFit.from_dict(bench, b) for bench, b in benches.items()}
        str(data["name"])
    except DataFormatError as exc:
        raise DataFormatError(f"malformed reference-frame JSON: {exc}") from None
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataFormatError(f"malformed reference-frame JSON: {exc!r}") from None
    draws = {f.n_draws for f in fits.values()}
    if len(draws) > 1:
        raise DataFormatError(
            f"malformed reference-frame JSON: benchmarks carry different numbers of bootstrap "
            f"draws {sorted(draws)}; a frame's benchmarks share its resamples"
        )
    return st, fits
