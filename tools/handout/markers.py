"""The CogWorks markers: their spelling, what replaces them, and the error they raise.

=====================================  ===============================================
instructor source                      student handout
=====================================  ===============================================
``# <COGINST>`` ... ``# </COGINST>``   one placeholder comment at the opening indent
``statement  # <COGLINE>``             one placeholder comment at the statement's indent
``target = value  # <COGSTUB> hint``   ``target = ...  # hint``
``<COGINST>answer</COGINST>`` (text)   ``*SOLUTION HERE*``
``<COGNOTE>note</COGNOTE>`` (text)     nothing
=====================================  ===============================================

:mod:`handout.code_cells` and :mod:`handout.markdown_cells` apply them to one cell each.
Line numbers in :class:`MarkerError` count from 1 at the cell's first source line until the
notebook layer turns them into lines of the ``.md`` file.
"""

from __future__ import annotations

import re
import unicodedata
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

_NAMES = ("coginst", "cogline", "cogstub", "cognote")
# A tag's name may be broken up by spaces, dashes or dots (``<COG INST>``, ``<C-O-G-LINE>``);
# they are dropped before it is compared with the markers' names.
_TAG_LIKE = re.compile(r"<\s*/?\s*([\w\0][\w\0\s.\-]{0,30}?)\s*/?\s*>")
_SEPARATORS = re.compile(r"[\s.\-_]+")
_WORD_LIKE = re.compile(r"\bcog[\s.\-]?(?:inst|line|stub|note)\b", re.IGNORECASE)
#: Stands in a skeleton for a letter of no script the look-alike table knows: it matches
#: any letter of a marker's name, so that unfamiliar look-alikes are caught too.
_ANY_LETTER = "\0"


def _distance(a: str, b: str) -> int:
    """Levenshtein distance: how many single-letter edits turn ``a`` into ``b``.

    :data:`_ANY_LETTER` is the same as every letter.
    """
    previous = list(range(len(b) + 1))
    for i, letter in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            differs = letter != other and _ANY_LETTER not in (letter, other)
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + differs))
        previous = current
    return previous[-1]


# Letters from other scripts that look like Latin ones, as far as marker names need, and
# brackets that look like a tag's.
_LOOK_ALIKES = str.maketrans(
    "АВСЕНІЈКМОРЅТХУаеорсѕхуіјΑΒΕΗΙΚΜΝΟΡΤΧΥΖονɡ‹›〈〉⟨⟩❮❯",
    "ABCEHIJKMOPSTXYaeopcsxyijABEHIKMNOPTXYZovg<><><><>",
)


@dataclass(frozen=True)
class MarkerLike:
    """Marker-like text: ``text`` as written, at ``start``:``end`` of the text searched."""

    text: str
    start: int
    end: int


def _skeleton(text: str) -> tuple[str, list[int]]:
    """``text`` as a reader sees it, and where each of its characters came from.

    Compatibility forms (full-width, mathematical letters) become plain letters, look-alike
    letters of other scripts become Latin ones, any other letter of another script becomes
    :data:`_ANY_LETTER`, and invisible characters (zero-width spaces, soft hyphens,
    combining marks) are dropped.
    """
    letters, origin = [], []
    for offset, character in enumerate(text):
        for plain in unicodedata.normalize("NFKD", character):
            if unicodedata.category(plain) in ("Cf", "Mn", "Me"):
                continue
            plain = plain.translate(_LOOK_ALIKES)
            letters.append(_ANY_LETTER if plain.isalpha() and not plain.isascii() else plain)
            origin.append(offset)
    return "".join(letters), origin


def _near_a_marker_name(name: str) -> bool:
    """Whether a tag's name (from a skeleton) is at most two edits from a marker's name.

    A name with letters of an unknown script must also have two Latin letters, so that a
    word of Japanese in angle brackets is not taken for a marker.
    """
    name = _SEPARATORS.sub("", name).lower()
    if _ANY_LETTER in name and sum(letter.isascii() and letter.isalpha() for letter in name) < 2:
        return False
    return any(_distance(name, marker) <= 2 for marker in _NAMES)


def iter_marker_like(text: str) -> list[MarkerLike]:
    """Everything in ``text`` that a reader could take for a marker, in order.

    That is any ``<tag>`` or ``</tag>`` whose name is at most two letters away from a
    marker's name, whatever its case, spacing or script (``<coginst>``, ``< COGINST >``,
    ``<CODINST>``, ``<COGINTS>``, ``<COG INST>``, ``<COG-LINE>``, a zero-width space or a
    Cyrillic С inside), and a marker's name written bare (``COGINST``, ``COG-LINE``).
    Exact markers are found too: callers check those first, and anything else found is a
    near-miss to refuse.
    """
    if text.isascii():
        skeleton, origin = text, range(len(text))
    else:
        skeleton, origin = _skeleton(text)
    tags = [
        (found.start(), found.end())
        for found in _TAG_LIKE.finditer(skeleton)
        if _near_a_marker_name(found.group(1))
    ]
    words = [
        (found.start(), found.end())
        for found in _WORD_LIKE.finditer(skeleton)
        if not any(start <= found.start() < end for start, end in tags)
    ]
    found = []
    for start, end in sorted(tags + words):
        first, last = origin[start], origin[end - 1] + 1
        found.append(MarkerLike(text[first:last], first, last))
    return found


def find_marker_like(text: str) -> MarkerLike | None:
    """The first of :func:`iter_marker_like`, or None."""
    found = iter_marker_like(text)
    return found[0] if found else None


class MarkerError(ValueError):
    """A source's markers are malformed; nothing should be written from it.

    Parameters
    ----------
    message : str
        What is wrong, and how to fix it. ``{related}`` in it stands for ``related``, a
        second line the message refers to, so that it is located with the first.
    line : int, optional
        1-based line of the problem (in the cell, or in the file once located).
    path : str, optional
        The source file, once known.
    related : int, optional
        The second line, counted as ``line`` is.
    """

    def __init__(
        self,
        message: str,
        line: int | None = None,
        path: str | None = None,
        related: int | None = None,
    ):
        super().__init__(message)
        self.template = message
        self.line = line
        self.path = path
        self.related = related

    @property
    def message(self) -> str:
        """The message with its related line filled in."""
        return self.template.replace("{related}", str(self.related))

    def located(self, path: str, first_line: int | None) -> MarkerError:
        """Return this error with its cell lines turned into lines of ``path``."""
        error = type(self).__new__(type(self))
        error.__dict__.update(self.__dict__)
        ValueError.__init__(error, self.template)
        error.path = path
        if first_line is None:
            error.line = None
            if self.related is not None:
                error.related = f"{self.related} of the cell"
        else:
            error.line = None if self.line is None else first_line + self.line - 1
            if self.related is not None:
                error.related = first_line + self.related - 1
        return error

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
