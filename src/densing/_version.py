"""The installed version of densing, looked up in the package metadata on first use."""

from __future__ import annotations

from functools import cache

__all__ = ["version"]


@cache
def version() -> str:
    """The installed distribution's version (``"0+unknown"`` from a bare source tree).

    Returns
    -------
    str
        The version string.
    """
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as _metadata_version

    try:
        return _metadata_version("densing")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0+unknown"
