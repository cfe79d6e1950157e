"""Properties of stripping that must hold for every cell, checked on generated cells."""

from __future__ import annotations

from hypothesis import given, settings

from handout.code_cells import strip_code
from handout.markers import EMPTY_BODY, PLACEHOLDER

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
