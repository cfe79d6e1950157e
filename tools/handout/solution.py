"""From an instructor source to its worked solution: every answer kept, no marker, no note.

Built like the handout (fresh cells, deterministic ids, the standard ``python3`` kernel, no
outputs), from a source whose markers the handout's checks accepted.
"""

from __future__ import annotations

import nbformat
from nbformat import NotebookNode

from .code_cells import solution_code
from .markdown_cells import solution_markdown
from .source import Source
from .student import KERNELSPEC, make_handout, new_cell


def make_solution(source: Source) -> NotebookNode:
    """Build the solution notebook of an instructor source.

    Raises
    ------
    MarkerError
        If the source's markers are malformed (the same errors as :func:`make_handout`).
    """
    make_handout(source)  # the same checks, so a malformed source is refused alike
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": dict(KERNELSPEC)})
    notebook.metadata["language_info"] = {"name": "python"}
    for cell in source.notebook.cells:
        if cell.cell_type == "code":
            text = solution_code(cell.source)
        else:
            text = solution_markdown(cell.source)
            if not text.strip():
                continue
        notebook.cells.append(new_cell(cell, text, len(notebook.cells)))
    nbformat.validate(notebook)
    return notebook
