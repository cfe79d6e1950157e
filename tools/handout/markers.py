"""The CogWorks markers: their spelling, what replaces them, and the error they raise.

=====================================  ===============================================
instructor source                      student handout
=====================================  ===============================================
``# <COGINST>`` ... ``# </COGINST>``   one placeholder comment at the opening indent
``statement  # <COGLINE>``             one placeholder comment at the statement's indent
``target = value  # <COGSTUB> hint``   ``target = ...  # hint``
``<COGINST>answer</COGINST>`` (text)   ``*SOLUTION HERE*``
``<COGNOTE>note</COGNOTE>`` (text)     nothing
=====================================  ===============================================

:mod:`handout.code_cells` and :mod:`handout.markdown_cells` apply them to one cell each.
Line numbers in :class:`MarkerError` count from 1 at the cell's first source line until the
notebook layer turns them into lines of the ``.md`` file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PLACEHOLDER = "# STUDENT CODE HERE"
EMPTY_BODY = "..."
MARKDOWN_PLACEHOLDER = "*SOLUTION HERE*"

REGION_OPEN = "# <COGINST>"
REGION_CLOSE = "# </COGINST>"
LINE_MARKER = "# <COGLINE>"
STUB_MARKER = "# <COGSTUB>"
MARKDOWN_SOLUTION = "COGINST"
MARKDOWN_NOTE = "COGNOTE"

_NAMES = ("coginst", "cogline", "cogstub", "cognote")
_TAG_LIKE = re.compile(r"<\s*/?\s*(\w+)\s*/?\s*>")
_WORD_LIKE = re.compile(r"\bcog(?:inst|line|stub|note)\b", re.IGNORECASE)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance: how many single-letter edits turn ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other))
            )
        previous = current
    return previous[-1]


def iter_marker_like(text: str) -> list[re.Match]:
    """Everything in ``text`` that a reader could take for a marker, in order.

    That is any ``<tag>`` or ``</tag>`` whose name is at most two letters away from a
    marker's name, whatever its case and spacing (``<coginst>``, ``< COGINST >``,
    ``<CODINST>``, ``<COGINTS>``), and a marker's name written bare (``COGINST``). Exact
    markers are found too: callers check those first.
    """
    tags = [
        found
        for found in _TAG_LIKE.finditer(text)
        if any(_distance(found.group(1).lower(), name) <= 2 for name in _NAMES)
    ]
    words = [
        found
        for found in _WORD_LIKE.finditer(text)
        if not any(tag.start() <= found.start() < tag.end() for tag in tags)
    ]
    return sorted(tags + words, key=lambda found: found.start())


def find_marker_like(text: str) -> re.Match | None:
    """The first of :func:`iter_marker_like`, or None."""
    found = iter_marker_like(text)
    return found[0] if found else None


class MarkerError(ValueError):
    """A source's markers are malformed; nothing should be written from it.

    Parameters
    ----------
    message : str
        What is wrong, and how to fix it. ``{related}`` in it stands for ``related``, a
        second line the message refers to, so that it is located with the first.
    line : int, optional
        1-based line of the problem (in the cell, or in the file once located).
    path : str, optional
        The source file, once known.
    related : int, optional
        The second line, counted as ``line`` is.
    """

    def __init__(
        self,
        message: str,
        line: int | None = None,
        path: str | None = None,
        related: int | None = None,
    ):
        super().__init__(message)
        self.template = message
        self.line = line
        self.path = path
        self.related = related

    @property
    def message(self) -> str:
        """The message with its related line filled in."""
        return self.template.format(related=self.related)

    def located(self, path: str, first_line: int | None) -> MarkerError:
        """Return this error with its cell lines turned into lines of ``path``."""
        error = type(self).__new__(type(self))
        error.__dict__.update(self.__dict__)
        ValueError.__init__(error, self.template)
        error.path = path
        if first_line is None:
            error.line = None
            if self.related is not None:
                error.related = f"{self.related} of the cell"
        else:
            error.line = None if self.line is None else first_line + self.line - 1
            if self.related is not None:
                error.related = first_line + self.related - 1
        return error

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.path, self.line) if part is not None)
        return f"{where}: {self.message}" if where else self.message


class UnclosedRegion(MarkerError):
    """A region opens in a cell and does not close there; ``closing`` is the tag it lacks."""

    def __init__(self, message: str, line: int, closing: str):
        super().__init__(message, line)
        self.closing = closing


@dataclass
class StrippedCell:
    """A cell's source with its solutions taken out, and the lines that were taken out."""

    source: str
    removed: list[str] = field(default_factory=list)
    had_markers: bool = False
