"""The lesson pages of the docs site, written for Sphinx and nbsphinx to render.

For each lesson, two pages: the exercise exactly as students get it (the handout), and the
worked solution with its outputs, taken from the notebook that ``handout build`` executed.
Where no executed copy exists yet, the solution page is the source itself, read through
jupytext, with a note that says how to produce the outputs. Instructor notes appear on
neither page, and the solution page shows answers without their marker tags. Nothing is
executed here.
"""

from __future__ import annotations

import copy
import logging
import re
import shutil
from pathlib import Path

import jupytext
import nbformat
from nbformat import NotebookNode

from .code_cells import solution_code
from .files import find_lessons, write_atomically
from .markdown_cells import solution_markdown
from .source import read_source
from .student import make_handout

logger = logging.getLogger(__name__)

_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)

DOWNLOADS = "downloads"


def _title(notebook: NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and (found := _HEADING.search(cell.source)):
            return found.group(1).strip()
    return fallback


def _banner(text: str) -> NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def solution_notebook(notebook: NotebookNode) -> NotebookNode:
    """A copy of ``notebook``, outputs and all, fit for readers: no instructor notes, no
    marker tags or comments, answers kept."""
    shown = copy.deepcopy(notebook)
    for cell in shown.cells:
        if cell.cell_type == "code":
            cell.source = solution_code(cell.source)
        else:
            cell.source = solution_markdown(cell.source)
    shown.cells = [c for c in shown.cells if c.cell_type == "code" or c.source.strip()]
    shown.metadata.pop("jupytext", None)
    return shown


def write_lesson_pages(lessons_dir: Path, build_dir: Path, pages_dir: Path) -> list[Path]:
    """Write every lesson's exercise and solution pages into ``pages_dir``, replacing it.

    Parameters
    ----------
    lessons_dir : pathlib.Path
        The folder of instructor sources (``notebooks/``).
    build_dir : pathlib.Path
        Where ``handout build`` wrote its outputs; ``solutions/`` below it is read.
    pages_dir : pathlib.Path
        A folder that belongs to the docs build alone: it is emptied first.

    Returns
    -------
    list of pathlib.Path
        The pages written, exercise before solution, lesson by lesson.
    """
    if pages_dir.exists():
        shutil.rmtree(pages_dir)
    written = []
    for lesson in find_lessons([lessons_dir]):
        source = read_source(lesson.path)
        stem = lesson.relative.with_suffix("").as_posix().replace("/", "-")
        title = _title(source.notebook, stem)
        handout = make_handout(source)
        download = pages_dir / DOWNLOADS / f"{stem}_STUDENT.ipynb"
        write_atomically(download, nbformat.writes(handout) + "\n")

        exercise = copy.deepcopy(handout)
        exercise.cells.insert(0, _banner(f"# {title}: exercises"))
        written.append(pages_dir / f"{stem}-exercise.ipynb")
        write_atomically(written[-1], nbformat.writes(exercise) + "\n")

        executed = lesson.solution_path(build_dir / "solutions")
        if executed.is_file():
            solution = solution_notebook(nbformat.read(executed, as_version=4))
            solution.cells.insert(0, _banner(f"# {title}: worked solution"))
            written.append(pages_dir / f"{stem}-solution.ipynb")
            write_atomically(written[-1], nbformat.writes(solution) + "\n")
        else:
            logger.warning("no executed copy of %s at %s", lesson.path, executed)
            solution = solution_notebook(source.notebook)
            solution.cells[:0] = [
                _banner(f"# {title}: worked solution"),
                _banner(
                    "This page shows the solution code without its outputs, because the "
                    "build folder holds no successful run of the lesson yet. Run `python -m "
                    "handout build` from the repository's root, then build the docs again, "
                    "to see the figures."
                ),
            ]
            written.append(pages_dir / f"{stem}-solution.md")
            write_atomically(written[-1], jupytext.writes(solution, fmt="md"))
    return written
