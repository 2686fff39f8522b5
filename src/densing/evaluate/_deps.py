"""Lazy imports of the optional ``eval`` extra (torch, transformers, lm-eval)."""

from __future__ import annotations

import importlib
from types import ModuleType

_HINT = 'pip install "densing[eval]"'


def require(module: str) -> ModuleType:
    """Import an optional dependency or raise an ``ImportError`` naming the extra.

    Parameters
    ----------
    module
        Dotted module name, e.g. ``"torch"`` or ``"lm_eval"``.

    Returns
    -------
    types.ModuleType
        The imported module.

    Raises
    ------
    ImportError
        If the module is not installed; the message says to ``pip install "densing[eval]"``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        raise ImportError(
            f"densing.evaluate needs the optional dependency {top!r}, which is not installed "
            f"({exc}); install the eval extra: {_HINT}"
        ) from exc
