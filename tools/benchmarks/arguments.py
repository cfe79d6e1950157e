"""Argument types the benchmark scripts share: each refuses bad input with a usage error.

``handout``'s command line has its own whole-number type; the scripts do not import it, so
that the epoch benchmark's processes hold the lesson's libraries alone when their peak
memory is measured.
"""

from __future__ import annotations

import argparse
import shutil


def positive(text: str) -> int:
    """An argument that must be a whole number above zero."""
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above zero")
    return number


def program(text: str) -> str:
    """An argument that must name a program that can be run."""
    found = shutil.which(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"{text}: no such program")
    return found
