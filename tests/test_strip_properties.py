"""Properties of stripping that must hold for every cell, checked on generated cells."""

from __future__ import annotations

import jupytext
import nbformat
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handout.code_cells import strip_code
from handout.markers import EMPTY_BODY, PLACEHOLDER, MarkerError
from handout.source import read_source
from handout.student import make_handout

from strategies import instructor_cells


@settings(max_examples=50, deadline=None)
@given(instructor_cells())
def test_strategy_writes_cells_with_solutions(cell):
    """The strategy itself: its cells compile and mark what they say they mark."""
    compile(cell.source, "<cell>", "exec")
    assert sorted(cell.kept + cell.solution) == sorted(
        line.removesuffix("  # <COGLINE>")
        for line in cell.source.split("\n")
        if "COGINST" not in line
    )


@settings(max_examples=300, deadline=None)
@given(instructor_cells())
def test_stripped_cell_compiles_and_keeps_exactly_the_non_solution_lines(cell):
    result = strip_code(cell.source).source
    compile(result, "<handout cell>", "exec")
    assert "COG" not in result
    # What is left besides placeholders is exactly what was outside the solutions, in order;
    # so no solution line survives except where the same text was also written outside.
    lines = result.split("\n")
    assert [line for line in lines if line.strip() not in (PLACEHOLDER, EMPTY_BODY)] == cell.kept


@settings(max_examples=100, deadline=None)
@given(instructor_cells())
def test_stripping_twice_changes_nothing_more(cell):
    once = strip_code(cell.source).source
    assert strip_code(once).source == once


BREAKAGES = {
    "drop a closing marker": lambda lines: _without(lines, "# </COGINST>"),
    "drop an opening marker": lambda lines: _without(lines, "# <COGINST>"),
    "open a region twice": lambda lines: _doubled(lines, "# <COGINST>"),
    "misspell a marker": lambda lines: [line.replace("COGINST", "COGINTS") for line in lines],
    "change a marker's case": lambda lines: [
        line.replace("<COGLINE>", "<cogline>") for line in lines
    ],
}


def _without(lines: list[str], marker: str) -> list[str]:
    index = next(i for i, line in enumerate(lines) if line.strip() == marker)
    return lines[:index] + lines[index + 1 :]


def _doubled(lines: list[str], marker: str) -> list[str]:
    index = next(i for i, line in enumerate(lines) if line.strip() == marker)
    return lines[: index + 1] + [lines[index]] + lines[index + 1 :]


@settings(max_examples=200, deadline=None)
@given(instructor_cells(), st.sampled_from(sorted(BREAKAGES)))
def test_broken_markers_always_raise(cell, breakage):
    lines = cell.source.split("\n")
    needed = "<COGLINE>" if "case" in breakage else "COGINST"
    assume(any(needed in line for line in lines))
    with pytest.raises(MarkerError):
        strip_code("\n".join(BREAKAGES[breakage](lines)))


@settings(max_examples=25, deadline=None)
@given(st.lists(instructor_cells(), min_size=1, max_size=4), st.data())
def test_whole_notebooks_keep_unmarked_cells_byte_for_byte(tmp_path_factory, cells, data):
    """Through jupytext and back: cells without markers reach the handout unchanged."""
    plain = [
        data.draw(st.sampled_from(["x = 1", "print('plain')", "y = [\n    1,\n]"])) for _ in cells
    ]
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(source)
            for pair in zip(plain, (cell.source for cell in cells), strict=True)
            for source in pair
        ],
        metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "P"}},
    )
    path = tmp_path_factory.mktemp("nb") / "lesson.md"
    path.write_text(jupytext.writes(notebook, fmt="md"), encoding="utf-8")
    handout = make_handout(read_source(path))
    sources = [cell.source for cell in handout.cells]
    assert sources[0::2] == plain
    for got, cell in zip(sources[1::2], cells, strict=True):
        assert got == strip_code(cell.source).source
