"""Helpers that the lessons import: plots that work wherever a student opens a notebook,
and self-checks that say whether an exercise is right without giving its answer away."""

__version__ = "0.1.0"
