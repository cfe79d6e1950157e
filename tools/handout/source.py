"""Reading an instructor source: a Jupytext-markdown notebook, with the line where each cell starts.

Errors must name a line of the ``.md`` file, but jupytext does not say where a cell came
from; :func:`read_source` finds each cell's first line by walking the text in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import jupytext
from nbformat import NotebookNode

from .markers import MarkerError

_HEADER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*(\n|\Z)", re.DOTALL)
_JUPYTER_KEY = re.compile(r"^jupyter:", re.MULTILINE)


@dataclass
class Source:
    """An instructor source, parsed.

    Attributes
    ----------
    path : pathlib.Path
        The ``.md`` file.
    text : str
        Its text, with any byte-order mark and CRLF line endings normalised away.
    notebook : nbformat.NotebookNode
        The notebook jupytext reads from it.
    cell_lines : list of int or None
        For each cell, the 1-based line of the file where its source starts (None where it
        could not be found, which only costs error messages their line number).
    """

    path: Path
    text: str
    notebook: NotebookNode
    cell_lines: list[int | None]

    def where(self, cell_index: int) -> str:
        """``path:line`` of a cell, for messages."""
        line = self.cell_lines[cell_index]
        return f"{self.path}:{line}" if line else f"{self.path} (cell {cell_index + 1})"


def is_jupytext_markdown(text: str) -> bool:
    """Whether ``text`` opens with a YAML header that has a ``jupyter:`` key."""
    header = _HEADER.match(text.lstrip("\ufeff").replace("\r\n", "\n").lstrip("\n"))
    return bool(header and _JUPYTER_KEY.search(header.group(1)))


def read_source(path: Path) -> Source:
    """Read and parse one Jupytext-markdown instructor source.

    A UTF-8 byte-order mark, CRLF line endings and blank lines before the header are
    accepted; line numbers in later errors still count lines of the file as it is.

    Raises
    ------
    MarkerError
        If the file is not UTF-8 or has no Jupytext header (``---`` / ``jupyter:`` / ``---``).
    """
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MarkerError(f"cannot be read: {error.strerror or error}", None, str(path)) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise MarkerError("not UTF-8 text", line, str(path)) from error
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    body = text.lstrip("\n")
    skipped = len(text) - len(body)
    if not is_jupytext_markdown(body):
        raise MarkerError(
            "not a Jupytext-markdown notebook: it must open with a YAML header holding a "
            "'jupyter:' key (jupytext --set-formats md writes one)",
            skipped + 1,
            str(path),
        )
    try:
        notebook = jupytext.reads(body, fmt="md")
    except Exception as error:  # jupytext raises many kinds (YAML, type errors) on bad headers
        mark = getattr(error, "problem_mark", None)
        line = skipped + mark.line + 1 if mark is not None else skipped + 1
        reason = str(error).split("\n")[0]
        raise MarkerError(
            f"jupytext cannot read this notebook: {reason}", line, str(path)
        ) from None
    lines = [line + skipped if line else None for line in _cell_lines(body, notebook.cells)]
    return Source(path, text, notebook, lines)


def _cell_lines(text: str, cells: list) -> list[int | None]:
    """Find the 1-based line on which each cell's source starts, walking the text in order."""
    lines = [line.rstrip() for line in text.split("\n")]
    found, cursor = [], 0
    for cell in cells:
        source = cell.source.split("\n")
        first = next((i for i, line in enumerate(source) if line.strip()), None)
        if first is None:
            found.append(None)
            continue
        wanted = source[first].rstrip()
        index = next((i for i in range(cursor, len(lines)) if lines[i] == wanted), None)
        if index is None:
            found.append(None)
            continue
        found.append(index - first + 1)
        cursor = index + len(source) - first
    return found
