"""One summary type for every printed or displayed report: text, HTML and a plain dict.

A :class:`Summary` is a title, a header of key/value lines (the headline first), then, in
order, tables, notes and nested summaries. It renders itself and never prints, in the
manner of statsmodels' ``iolib.summary2.Summary`` and lifelines' ``utils.printer``:

>>> import pandas as pd
>>> from densing._summary import Summary
>>> s = Summary("Demo", header=[("doubling time", "3.3 months")])
>>> _ = s.add_table(pd.DataFrame({"a": [1.0, 2.5]}), caption="Values:")
>>> print(s)
Demo
doubling time     3.3 months
---
Values:
  a
  1
2.5

Text layout: the title, the header lines (keys padded to a common width), then the parts.
A table that follows the header or another table is preceded by a ``---`` rule; a nested
summary is set off by blank lines.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from densing._io import to_plain

_KEY_WIDTH = 18


def _wrap(line: str, width: int, indent: str) -> str:
    """``line`` wrapped at ``width`` columns, continuation lines starting with ``indent``."""
    if len(line) <= width or "\n" in line:
        return line
    import textwrap

    return textwrap.fill(line, width=width, subsequent_indent=indent, break_on_hyphens=False,
                         break_long_words=False, drop_whitespace=True)


@dataclass(frozen=True)
class SummaryTable:
    """One table of a :class:`Summary`.

    Attributes
    ----------
    frame
        The table.
    caption
        A line shown above it (``None``: none).
    index
        Show the DataFrame's index.
    float_format
        Format spec of floats (e.g. ``".4g"``).
    """

    frame: pd.DataFrame
    caption: str | None = None
    index: bool = False
    float_format: str = ".4g"

    def as_text(self) -> str:
        """The table as fixed-width text (without its caption), its columns wrapped to the
        terminal's width (``COLUMNS``; 100 when there is no terminal)."""
        import shutil

        fmt = self.float_format
        width = shutil.get_terminal_size((100, 24)).columns
        return str(self.frame.to_string(index=self.index, float_format=lambda v: format(v, fmt),
                                        line_width=width))

    def as_html(self) -> str:
        """The table as an escaped HTML ``<table>`` (with its caption)."""
        fmt = self.float_format
        body = self.frame.to_html(index=self.index, float_format=lambda v: format(v, fmt),
                                  border=0, escape=True, na_rep="NaN")
        if self.caption:
            body = f"<p><b>{html.escape(self.caption)}</b></p>\n{body}"
        return str(body)

    def to_dict(self) -> dict[str, Any]:
        """``caption``, ``columns`` and ``rows`` (one plain dict per row)."""
        frame = self.frame.reset_index() if self.index else self.frame
        return {
            "caption": self.caption,
            "columns": [str(c) for c in frame.columns],
            "rows": to_plain(frame.to_dict(orient="records")),
        }


