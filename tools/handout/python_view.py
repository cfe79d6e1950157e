"""A code cell read as plain Python, with IPython magics and shell escapes set aside.

IPython's own input transformer turns ``%magic``, ``!command``, ``x = !command`` and
``obj?`` into ordinary calls, line for line, and knows a continuation line that begins
with ``!=`` or ``%`` from a magic. Markers are then found among the comments of real
Python, so a marker inside a string literal is content.
"""

from __future__ import annotations

import io
import tokenize
from dataclasses import dataclass, field
from functools import lru_cache

from IPython.core.inputtransformer2 import TransformerManager

from .markers import MarkerError, find_marker_like

#: Cell magics whose body is Python; any other cell magic's body (``%%bash``, ``%%html``,
#: ``%%writefile``) is not read as Python at all.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})


@dataclass
class PythonView:
    """A code cell as Python.

    Attributes
    ----------
    text : str or None
        The Python, line for line with the cell; None for a cell whose body is not Python.
    magic_lines : set of int
        1-based lines that held a magic or shell escape (their text is not Python).
    """

    text: str | None
    magic_lines: set[int] = field(default_factory=set)


@lru_cache(maxsize=1)
def _transformer() -> TransformerManager:
    return TransformerManager()


def python_view(source: str) -> PythonView:
    """Read ``source`` as Python, line for line; see the module's docstring.

    Raises
    ------
    MarkerError
        If a magic spans several lines (IPython then joins them, and line numbers would no
        longer point at the source), or if IPython cannot read the cell at all.
    """
    lines = source.split("\n")
    first = lines[0].lstrip()
    if first.startswith("%%"):
        name = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if name not in PYTHON_CELL_MAGICS:
            return PythonView(None, set(range(1, len(lines) + 1)))
        body = python_view("\n".join(lines[1:]))
        if body.text is None:  # %%time over %%bash, say: the body is still not Python
            return PythonView(None, set(range(1, len(lines) + 1)))
        text = "#" + lines[0] + "\n" + body.text
        return PythonView(text, {1} | {line + 1 for line in body.magic_lines})
    # IPython drops leading blank lines and ends the cell with a newline; undo both.
    leading = next((n for n, line in enumerate(lines) if line.strip()), None)
    if leading is None:
        return PythonView(source)
    try:
        transformed = _transformer().transform_cell("\n".join(lines[leading:]))
    except SyntaxError as error:  # IPython tokenizes the cell; bad indentation stops it
        line = leading + (error.lineno or 1)
        raise MarkerError(f"this cell is not valid Python: {error.msg}", line) from None
    if not source.endswith("\n"):
        transformed = transformed.removesuffix("\n")
    transformed = [""] * leading + transformed.split("\n")
    if len(transformed) != len(lines):
        raise MarkerError(
            "a magic or shell escape continued over several lines; keep each on one line", 1
        )
    magic_lines = {n for n, (a, b) in enumerate(zip(lines, transformed, strict=True), 1) if a != b}
    return PythonView("\n".join(transformed), magic_lines)


def comments(text: str) -> list[tuple[int, int, str]]:
    """Every comment token of Python ``text`` as (1-based line, column, text)."""
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    return [(t.start[0], t.start[1], t.string) for t in tokens if t.type == tokenize.COMMENT]


def marker_on_magic_line(source: str, view: PythonView) -> MarkerError | None:
    """An error for marker-like text on a line that is not Python, else None.

    Such a line's comment cannot be told from its command, so a marker there is neither
    applied nor trusted to be content.
    """
    lines = source.split("\n")
    for number in sorted(view.magic_lines):
        found = find_marker_like(lines[number - 1])
        if found:
            where = "a cell magic's body" if view.text is None else "an IPython magic's line"
            return MarkerError(
                f"'{found.text}' on {where}: markers work in Python code only; put the "
                "magic or shell command on a line of its own",
                number,
            )
    return None
