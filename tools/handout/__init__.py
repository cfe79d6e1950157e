"""Student handouts and verified solutions from CogWorks-marked Jupytext-markdown lessons.

The layers, from the inside out: :mod:`handout.markers` (the markers' spelling and
errors), :mod:`handout.python_view`, :mod:`handout.code_cells` and
:mod:`handout.markdown_cells` apply the markers to one cell's source;
:mod:`handout.source` reads a lesson; :mod:`handout.student` turns it into an audited
handout; :mod:`handout.execute` runs a solution notebook; :mod:`handout.files` finds lessons
and writes files atomically; :mod:`handout.cli` is the command line, with its argument types in
:mod:`handout.arguments`.
"""

import sys

__version__ = "0.1.0"

# jsonschema, which nbformat imports, loads rfc3987-syntax where it is installed (JupyterLab
# brings it), and that package compiles some 35 grammars as it is imported: 1.2 s of every
# handout command, two thirds of a build that reuses its cached runs, for an IRI format check
# that no notebook schema uses. So handout keeps it from loading, unless something imported
# it first (jsonschema then skips that one check). This can go once jsonschema imports it
# lazily (its issue 1428).
sys.modules.setdefault("rfc3987_syntax", None)
