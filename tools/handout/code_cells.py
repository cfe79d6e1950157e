"""The markers in one code cell: pure functions, no I/O.

The cell is read as Python (see :mod:`handout.python_view`), so a marker is only a marker
where it is a real comment. Where taking code out would leave a block (``def``, ``if``,
``for``, ``case``, ...) with no body, an ``...`` line follows the placeholder so that the
cell stays valid Python.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from .markers import (
    EMPTY_BODY,
    LINE_MARKER,
    PLACEHOLDER,
    REGION_CLOSE,
    REGION_OPEN,
    STUB_MARKER,
    MarkerError,
    StrippedCell,
    UnclosedRegion,
    find_marker_like,
)
from .python_view import comments, marker_on_magic_line, python_view


@dataclass
class _Span:
    """Lines ``first`` to ``last`` (1-based, inclusive) of a code cell, and what replaces them."""

    first: int
    last: int
    replacement: list[str]
    empty_body_indent: str | None = None
    is_stub: bool = False


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _classify(comment: str, alone: bool, line: int) -> str | None:
    """Name the marker that ``comment`` is, None for a plain comment; refuse near-misses."""
    text = comment.rstrip()
    if text in (REGION_OPEN, REGION_CLOSE):
        if not alone:
            raise MarkerError(f"'{text}' must stand alone on its line", line)
        return text
    if text == LINE_MARKER:
        return LINE_MARKER
    if text == STUB_MARKER or text.startswith(STUB_MARKER + " "):
        if alone:
            message = "'# <COGSTUB>' must end an assignment: 'x = value  # <COGSTUB> hint'"
            raise MarkerError(message, line)
        return STUB_MARKER
    found = find_marker_like(text)
    if found is None:
        return None
    if found.text in ("<COGNOTE>", "</COGNOTE>"):
        raise MarkerError(f"'{found.text}' belongs in markdown, not in a code cell", line)
    raise MarkerError(
        f"'{text}' looks like a marker but is not one; the code markers are "
        f"'{REGION_OPEN}', '{REGION_CLOSE}', '{LINE_MARKER}' and '{STUB_MARKER} hint'",
        line,
    )


def _statement_ending_on(tree: ast.AST, line: int, lines: list[str]) -> tuple[ast.stmt, int]:
    """The innermost statement that ends on ``line`` and starts a line of its own.

    Returns the statement and its first line, decorators included. A line holding several
    statements (``a = 1; b = 2  # <COGLINE>``) is refused: which one is the solution?
    """
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    ending = [node for node in statements if node.end_lineno == line]
    ending.sort(key=lambda node: (node.lineno, node.col_offset), reverse=True)
    for node in ending:
        start = lines[node.lineno - 1]
        if len(start.encode()) - len(start.lstrip().encode()) != node.col_offset:
            continue
        decorators = getattr(node, "decorator_list", [])
        first = min([node.lineno] + [decorator.lineno for decorator in decorators])
        sharing = [
            other
            for other in statements
            if other is not node
            and other.lineno <= line
            and other.end_lineno >= first
            and not (other.lineno <= first and other.end_lineno >= line)  # encloses it
            and not _inside(other, node)
        ]
        if sharing:
            raise MarkerError(
                "this line holds more than one statement; put the marked one on a line of its own",
                line,
            )
        return node, first
    raise MarkerError("a trailing marker must end a statement, and no statement ends here", line)


def _inside(inner: ast.AST, outer: ast.AST) -> bool:
    return any(node is inner for node in ast.walk(outer))


def _text(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """Source text between two (1-based line, UTF-8 byte column) positions, as ast gives them."""
    (first, first_col), (last, last_col) = start, end
    chunk = [line.encode() for line in lines[first - 1 : last]]
    chunk[-1] = chunk[-1][:last_col]
    chunk[0] = chunk[0][first_col:]
    return b"\n".join(chunk).decode()


def _stub_replacement(node: ast.stmt, lines: list[str], hint: str, line: int) -> list[str]:
    """``target = ...  # hint``, keeping the targets (and annotation) exactly as written."""
    if isinstance(node, ast.Assign):
        last = node.targets[-1]
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        last = node.annotation
    else:
        raise MarkerError(
            "'# <COGSTUB>' only marks an assignment ('target = value  # <COGSTUB> hint'), "
            f"not {type(node).__name__}",
            line,
        )
    target = _text(lines, (node.lineno, node.col_offset), (last.end_lineno, last.end_col_offset))
    comment = f"  # {hint}" if hint else ""
    return (_indent(lines[node.lineno - 1]) + target + " = ..." + comment).split("\n")


def _spans(view: str, lines: list[str]) -> list[_Span]:
    """Find every marked span of a code cell, pairing regions and refusing bad nesting."""
    try:
        tree = ast.parse(view)
    except SyntaxError as error:
        text = lines[error.lineno - 1].strip() if error.lineno else ""
        if find_marker_like(text) and text.startswith("<"):
            message = f"'{text}' is a marker without its '# '; in code write '# {text}'"
        else:
            message = f"this solution cell is not valid Python: {error.msg}"
        raise MarkerError(message, error.lineno) from error
    spans: list[_Span] = []
    open_line = open_indent = None
    for line, column, comment in comments(view):
        alone = not lines[line - 1][:column].strip()
        kind = _classify(comment, alone, line)
        if kind is None:
            continue
        if open_line is not None and kind != REGION_CLOSE:
            message = f"'{comment.strip()}' inside the region opened at line {{related}}"
            raise MarkerError(message, line, related=open_line)
        if kind == REGION_OPEN:
            open_line, open_indent = line, _indent(lines[line - 1])
        elif kind == REGION_CLOSE:
            if open_line is None:
                raise MarkerError(f"'{REGION_CLOSE}' closes no open region", line)
            spans.append(_Span(open_line, line, [open_indent + PLACEHOLDER]))
            open_line = None
        elif kind == LINE_MARKER and alone:
            spans.append(_Span(line, line, [_indent(lines[line - 1]) + PLACEHOLDER]))
        elif kind == LINE_MARKER:
            _, first = _statement_ending_on(tree, line, lines)
            spans.append(_Span(first, line, [_indent(lines[first - 1]) + PLACEHOLDER]))
        else:
            node, first = _statement_ending_on(tree, line, lines)
            hint = comment.rstrip()[len(STUB_MARKER) :].strip()
            replacement = _stub_replacement(node, lines, hint, line)
            spans.append(_Span(first, line, replacement, is_stub=True))
    if open_line is not None:
        message = f"'{REGION_OPEN}' is never closed; add '{REGION_CLOSE}' in the same cell"
        raise UnclosedRegion(message, open_line, REGION_CLOSE)
    _mark_emptied_blocks(tree, spans, lines)
    return spans


def _mark_emptied_blocks(tree: ast.AST, spans: list[_Span], lines: list[str]) -> None:
    """Give a span an ``...`` line where its removal would leave a block with no body."""
    removed = {n for span in spans if not span.is_stub for n in range(span.first, span.last + 1)}
    for node in _kept_nodes(tree, removed):
        if isinstance(node, ast.Module):
            continue  # a cell may be left empty
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                continue
            if all(_within(stmt, removed) for stmt in body):
                for span in spans:
                    if span.first <= body[0].lineno <= span.last:
                        span.empty_body_indent = _indent(lines[body[0].lineno - 1])


def _kept_nodes(tree: ast.AST, removed: set[int]):
    """Every node of ``tree`` but those inside a statement removed whole (a block removed
    whole needs no body, nor do the blocks within it, ``case`` clauses among them, which
    have no line numbers of their own)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.stmt) and _within(node, removed):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _within(node: ast.AST, lines: set[int]) -> bool:
    return all(n in lines for n in range(node.lineno, node.end_lineno + 1))


def strip_code(source: str) -> StrippedCell:
    """Take the solutions out of one code cell.

    Parameters
    ----------
    source : str
        The cell's source, as the instructor wrote it.

    Returns
    -------
    StrippedCell
        The student's source and the removed solution lines.

    Raises
    ------
    MarkerError
        If the markers do not balance, sit where no marker may, or are misspelt.
    """
    if not find_marker_like(source):
        return StrippedCell(source)
    view = python_view(source)
    problem = marker_on_magic_line(source, view)
    if problem:
        raise problem
    lines = source.split("\n")
    spans = _spans(view.text, lines)
    if not spans:
        return StrippedCell(source)
    student, removed, line = [], [], 1
    for span in sorted(spans, key=lambda span: span.first):
        student += lines[line - 1 : span.first - 1]
        student += span.replacement
        if span.empty_body_indent is not None:
            student.append(span.empty_body_indent + EMPTY_BODY)
        taken = lines[span.first - 1 : span.last]
        removed += [text for text in taken if text not in span.replacement]
        line = span.last + 1
    student += lines[line - 1 :]
    return StrippedCell("\n".join(student), removed, had_markers=True)


def find_code_marker(source: str) -> str | None:
    """Marker-like text in a code cell that is not content (in a comment, or on a magic's line).

    Raises
    ------
    SyntaxError
        If the cell is not valid Python once magics are set aside.
    """
    view = python_view(source)
    problem = marker_on_magic_line(source, view)
    if problem:
        return problem.message
    if view.text is None:
        return None
    for _, _, comment in comments(view.text):
        found = find_marker_like(comment)
        if found:
            return found.text
    return None


def solution_code(source: str) -> str:
    """The cell as the worked solution shows it: all code kept, the marker comments gone.

    Region marker lines are dropped, and a trailing ``# <COGLINE>`` or ``# <COGSTUB> hint``
    is cut from its line. Call it on a cell that :func:`strip_code` accepted.
    """
    if not find_marker_like(source):
        return source
    view = python_view(source)
    lines = source.split("\n")
    dropped, cut = set(), {}
    for line, column, comment in comments(view.text):
        kind = _classify(comment, not lines[line - 1][:column].strip(), line)
        if kind in (REGION_OPEN, REGION_CLOSE) or (
            kind == LINE_MARKER and not lines[line - 1][:column].strip()
        ):
            dropped.add(line)
        elif kind is not None:
            cut[line] = column
    shown = []
    for number, text in enumerate(lines, 1):
        if number in dropped:
            continue
        shown.append(text[: cut[number]].rstrip() if number in cut else text)
    return "\n".join(shown)
