"""The CogWorks markers, applied to the source of one cell: pure functions, no I/O.

Code cells are read as Python (with IPython magics set aside), so a marker is only a marker
where it is a real comment: text that looks like one inside a string literal is content.

=====================================  ===============================================
instructor source                      student handout
=====================================  ===============================================
``# <COGINST>`` ... ``# </COGINST>``   one placeholder comment at the opening indent
``statement  # <COGLINE>``             one placeholder comment at the statement's indent
``target = value  # <COGSTUB> hint``   ``target = ...  # hint``
``<COGINST>answer</COGINST>`` (text)   ``*SOLUTION HERE*``
``<COGNOTE>note</COGNOTE>`` (text)     nothing
=====================================  ===============================================

Where taking code out would leave a block (``def``, ``if``, ``for``, ...) with no body, an
``...`` line follows the placeholder so that the cell stays valid Python.

Line numbers in :class:`MarkerError` count from 1 at the cell's first source line; the
notebook layer turns them into lines of the ``.md`` file.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
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

#: Anything a reader could take for a marker, spelt right or not; used to refuse near-misses.
MARKER_LIKE = re.compile(r"<\s*/?\s*cog\w*\s*/?\s*>|\bcog(?:inst|line|stub|note)\b", re.IGNORECASE)
_MARKDOWN_TAG = re.compile(r"<(/?)(COGINST|COGNOTE)>")
_MAGIC_ASSIGNMENT = re.compile(r"^(\s*[\w.\[\], ]+=\s*)[%!]")
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)", re.DOTALL)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")


class MarkerError(ValueError):
    """A cell's markers are malformed; nothing should be written from its source.

    Parameters
    ----------
    message : str
        What is wrong, and how to fix it.
    line : int, optional
        1-based line of the problem (in the cell, or in the file once located).
    path : str, optional
        The source file, once known.
    """

    def __init__(self, message: str, line: int | None = None, path: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.path = path

    def located(self, path: str, first_line: int | None) -> MarkerError:
        """Return this error with its cell line turned into a line of ``path``."""
        if first_line is None or self.line is None:
            return MarkerError(self.message, None, path)
        return MarkerError(self.message, first_line + self.line - 1, path)

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


@dataclass
class _Span:
    """Lines ``first`` to ``last`` (1-based, inclusive) of a code cell, and what replaces them."""

    first: int
    last: int
    replacement: list[str]
    empty_body_indent: str | None = None
    is_stub: bool = False


# -- code cells ---------------------------------------------------------------------------


def python_view(source: str) -> str:
    """Return ``source`` with IPython magics and shell escapes set aside, line for line.

    A line magic or shell escape becomes ``pass`` (or ``name = None`` for ``name = %magic``)
    at the same indentation, so line numbers and blocks are kept. A cell magic (``%%``) on
    the first line is commented out and the rest of the cell is read as Python.

    Known shortcoming: a cell magic whose body is not Python (``%%bash``, ``%%html``) does
    not compile in this view; teach with such cells only when this function learns them.
    """
    lines = source.split("\n")
    view = []
    for number, line in enumerate(lines):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if number == 0 and stripped.startswith("%%"):
            view.append(indent + "#" + stripped)
        elif stripped.startswith(("%", "!")):
            view.append(indent + "pass")
        elif _MAGIC_ASSIGNMENT.match(line):
            view.append(_MAGIC_ASSIGNMENT.match(line).group(1) + "None")
        else:
            view.append(line)
    return "\n".join(view)


def _comments(view: str) -> list[tuple[int, int, str]]:
    """Every comment token in ``view`` as (1-based line, column, text)."""
    tokens = tokenize.generate_tokens(io.StringIO(view).readline)
    return [
        (tok.start[0], tok.start[1], tok.string) for tok in tokens if tok.type == tokenize.COMMENT
    ]


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
            raise MarkerError(
                "'# <COGSTUB>' must end an assignment: 'x = value  # <COGSTUB> hint'", line
            )
        return STUB_MARKER
    found = MARKER_LIKE.search(text)
    if found is None:
        return None
    if found.group(0) in ("<COGNOTE>", "</COGNOTE>", "</COGLINE>", "</COGSTUB>"):
        raise MarkerError(f"'{found.group(0)}' is not a code-cell marker", line)
    raise MarkerError(
        f"'{text}' looks like a marker but is not one; the code markers are "
        f"'{REGION_OPEN}', '{REGION_CLOSE}', '{LINE_MARKER}' and '{STUB_MARKER} hint'",
        line,
    )


def _statement_ending_on(tree: ast.AST, line: int, lines: list[str]) -> ast.stmt:
    """The innermost statement that ends on ``line`` and starts a line of its own."""
    candidates = [
        node for node in ast.walk(tree) if isinstance(node, ast.stmt) and node.end_lineno == line
    ]
    candidates.sort(key=lambda node: (node.lineno, node.col_offset), reverse=True)
    for node in candidates:
        start = lines[node.lineno - 1]
        if len(start.encode()) - len(start.lstrip().encode()) == node.col_offset:
            return node
    raise MarkerError("a trailing marker must end a statement, and no statement ends here", line)


def _text(lines: list[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    """Source text between two (1-based line, UTF-8 byte column) positions, as ast gives them."""
    (first, first_col), (last, last_col) = start, end
    chunk = [line.encode() for line in lines[first - 1 : last]]
    chunk[-1] = chunk[-1][:last_col]
    chunk[0] = chunk[0][first_col:]
    return b"\n".join(chunk).decode()


def _stub_replacement(node: ast.stmt, lines: list[str], hint: str, line: int) -> list[str]:
    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
        raise MarkerError(
            "'# <COGSTUB>' only marks an assignment ('target = value  # <COGSTUB> hint'), "
            f"not {type(node).__name__}",
            line,
        )
    indent = _indent(lines[node.lineno - 1])
    target = _text(
        lines, (node.lineno, node.col_offset), (node.value.lineno, node.value.col_offset)
    )
    comment = f"  # {hint}" if hint else ""
    stub = (indent + target.rstrip() + " ..." + comment).split("\n")
    return stub


def _spans(view: str, lines: list[str]) -> list[_Span]:
    """Find every marked span of a code cell, pairing regions and refusing bad nesting."""
    try:
        tree = ast.parse(view)
    except SyntaxError as error:
        text = lines[error.lineno - 1].strip() if error.lineno else ""
        if MARKER_LIKE.match(text):
            message = f"'{text}' is a marker without its '# '; in code write '# {text}'"
        else:
            message = f"this solution cell is not valid Python: {error.msg}"
        raise MarkerError(message, error.lineno) from error
    spans: list[_Span] = []
    open_line = open_indent = None
    for line, column, comment in _comments(view):
        alone = not lines[line - 1][:column].strip()
        kind = _classify(comment, alone, line)
        if kind is None:
            continue
        if open_line is not None and kind != REGION_CLOSE:
            raise MarkerError(
                f"'{comment.strip()}' inside the region opened at line {open_line}", line
            )
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
            node = _statement_ending_on(tree, line, lines)
            indent = _indent(lines[node.lineno - 1])
            spans.append(_Span(node.lineno, line, [indent + PLACEHOLDER]))
        else:
            node = _statement_ending_on(tree, line, lines)
            hint = comment.rstrip()[len(STUB_MARKER) :].strip()
            replacement = _stub_replacement(node, lines, hint, line)
            spans.append(_Span(node.lineno, line, replacement, is_stub=True))
    if open_line is not None:
        raise UnclosedRegion(
            f"'{REGION_OPEN}' is never closed; add '{REGION_CLOSE}' in the same cell",
            open_line,
            REGION_CLOSE,
        )
    _mark_emptied_blocks(tree, spans, lines)
    return spans


def _mark_emptied_blocks(tree: ast.AST, spans: list[_Span], lines: list[str]) -> None:
    """Give a span an ``...`` line where its removal would leave a block with no body."""
    removed = {n for span in spans if not span.is_stub for n in range(span.first, span.last + 1)}
    for node in ast.walk(tree):
        if not hasattr(node, "end_lineno") or _within(node, removed):
            continue  # a module may be empty; a block removed whole needs no body
        for name in ("body", "orelse", "finalbody"):
            body = getattr(node, name, None)
            if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                continue
            if all(_within(stmt, removed) for stmt in body):
                for span in spans:
                    if span.first <= body[0].lineno <= span.last:
                        span.empty_body_indent = _indent(lines[body[0].lineno - 1])


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
    if not MARKER_LIKE.search(source):
        return StrippedCell(source)
    lines = source.split("\n")
    spans = _spans(python_view(source), lines)
    if not spans:
        return StrippedCell(source)
    student, removed, line = [], [], 1
    for span in sorted(spans, key=lambda span: span.first):
        student += lines[line - 1 : span.first - 1]
        student += span.replacement
        if span.empty_body_indent is not None:
            student.append(span.empty_body_indent + EMPTY_BODY)
        removed += lines[span.first - 1 : span.last]
        line = span.last + 1
    student += lines[line - 1 :]
    return StrippedCell("\n".join(student), removed, had_markers=True)


def find_marker(source: str, cell_type: str) -> str | None:
    """Return the first marker-like text in ``source`` that is not content, else None.

    In code that means inside a comment (a code cell must be valid Python once magics are
    set aside); in markdown, outside inline code and fenced code blocks.
    """
    if cell_type == "code":
        comments = (comment for _, _, comment in _comments(python_view(source)))
    else:
        comments = iter([_mask_code(source)])
    for text in comments:
        found = MARKER_LIKE.search(text)
        if found:
            return found.group(0)
    return None


# -- markdown cells -----------------------------------------------------------------------


def _mask_code(text: str) -> str:
    """Blank out fenced code blocks and inline code spans, keeping every offset in place."""
    masked_lines, in_fence = [], None
    for line in text.split("\n"):
        fence = _FENCE.match(line)
        if in_fence is None and fence:
            in_fence = fence.group(1)
            masked_lines.append(" " * len(line))
        elif in_fence is not None:
            if fence and fence.group(1) == in_fence:
                in_fence = None
            masked_lines.append(" " * len(line))
        else:
            masked_lines.append(line)
    masked = "\n".join(masked_lines)
    return _INLINE_CODE.sub(lambda found: re.sub(r"[^\n]", " ", found.group(0)), masked)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _whole_lines(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen ``[start, end)`` to whole lines when nothing else shares them."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_start:start].strip() or text[end:line_end].strip():
        return start, end
    return line_start, min(line_end + 1, len(text))


def strip_markdown(source: str) -> StrippedCell:
    """Take instructor answers and notes out of one markdown cell.

    ``<COGINST>...</COGINST>`` becomes ``*SOLUTION HERE*``; ``<COGNOTE>...</COGNOTE>`` goes
    without trace. Tags inside inline code or fenced code blocks are content.

    Raises
    ------
    MarkerError
        If the tags do not balance or nest, or a tag is misspelt or belongs in code.
    """
    if not MARKER_LIKE.search(source):
        return StrippedCell(source)
    masked = _mask_code(source)
    for found in MARKER_LIKE.finditer(masked):
        if not _MARKDOWN_TAG.fullmatch(found.group(0)):
            raise MarkerError(
                f"'{found.group(0)}' is not a markdown marker; use <COGINST>...</COGINST> or "
                "<COGNOTE>...</COGNOTE> in markdown (code markers belong in code cells)",
                _line_of(source, found.start()),
            )
    spans, opened = [], None
    for tag in _MARKDOWN_TAG.finditer(masked):
        closing, kind, line = tag.group(1) == "/", tag.group(2), _line_of(source, tag.start())
        if line_start := _code_marker_prefix(masked, tag.start()):
            raise MarkerError(f"'{line_start}<{kind}>' is a code marker in a markdown cell", line)
        if not closing and opened is not None:
            raise MarkerError(f"<{kind}> inside the <{opened[0]}> opened at line {opened[2]}", line)
        if closing and (opened is None or opened[0] != kind):
            raise MarkerError(f"</{kind}> closes no open <{kind}>", line)
        if not closing:
            opened = (kind, tag.start(), line)
            continue
        spans.append((kind, opened[1], tag.end()))
        opened = None
    if opened is not None:
        raise UnclosedRegion(
            f"<{opened[0]}> is never closed in this cell", opened[2], f"</{opened[0]}>"
        )
    student, removed, cursor = [], [], 0
    for kind, start, end in spans:
        removed += source[start:end].split("\n")
        if kind == MARKDOWN_NOTE:
            start, end = _whole_lines(source, start, end)
        student.append(source[cursor:start])
        student.append(MARKDOWN_PLACEHOLDER if kind == MARKDOWN_SOLUTION else "")
        cursor = end
    student.append(source[cursor:])
    return StrippedCell(_tidy("".join(student), source), removed, had_markers=bool(spans))


def _tidy(student: str, source: str) -> str:
    """Close the gap a removed note leaves: no new run of blank lines, no new blank edges.

    Markdown renders any run of blank lines as one, so collapsing them changes nothing a
    reader sees.
    """
    if source.count("\n\n\n") < student.count("\n\n\n"):
        student = re.sub(r"\n{3,}", "\n\n", student)
    if student.strip() and source == source.rstrip():
        student = student.rstrip()
    if student.strip() and source == source.lstrip():
        student = student.lstrip()
    return student


def _code_marker_prefix(text: str, offset: int) -> str:
    """The ``# `` before a tag when the tag is written as a code marker, else ''."""
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    return before if before.strip() == "#" else ""
