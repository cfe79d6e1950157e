"""The markers in one markdown cell: pure functions, no I/O.

``<COGINST>...</COGINST>`` becomes ``*SOLUTION HERE*`` and ``<COGNOTE>...</COGNOTE>`` goes
without trace. Marker text inside an inline code span (paired as CommonMark pairs backticks)
is content and stays, unless a whole answer sits in one: students would see it. Inside a
fenced code block marker text is not content: jupytext leaves a fence it does not take for
a code cell (```` ```py ````, a bare ```` ``` ````) in the markdown, and a solution there
must still be stripped, or the source refused.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

from .markers import (
    MARKDOWN_NOTE,
    MARKDOWN_PLACEHOLDER,
    MARKDOWN_SOLUTION,
    MarkerError,
    StrippedCell,
    UnclosedRegion,
    find_marker_like,
    iter_marker_like,
)

_TAG = re.compile(r"<(/?)(COGINST|COGNOTE)>")
_BACKTICKS = re.compile(r"`+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def _escaped(text: str, offset: int) -> bool:
    """Whether the character at ``offset`` follows an odd number of backslashes."""
    backslashes = len(text[:offset]) - len(text[:offset].rstrip("\\"))
    return backslashes % 2 == 1


def _code_spans(paragraph: str) -> list[tuple[int, int]]:
    """The inline code spans of one paragraph, as CommonMark pairs backtick runs.

    A run of N backticks (not escaped by a backslash) opens a span that the next run of
    exactly N backticks closes; a run with no partner is literal text.
    """
    spans, position = [], 0
    while (opening := _BACKTICKS.search(paragraph, position)) is not None:
        if _escaped(paragraph, opening.start()):
            position = opening.start() + 1
            continue
        closing = next(
            (
                run
                for run in _BACKTICKS.finditer(paragraph, opening.end())
                if len(run.group(0)) == len(opening.group(0))
            ),
            None,
        )
        if closing is None:
            position = opening.end()
            continue
        spans.append((opening.start(), closing.end()))
        position = closing.end()
    return spans


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the runs of lines that can hold inline code spans.

    Blank lines end a paragraph, and fenced code blocks hold no spans at all: their fence
    lines and content are left out, so a fence's backticks never pair with anything.
    """
    paragraphs, start, offset, fence = [], None, 0, None
    for line in text.split("\n"):
        end = offset + len(line)
        opening = _FENCE.match(line)
        if fence is not None:
            closing = opening and opening.group(1)[0] == fence[0] and not opening.group(2).strip()
            if closing and len(opening.group(1)) >= len(fence):
                fence = None
        elif opening and not (opening.group(1)[0] == "`" and "`" in opening.group(2)):
            fence = opening.group(1)
        if fence is None and not opening and line.strip():
            start = offset if start is None else start
        else:
            if start is not None:
                paragraphs.append((start, offset - 1))
            start = None
        offset = end + 1
    if start is not None:
        paragraphs.append((start, len(text)))
    return paragraphs


def code_spans(text: str) -> list[tuple[int, int]]:
    """Offsets of every inline code span in a markdown cell."""
    return [
        (start + first, start + last)
        for start, end in _paragraphs(text)
        for first, last in _code_spans(text[start:end])
    ]


def mask_code_spans(text: str) -> str:
    """Blank out inline code spans that hold nothing but marker text, keeping every offset.

    Only such a span (`` `<COGINST>` ``, `` `# <COGLINE>` ``) makes its marker content: any
    other span may have paired with a stray backtick, and what it covers is still read for
    markers.
    """
    masked = list(text)
    for first, last in code_spans(text):
        inside = text[first:last].strip("`").strip()
        found = find_marker_like(inside)
        if found is None or inside.removeprefix("#").strip() != found.text:
            continue
        for offset in range(first, last):
            if masked[offset] != "\n":
                masked[offset] = " "
    return "".join(masked)


def _check_code_spans(source: str) -> None:
    """Refuse an answer that sits whole inside inline code: a student would see it."""
    for first, last in code_spans(source):
        span = source[first:last]
        for kind in (MARKDOWN_SOLUTION, MARKDOWN_NOTE):
            if f"<{kind}>" in span and f"</{kind}>" in span:
                raise MarkerError(
                    f"<{kind}>...</{kind}> inside inline code is shown to students as it is; "
                    "if it should be stripped, check the backticks around it (a stray ` "
                    "pairs with the next one)",
                    _line_of(source, first),
                )


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


