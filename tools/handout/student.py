"""From an instructor source to a student handout, audited for leaks before anyone writes it.

The handout is built fresh rather than edited from the source notebook, so it carries only
what a student should get: cell sources, cell tags, and the standard ``python3`` kernelspec.
No outputs, no execution counts, no jupytext pairing or other instructor metadata; cell ids
come from the cell's position, so the same source always gives the same bytes.
"""

from __future__ import annotations

import ast
import re
from collections import Counter

import nbformat
from nbformat import NotebookNode

from .code_cells import find_code_marker, strip_code
from .markdown_cells import find_markdown_marker, marker_a_reader_could_see, strip_markdown
from .markers import MarkerError, UnclosedRegion, find_marker_like
from .python_view import python_view
from .source import Source

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

# Removed lines this plain may also appear in the handout: brackets, keywords alone, `pass`.
_TRIVIAL_LINE = re.compile(
    r"[\W_]*|(?:else|try|finally|pass|break|continue|return|\.\.\.|\*SOLUTION HERE\*):?"
)


class LeakError(MarkerError):
    """The stripped notebook still holds solution text; the handout must not be written."""


def make_handout(source: Source) -> NotebookNode:
    """Build the student handout of an instructor source, and audit it.

    Parameters
    ----------
    source : Source
        A parsed instructor source.

    Returns
    -------
    nbformat.NotebookNode
        The handout, nbformat 4, valid against the schema.

    Raises
    ------
    MarkerError
        If a cell's markers are malformed (the message names the ``.md`` line).
    LeakError
        If the audit finds solution text, marker text or invalid Python in the result.
    """
    path = str(source.path)
    handout = nbformat.v4.new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    handout.metadata["language_info"] = {"name": "python"}
    removed, origin = [], []
    for index, cell in enumerate(source.notebook.cells):
        strip = strip_code if cell.cell_type == "code" else strip_markdown
        try:
            stripped = strip(cell.source)
        except UnclosedRegion as error:
            raise _crossing(error, source, index).located(path, source.cell_lines[index]) from None
        except MarkerError as error:
            raise error.located(path, source.cell_lines[index]) from None
        removed += stripped.removed
        if cell.cell_type == "markdown" and stripped.had_markers and not stripped.source.strip():
            continue  # a cell that held only an instructor note goes without trace
        handout.cells.append(new_cell(cell, stripped.source, len(handout.cells)))
        origin.append(index)
    _audit(handout, removed, source, origin)
    nbformat.validate(handout)
    return handout


def _crossing(error: UnclosedRegion, source: Source, index: int) -> MarkerError:
    """Say so when an unclosed region's closing tag sits in a later cell."""
    for later in range(index + 1, len(source.notebook.cells)):
        for offset, line in enumerate(source.notebook.cells[later].source.split("\n")):
            if error.closing in line:
                where = source.cell_lines[later]
                at = f"line {where + offset}" if where else f"cell {later + 1}"
                return MarkerError(
                    f"this region crosses a cell boundary: it is closed at {at}; "
                    "open and close a region in the same cell",
                    error.line,
                )
    return error


def new_cell(like: NotebookNode, text: str, position: int) -> NotebookNode:
    """A fresh cell of ``like``'s type holding ``text``, with only its tags kept.

    Built as a plain node: the whole notebook is validated once it is complete (nbformat's
    own cell constructors validate every cell, which took a third of a handout's time).
    """
    cell = {"cell_type": like.cell_type, "id": f"cell-{position}", "metadata": {}, "source": text}
    if like.cell_type == "code":
        cell.update(outputs=[], execution_count=None)
    if like.metadata.get("tags"):
        cell["metadata"]["tags"] = list(like.metadata["tags"])
    return nbformat.from_dict(cell)


def _audit(handout: NotebookNode, removed: list[str], source: Source, origin: list[int]) -> None:
    """Refuse the handout if anything of the solutions got through.

    A removed line may still appear in the handout as often as the instructor wrote it
    outside the solutions (an instruction that shows ``weight_initializer=glorot_uniform,``
    is not a leak of the solution that uses it); counted on the raw file, not on jupytext's
    cells, so that a stripping bug cannot hide itself.
    """
    removed_count = Counter(line.strip() for line in removed)
    in_file = Counter(line.strip() for line in source.text.split("\n"))
    allowed = {
        line: in_file[line] - count
        for line, count in removed_count.items()
        if not _TRIVIAL_LINE.fullmatch(line)
    }
    in_handout = Counter()
    for cell, index in zip(handout.cells, origin, strict=True):
        lines = [line.strip() for line in cell.source.split("\n")]
        in_handout.update(line for line in lines if line in allowed)
        leaked = next((line for line in lines if in_handout[line] > allowed.get(line, 1e9)), None)
        problem = _cell_problem(cell) or (
            leaked and f"a line of a removed solution is still in this cell: {leaked!r}"
        )
        if problem:
            message = f"refusing to write the handout: {problem}"
            raise LeakError(message, source.cell_lines[index], str(source.path))


def _cell_problem(cell: NotebookNode) -> str | None:
    """What is wrong with one handout cell, or None."""
    if cell.get("outputs") or cell.get("execution_count"):
        return "a code cell still has outputs"
    for tag in cell.metadata.get("tags", []):
        if find_marker_like(tag):
            return f"marker text in the cell's tag {tag!r}"
    if cell.cell_type == "raw":  # shown as it is: no inline code makes marker text content
        marker = find_marker_like(cell.source)
        return marker and f"marker text '{marker.text}' is still in this raw cell"
    if cell.cell_type != "code":
        marker = find_markdown_marker(cell.source)
        if marker:
            return f"marker text '{marker}' is still in this cell"
        seen = marker_a_reader_could_see(cell.source)
        return seen and (
            f"marker text '{seen[0]}' is still in this cell, where a Markdown renderer "
            f"shows it ({seen[1].replace('_', ' ')}); check the backticks, fences and "
            "indentation around it"
        )
    try:
        view = python_view(cell.source)
        if view.text is not None:
            compile(view.text, "<handout cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, MarkerError) as error:
        return f"this cell would not be valid Python: {getattr(error, 'msg', error)}"
    marker = find_code_marker(cell.source)
    return marker and f"marker text '{marker}' is still in this cell"
