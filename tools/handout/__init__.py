"""Student handouts and verified solutions from CogWorks-marked Jupytext-markdown lessons.

The layers, from the inside out: :mod:`handout.markers` (the markers' spelling and
errors), :mod:`handout.python_view`, :mod:`handout.code_cells` and
:mod:`handout.markdown_cells` apply the markers to one cell's source;
:mod:`handout.source` reads a lesson; :mod:`handout.student` turns it into an audited
handout; :mod:`handout.execute` runs a solution notebook; :mod:`handout.files` finds lessons
and writes files atomically; :mod:`handout.cli` is the command line.
"""

__version__ = "0.1.0"
