"""Hypothesis strategies that write instructor code cells with known solutions."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

NAMES = st.sampled_from(["x", "y", "total", "model", "batch", "acc"])


@dataclass
class Cell:
    """A generated code cell: its source, and which of its lines are solution lines."""

    source: str
    kept: list[str]
    solution: list[str]


@st.composite
def statements(draw, indent: str) -> list[str]:
    """One to three simple statements, each distinct so that leaks are easy to see."""
    count = draw(st.integers(1, 3))
    lines = []
    for _ in range(count):
        name = draw(NAMES)
        value = draw(st.integers(0, 10**6))
        kind = draw(st.sampled_from(["assign", "call", "augment"]))
        text = {
            "assign": f"{name} = {value}",
            "call": f"print({name!r}, {value})",
            "augment": f"{name} = {value} + len('{name}')",
        }[kind]
        lines.append(indent + text)
    return lines


@st.composite
def blocks(draw, indent: str) -> tuple[list[str], list[str], list[str]]:
    """A block of lines: plain statements, a solution region, or a header over a region.

    Returns (source lines, kept lines, solution lines).
    """
    kind = draw(st.sampled_from(["plain", "region", "line", "header"]))
    if kind == "plain":
        lines = draw(statements(indent))
        return lines, lines, []
    if kind == "line":
        (line,) = draw(statements(indent).filter(lambda s: len(s) == 1))
        return [line + "  # <COGLINE>"], [], [line]
    if kind == "region":
        body = draw(statements(indent))
        return [indent + "# <COGINST>", *body, indent + "# </COGINST>"], [], body
    header = indent + draw(st.sampled_from(["def f():", "if x:", "for i in y:", "class C:"]))
    inner_source, inner_kept, inner_solution = [], [], []
    for _ in range(draw(st.integers(1, 2))):
        source, kept, solution = draw(blocks(indent + "    "))
        inner_source += source
        inner_kept += kept
        inner_solution += solution
    return [header, *inner_source], [header, *inner_kept], inner_solution


@st.composite
def instructor_cells(draw) -> Cell:
    """A top-level code cell made of several blocks, with its solution lines known."""
    source, kept, solution = [], [], []
    for _ in range(draw(st.integers(1, 4))):
        lines, kept_lines, solution_lines = draw(blocks(""))
        source += lines
        kept += kept_lines
        solution += solution_lines
    return Cell("\n".join(source), kept, solution)
