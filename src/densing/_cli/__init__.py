"""Subcommands of the ``densing`` command line, one module each (see :mod:`densing.cli`)."""

__all__: list[str] = []