class Summary:
    """A report: title, header key/values (headline first), tables, notes, nested reports.

    Parameters
    ----------
    title
        First line of the text, caption of the HTML.
    header
        ``(key, value)`` pairs shown first; put the headline figure first.
    tables
        DataFrames (or :class:`SummaryTable`) added in order after the header.
    notes
        Lines added after the tables.

    Notes
    -----
    Build it with :meth:`add_header`, :meth:`add_table`, :meth:`add_note` and
    :meth:`add_summary` (each returns ``self``), render it with :meth:`as_text`,
    :meth:`as_html` or :meth:`to_dict`. ``str(summary)`` is the text and notebooks show the
    HTML.
    """

    def __init__(
        self,
        title: str,
        header: Iterable[tuple[str, Any]] | None = None,
        tables: Iterable[pd.DataFrame | SummaryTable] | None = None,
        notes: Iterable[str] | None = None,
    ) -> None:
        self.title = str(title)
        self.header: list[tuple[str, str]] = []
        self._parts: list[tuple[str, Any]] = []
        for key, value in header or ():
            self.add_header(key, value)
        for table in tables or ():
            if isinstance(table, SummaryTable):
                self._parts.append(("table", table))
            else:
                self.add_table(table)
        for note in notes or ():
            self.add_note(note)

    # -- building ----------------------------------------------------------------------

    def add_header(self, key: str, value: Any) -> Summary:
        """Add a ``key  value`` line to the header; returns ``self``."""
        self.header.append((str(key), str(value)))
        return self

    def add_table(
        self,
        frame: pd.DataFrame,
        caption: str | None = None,
        *,
        index: bool = False,
        float_format: str = ".4g",
    ) -> Summary:
        """Add a table; returns ``self``.

        Parameters
        ----------
        frame
            The table.
        caption
            A line above it.
        index
            Show the index.
        float_format
            Format spec of floats.

        Returns
        -------
        Summary
            ``self``.
        """
        self._parts.append(("table", SummaryTable(frame, caption, index, float_format)))
        return self

    def add_note(self, text: str) -> Summary:
        """Add a line of text (a footer note); returns ``self``."""
        self._parts.append(("note", str(text)))
        return self

    def add_summary(self, other: Summary) -> Summary:
        """Nest another summary (set off by blank lines in text); returns ``self``."""
        if not isinstance(other, Summary):
            raise TypeError(f"add_summary expects a Summary, got {type(other).__name__}")
        self._parts.append(("summary", other))
        return self

    # -- reading -----------------------------------------------------------------------

    @property
    def tables(self) -> list[SummaryTable]:
        """The tables, in order (nested summaries excluded)."""
        return [p for kind, p in self._parts if kind == "table"]

    @property
    def notes(self) -> list[str]:
        """The notes, in order (nested summaries excluded)."""
        return [p for kind, p in self._parts if kind == "note"]

    @property
    def sections(self) -> list[Summary]:
        """The nested summaries, in order."""
        return [p for kind, p in self._parts if kind == "summary"]

    # -- rendering ---------------------------------------------------------------------

    def as_text(self) -> str:
        """The report as plain text (no trailing newline), its lines wrapped to the
        terminal's width (``COLUMNS``; 100 when there is no terminal)."""
        import shutil

        columns = max(shutil.get_terminal_size((100, 24)).columns, 40)
        lines: list[str] = [self.title] if self.title else []
        if self.header:
            width = max(_KEY_WIDTH, max(len(k) for k, _ in self.header) + 2)
            lines.extend(_wrap(f"{k:<{width}}{v}", columns, " " * width)
                         for k, v in self.header)
        prev = "header" if self.header else "title"
        for kind, part in self._parts:
            if kind == "table":
                if prev in ("header", "table"):
                    lines.append("---")
                if part.caption:
                    lines.append(part.caption)
                lines.append(part.as_text())
            elif kind == "note":
                lead = part[: len(part) - len(part.lstrip())]
                lines.append(_wrap(part, columns, lead + "  "))
            else:
                lines.extend(["", part.as_text(), ""])
            prev = kind
        return "\n".join(lines)

    def as_html(self) -> str:
        """The report as an HTML fragment (every value escaped)."""
        out = ['<div class="densing-summary">']
        rows = "".join(
            f"<tr><th style=\"text-align:left\">{html.escape(k)}</th>"
            f"<td style=\"text-align:left\">{html.escape(v)}</td></tr>"
            for k, v in self.header
        )
        out.append(f"<table><caption style=\"text-align:left\"><b>{html.escape(self.title)}"
                   f"</b></caption>{rows}</table>")
        for kind, part in self._parts:
            if kind == "table":
                out.append(part.as_html())
            elif kind == "note":
                out.append(f"<p>{html.escape(part)}</p>")
            else:
                out.append(part.as_html())
        out.append("</div>")
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        """The report as plain values: ``title``, ``header``, ``tables``, ``notes``,
        ``sections`` (nested summaries' dicts)."""
        return {
            "title": self.title,
            "header": dict(self.header),
            "tables": [t.to_dict() for t in self.tables],
            "notes": list(self.notes),
            "sections": [s.to_dict() for s in self.sections],
        }

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

    def __repr__(self) -> str:
        return (f"<Summary {self.title!r}: {len(self.header)} header lines, "
                f"{len(self.tables)} tables, {len(self.notes)} notes>")


__all__ = ["Summary", "SummaryTable"]
