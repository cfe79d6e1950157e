"""Sphinx configuration: the course's lessons as pages, rendered by nbsphinx, never executed.

Before each build, ``handout.site.write_lesson_pages`` writes the pages into ``lessons/``
(a folder of the build's own, not kept in git): each lesson's exercise, as students get it,
and its worked solution with the outputs of the notebook that ``handout build`` executed
(``HANDOUT_BUILD_DIR``, default ``build/`` at the repository's root).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import mathjax
import pypandoc

from handout.site import DOWNLOADS, write_lesson_pages

ROOT = Path(__file__).resolve().parents[1]

project = "CogWorks lessons"
author = "the course's instructors"
copyright = "the course's instructors"

extensions = ["nbsphinx"]
exclude_patterns = ["_build", f"lessons/{DOWNLOADS}", "**.ipynb_checkpoints"]
html_theme = "alabaster"
html_title = project

# The site works offline: MathJax comes from the docs extra (django-static-mathjax, which
# needs no Django for this), require.js (only for widgets, which the lessons do not use) is
# left out, and the favicon is our own, so a browser asks no other host for anything.
html_static_path = ["_static"]
mathjax_path = "mathjax/tex-svg.js"
nbsphinx_requirejs_path = ""
html_favicon = "_static/favicon.png"

# Never run a notebook while building the site: outputs come from `handout build`.
nbsphinx_execute = "never"
# The solution page of a lesson that was never executed is its .md source, read by jupytext
# (named by string: a function object here breaks Sphinx's cached, warnings-as-errors builds).
nbsphinx_custom_formats = {".md": ["jupytext.reads", {"fmt": "md"}]}
nbsphinx_prolog = (
    """
{% set stem = env.docname.split('/')[-1].rsplit('-', 1)[0] %}
.. note::

   Download the student notebook:
   :download:`{{ stem }}_STUDENT.ipynb <"""
    + DOWNLOADS
    + """/{{ stem }}_STUDENT.ipynb>`
"""
)

# nbsphinx converts markdown with pandoc; pypandoc-binary (the docs extra) carries one.
os.environ["PATH"] = str(Path(pypandoc.get_pandoc_path()).parent) + os.pathsep + os.environ["PATH"]


def _write_pages(app) -> None:
    build_dir = Path(os.environ.get("HANDOUT_BUILD_DIR", ROOT / "build"))
    write_lesson_pages(ROOT / "notebooks", build_dir, Path(app.srcdir) / "lessons")


def _copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        script = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" / "tex-svg.js"
        target = Path(app.outdir) / "_static" / "mathjax" / "tex-svg.js"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(script, target)


def setup(app):
    app.connect("builder-inited", _write_pages)
    app.connect("build-finished", _copy_mathjax)