def _check_spelling(source: str, masked: str) -> None:
    for found in iter_marker_like(masked):
        line = _line_of(source, found.start)
        if _TAG.fullmatch(found.text):
            prefix = masked[masked.rfind("\n", 0, found.start) + 1 : found.start]
            if prefix.strip() == "#":
                raise MarkerError(
                    f"'# {found.text}' is a code marker in a markdown cell; in markdown "
                    f"write {found.text} alone, or make this a ```python code cell",
                    line,
                )
            continue
        raise MarkerError(
            f"'{found.text}' is not a markdown marker; markdown takes "
            "<COGINST>...</COGINST> and <COGNOTE>...</COGNOTE> (code markers belong in "
            "code cells; a ```py or bare ``` fence is markdown to jupytext, use ```python)",
            line,
        )


def strip_markdown(source: str) -> StrippedCell:
    """Take instructor answers and notes out of one markdown cell.

    Raises
    ------
    MarkerError
        If the tags do not balance or nest, or a tag is misspelt or belongs in code.
    """
    if not find_marker_like(source):
        return StrippedCell(source)
    _check_code_spans(source)
    masked = mask_code_spans(source)
    _check_spelling(source, masked)
    spans, opened = [], None
    for tag in _TAG.finditer(masked):
        closing, kind, line = tag.group(1) == "/", tag.group(2), _line_of(source, tag.start())
        if not closing and opened is not None:
            message = f"<{kind}> inside the <{opened[0]}> opened at line {{related}}"
            raise MarkerError(message, line, related=opened[2])
        if closing and (opened is None or opened[0] != kind):
            raise MarkerError(f"</{kind}> closes no open <{kind}>", line)
        if not closing:
            opened = (kind, tag.start(), line)
            continue
        spans.append((kind, opened[1], tag.end()))
        opened = None
    if opened is not None:
        message = f"<{opened[0]}> is never closed in this cell"
        raise UnclosedRegion(message, opened[2], f"</{opened[0]}>")
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


def find_markdown_marker(source: str) -> str | None:
    """Marker-like text in a markdown cell outside inline code spans, else None."""
    found = find_marker_like(mask_code_spans(source))
    return found.text if found else None


@lru_cache(maxsize=1)
def _commonmark() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _leaf_tokens(tokens):
    for token in tokens:
        if token.children:
            yield from _leaf_tokens(token.children)
        else:
            yield token


def marker_a_reader_could_see(source: str) -> tuple[str, str] | None:
    """Marker-like text that a Markdown renderer shows as anything but inline code.

    An independent second reading for the audit: markdown-it-py parses the cell as
    CommonMark (with tables, as notebooks render them), and any token that holds
    marker-like text is reported as ``(text, token type)``, except an inline code span
    that holds the marker alone (`` `<COGINST>` ``), which students see as code. Where
    this reading and :func:`mask_code_spans` disagree (a backtick pairing across a heading,
    an indented code block, a fence inside a quote or a list), the audit refuses.
    """
    if not find_marker_like(source):
        return None
    for token in _leaf_tokens(_commonmark().parse(source)):
        texts = [token.content, *(str(value) for value in (token.attrs or {}).values())]
        for text in texts:
            found = find_marker_like(text)
            if found is None:
                continue
            if token.type == "code_inline" and text.strip().removeprefix("#").strip() == found.text:
                continue
            return found.text, token.type
    return None


def solution_markdown(source: str) -> str:
    """The cell as the worked solution shows it: answers without their tags, no notes.

    Call it on a cell that :func:`strip_markdown` accepted.
    """
    if not find_marker_like(source):
        return source
    masked = mask_code_spans(source)
    pieces, cursor, note_start = [], 0, None
    for tag in _TAG.finditer(masked):
        closing, kind = tag.group(1) == "/", tag.group(2)
        if kind == MARKDOWN_NOTE:
            if not closing:
                note_start = tag.start()
                continue
            start, end = _whole_lines(source, note_start, tag.end())
        else:
            start, end = tag.start(), tag.end()
        pieces.append(source[cursor:start])
        cursor = end
    pieces.append(source[cursor:])
    return _tidy("".join(pieces), source).strip()
