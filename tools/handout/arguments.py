"""Command-line argument types, shared by ``handout`` and the scripts in ``tools/benchmarks``.

This module imports nothing heavy, so that the benchmarks can use it without loading the
notebook libraries into the processes whose memory they measure.
"""

from __future__ import annotations

import argparse


def positive_int(text: str) -> int:
    """An argparse type: a whole number above zero.

    Parameters
    ----------
    text : str
        The argument as given.

    Returns
    -------
    int
        Its value.

    Raises
    ------
    argparse.ArgumentTypeError
        If it is not a whole number above zero (argparse then exits with status 2).
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number above 0, not {text!r}")
    return value
