"""The execution cache: a lesson's executed solution is reused until its outputs could change.

What can change a lesson's outputs, and so goes into its key (:func:`execution_inputs`):

- its code cells, in order, with their tags (nbclient acts on ``raises-exception`` and
  ``skip-execution``);
- the Python that runs the kernel, which is this one: ``handout build`` starts ipykernel
  with the interpreter it runs on (:class:`~handout.execute.ThisPythonKernelManager`);
- every distribution that provides a module the code imports (also behind ``%time`` and
  the other line magics that run Python, ``%load_ext`` and ``%run -m``), the kernel's own
  (ipykernel), and everything those require, each by its version, its record of installed
  files and their sizes and modification times (so an in-place edit counts too); a module
  imported from source rather than installed (from the lesson's folder, a namespace
  package there, or an editable install) counts by its files, and what it imports in turn
  counts as well;
- the data it reads: for each data set whose ``load_`` or ``download_`` function the code
  names, the checksums that ``cogworks_data`` verifies every file against before it is used;
  and any file that a string in the code names relative to the lesson, by its content,
  as well as the script a ``%run`` runs (and what that script imports).

Markdown is not in the key: after an edit to the text alone, the cached outputs are put
back into the new text (:func:`reuse_outputs`).

Each lesson has one entry, ``<cache>/<folders>/<stem>.ipynb``: the executed notebook, plus
its key, the inputs the key was made from (so that a rebuild can say what changed), a
digest of its cells, how long its slowest cell took, which named files the run created, and
the path of its source (so that a build can name the outputs of a lesson since removed).
An entry is written only after every cell ran without error and the inputs read again
afterwards still give the same key (nothing changed while it ran), and always atomically.
A file that the code names and that did not exist before the run (``plt.savefig("a.pdf")``)
is the run's output: it is left out of the comparison, and out of the key from then on, also
when a later run rewrites it. A file that existed and changed during the run may have been
read in either state, so that run is not kept. One that does not parse, does not
match its digest, or has a code cell that never ran or shows an error is discarded, and
the lesson runs again; so it does when its slowest cell took longer than a cell may now run.

Why not jupyter-cache: its key is a notebook's code cells and kernel name, so package
versions and data would have to be folded into the notebook's metadata to count; it keeps
its records in an SQLite database beside the notebooks (with SQLAlchemy as a dependency),
and its executors run notebooks without the per-lesson thread limits and timeouts the build
sets. What this module stores is one notebook file per lesson, written atomically, that
anyone can open; the key is the part that needs care, and jupyter-cache would not supply it.

Known gaps, which ``--force-execute`` covers until they are closed: the key is read from
the code as written, so it misses what is named only at run time: a file opened through a
path built from pieces (``folder / name``), or named only in a shell escape
(``!cat notes.txt``); a module imported through ``importlib`` or from a folder added to
``sys.path``. Nor does it hold the environment variables, IPython's start-up files, or the
number of BLAS threads, which can move the last digits of floating-point results.
"""

from __future__ import annotations

import ast
import copy
import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import platform
import re
import shlex
import sys
import sysconfig
from functools import cache, lru_cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from packaging.requirements import InvalidRequirement, Requirement

from . import __version__
from .execute import first_error_shown
from .files import Lesson, write_atomically
from .markers import MarkerError
from .python_view import PYTHON_CELL_MAGICS, python_view
from .source import Source

logger = logging.getLogger(__name__)

#: Bumped whenever the key or the entry changes meaning, so that old entries are not reused.
CACHE_FORMAT = 2

#: Where an entry keeps its bookkeeping, in the notebook's metadata.
ENTRY_METADATA = "handout_cache"

#: What an entry's bookkeeping holds.
ENTRY_FIELDS = frozenset({"key", "inputs", "cells", "slowest_cell"})

#: Distributions every lesson depends on, whatever it imports: the kernel.
KERNEL_DISTRIBUTIONS = ("ipykernel",)

_NOT_A_FILE_NAME = re.compile(r"[\n\r\0]")


def execution_inputs(source: Source) -> dict:
    """Everything that can change the outputs of running ``source``, as plain data.

    Parameters
    ----------
    source : Source
        The instructor source.

    Returns
    -------
    dict
        JSON-ready: ``format``, ``handout``, ``python``, ``code`` (a digest), ``packages``
        ({distribution: version}), ``modules`` and ``files`` ({name: digest}), and
        ``data`` ({data set file: checksum}).
    """
    folder = source.path.parent
    code = [cell for cell in source.notebook.cells if cell.cell_type == "code"]
    trees = [_tree(cell.source) for cell in code]
    named = set().union(*(_names(tree) for tree in trees)) if trees else set()
    strings = set().union(*(_strings(tree) for tree in trees)) if trees else set()

    modules, roots = {}, set(KERNEL_DISTRIBUTIONS)
    queue = sorted(set().union(*(_imports(tree) for tree in trees)) if trees else set())
    for name in sorted(set().union(*(_run_scripts(tree) for tree in trees)) if trees else ()):
        script = _script_path(folder, name)
        if script is not None:  # %run: the file counts, and so does what it imports
            strings.add(script.relative_to(folder).as_posix())
            tree = _file_tree(script) if script.suffix == ".py" else None
            queue.extend(_imports(tree))
            strings |= _strings(tree)
    seen = set()
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        found = _source_files(name, folder)
        if found is not None:  # run from source: its files count, and so does what it uses
            modules[name] = _digest_files(*found)
            for tree in map(_file_tree, found[0]):
                queue.extend(_imports(tree) - seen)
                strings |= _strings(tree)
        roots.update(_distributions_of(name))
    return {
        "format": CACHE_FORMAT,
        "handout": __version__,
        "python": f"{platform.python_implementation()} {sys.version} {platform.machine()}",
        "code": _digest(
            json.dumps(
                [[cell.source, sorted(cell.metadata.get("tags", []))] for cell in code]
            ).encode()
        ),
        "packages": _versions_with_requirements(roots),
        "modules": modules,
        "files": {
            text: _digest_file(folder / text)
            for text in sorted(strings)
            if _names_a_file(folder, text)
        },
        "data": _datasets_named(named),
    }


def key_of(inputs: dict) -> str:
    """The cache key of a set of inputs: a digest of their canonical JSON."""
    return _digest(json.dumps(inputs, sort_keys=True).encode())


def describe_changes(old: dict, new: dict) -> str:
    """Say, for a person, what differs between two sets of inputs."""
    if old.get("format") != new.get("format") or old.get("handout") != new.get("handout"):
        return "handout itself changed"
    changes = []
    if old.get("code") != new.get("code"):
        changes.append("its code changed")
    if old.get("python") != new.get("python"):
        changes.append("Python changed")
    before, after = old.get("packages", {}), new.get("packages", {})
    for name in sorted(set(before) | set(after)):
        if before.get(name) != after.get(name):
            was, now = (
                version.split(" ")[0]
                for version in (before.get(name, "absent"), after.get(name, "absent"))
            )
            changes.append(
                f"{name} {was} -> {now}" if was != now else f"{name}'s installed files changed"
            )
    for part, label in (("modules", "module"), ("files", "file"), ("data", "data")):
        was, now = old.get(part, {}), new.get(part, {})
        for name in sorted(set(was) | set(now)):
            if was.get(name) != now.get(name):
                changes.append(f"{label} {name} changed")
    if not changes:
        return "its inputs changed"
    shown = ", ".join(changes[:4])
    return shown + (f" and {len(changes) - 4} more" if len(changes) > 4 else "")


#: What reading a damaged entry can raise: it may not be JSON, not a notebook (nbformat's
#: ValidationError is no ValueError), or lack the record this cache writes.
_UNREADABLE = (
    OSError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    nbformat.ValidationError,
)


class ExecutionCache:
    """One executed notebook per lesson, kept below ``folder``.

    Parameters
    ----------
    folder : pathlib.Path
        Where entries live; created when the first one is written.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def entry_path(self, lesson: Lesson) -> Path:
        """``folder/<folders>/<stem>.ipynb``, mirroring the lesson's place."""
        return lesson.solution_path(self.folder)

    def lookup(
        self, lesson: Lesson, inputs: dict, cell_timeout: float
    ) -> tuple[NotebookNode | None, str]:
        """The cached executed notebook for these inputs, or None and why the lesson must run.

        A damaged or incomplete entry is deleted (it is this cache's own file) and logged. A
        run whose slowest cell took longer than ``cell_timeout`` seconds no longer holds.
        """
        path = self.entry_path(lesson)
        if not path.is_file():
            return None, "it has no cached run"
        changed = ""
        try:
            notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            record = notebook.metadata[ENTRY_METADATA]
            problem = _entry_problem(notebook, record)
            if not problem:
                inputs = without_files(inputs, record.get("written", []))
                if record["key"] != key_of(inputs):  # described here: the record may be bad
                    changed = describe_changes(record["inputs"], inputs)
        except _UNREADABLE as error:
            problem = f"it cannot be read ({type(error).__name__}: {error})"
        if problem:
            logger.warning("discarding the cached run %s: %s", path, problem)
            self.discard(lesson)
            return None, "its cached run was damaged"
        if changed:
            return None, changed
        if record["slowest_cell"] > cell_timeout:
            return None, (
                f"its slowest cell took {record['slowest_cell']:.0f} s, more than the "
                f"{cell_timeout} s a cell may now run"
            )
        del notebook.metadata[ENTRY_METADATA]
        return notebook, ""

    def written_before(self, lesson: Lesson) -> list[str]:
        """The files that the lesson's cached run created, [] if there is no readable entry.

        A lesson that runs again rewrites them; they stay its output, not its input.
        """
        try:
            notebook = nbformat.reads(
                self.entry_path(lesson).read_text(encoding="utf-8"), as_version=4
            )
            written = notebook.metadata[ENTRY_METADATA].get("written", [])
        except _UNREADABLE:
            return []
        return (
            [name for name in written if isinstance(name, str)] if isinstance(written, list) else []
        )

    def orphans(self) -> list[tuple[Path, str]]:
        """Entries whose lesson's source is gone (renamed or removed): (entry, source).

        Entries written before the cache recorded sources are not listed.
        """
        found = []
        for entry in sorted(self.folder.rglob("*.ipynb")) if self.folder.is_dir() else []:
            try:
                source = json.loads(entry.read_text(encoding="utf-8"))["metadata"][ENTRY_METADATA][
                    "source"
                ]
            except (*_UNREADABLE, json.JSONDecodeError):
                continue  # a damaged entry is the lookup's business
            if isinstance(source, str) and not Path(source).is_file():
                found.append((entry, source))
        return found

    def discard(self, lesson: Lesson) -> None:
        """Remove a lesson's entry, if it has one (a failed run shows it no longer holds)."""
        try:
            self.entry_path(lesson).unlink(missing_ok=True)
        except OSError as error:
            logger.warning(
                "could not remove the cached run %s: %s",
                self.entry_path(lesson),
                error.strerror or error,
            )

    def store(
        self,
        lesson: Lesson,
        inputs: dict,
        executed: NotebookNode,
        slowest_cell: float,
        written: list[str] = (),
    ) -> Path:
        """Keep a notebook whose every code cell ran without error, atomically.

        ``slowest_cell`` is how many seconds its slowest cell took; ``written`` names the
        files that its code names and that the run itself created, which later lookups
        leave out of the key (they are the lesson's output, not its input).
        """
        entry = copy.deepcopy(executed)
        entry.metadata[ENTRY_METADATA] = {
            "key": key_of(inputs),
            "inputs": inputs,
            "cells": _cells_digest(entry.cells),
            "slowest_cell": slowest_cell,
            "written": sorted(written),
            "source": str(lesson.path.resolve()),
        }
        path = self.entry_path(lesson)
        write_atomically(path, nbformat.writes(entry) + "\n")
        return path


def without_files(inputs: dict, names: list[str]) -> dict:
    """``inputs`` without the named files (ones a lesson's run wrote, not read)."""
    if not names:
        return inputs
    files = {name: digest for name, digest in inputs["files"].items() if name not in names}
    return {**inputs, "files": files}


def reuse_outputs(fresh: NotebookNode, executed: NotebookNode) -> NotebookNode:
    """``fresh`` (the notebook about to run) with the outputs of a cached run of its code.

    The text, cell ids and notebook metadata are ``fresh``'s; outputs, execution counts,
    timings and the kernel's ``language_info`` come from ``executed``, whose code cells
    must be the same ones in the same order (the cache key guarantees it).
    """
    merged = copy.deepcopy(fresh)
    targets = [cell for cell in merged.cells if cell.cell_type == "code"]
    runs = [cell for cell in executed.cells if cell.cell_type == "code"]
    if len(targets) != len(runs):
        raise ValueError(f"{len(runs)} cached code cells for {len(targets)} code cells")
    for cell, run in zip(targets, runs, strict=True):
        cell.outputs = copy.deepcopy(run.outputs)
        cell.execution_count = run.execution_count
        if "execution" in run.metadata:
            cell.metadata["execution"] = copy.deepcopy(run.metadata["execution"])
    for name in ("language_info", "widgets"):
        if name in executed.metadata:
            merged.metadata[name] = copy.deepcopy(executed.metadata[name])
    return merged


def _entry_problem(notebook: NotebookNode, record: dict) -> str | None:
    if not isinstance(record, dict) or not set(record) >= ENTRY_FIELDS:
        return "its bookkeeping is missing"
    written = record.get("written", [])
    if (
        not isinstance(record["inputs"], dict)
        or not isinstance(record["slowest_cell"], (int, float))
        or not isinstance(written, list)
        or not all(isinstance(name, str) for name in written)
    ):
        return "its bookkeeping is malformed"
    if record["cells"] != _cells_digest(notebook.cells):
        return "its cells do not match their digest"
    if any(not isinstance(cell.get("execution_count"), int) for cell in _executed_cells(notebook)):
        return "a code cell never ran (an interrupted build?)"
    if first_error_shown(notebook) is not None:
        return "a cell shows an error"
    return None


def _executed_cells(notebook: NotebookNode) -> list:
    """The code cells nbclient runs: not empty, not tagged ``skip-execution``."""
    return [
        cell
        for cell in notebook.cells
        if cell.cell_type == "code"
        and cell.source.strip()
        and "skip-execution" not in cell.metadata.get("tags", [])
    ]


def _cells_digest(cells: list) -> str:
    return _digest(json.dumps(cells, sort_keys=True).encode())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_file(path: Path) -> str:
    """A file's digest, read in pieces (a data file may be large); a note if unreadable."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError as error:
        return f"unreadable: {error.strerror or error}"
    return digest.hexdigest()


def _digest_files(files: list[Path], base: Path) -> str:
    """One digest of several files' names (relative to ``base``) and contents."""
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(base) if path.is_relative_to(base) else Path(path.name)
        digest.update(name.as_posix().encode() + b"\0" + _digest_file(path).encode())
    return digest.hexdigest()


def _tree(cell_source: str) -> ast.AST | None:
    """A code cell as a Python syntax tree, with the imports that its line magics make
    added: the Python of ``%time import six``, ``%load_ext six`` and ``%run -m six``.
    None for a cell that is not Python."""
    try:
        text = python_view(cell_source).text
        tree = ast.parse(text) if text is not None else None
    except (SyntaxError, MarkerError):
        return None  # it fails when it runs, and its code is in the key all the same
    for node in ast.walk(tree) if tree else ():
        magic = _line_magic(node)
        if magic is not None:
            tree.body.extend(_magic_python(*magic).body)
    return tree


def _line_magic(node: ast.AST) -> tuple[str, str] | None:
    """``("time", "import six")`` for ``get_ipython().run_line_magic("time", "import six")``,
    the call IPython makes of ``%time import six``; None for any other node."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "run_line_magic"
        and len(node.args) == 2
        and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in node.args)
    ):
        return node.args[0].value, node.args[1].value
    return None


def _magic_python(name: str, argument: str) -> ast.Module:
    """The Python a line magic runs, as far as the key needs it; an empty module if none.

    A timing magic's options come before its code, so the first words are dropped one by
    one until the rest parses.
    """
    if name in PYTHON_CELL_MAGICS:
        words = argument.split(" ")
        for start in range(len(words)):
            try:
                return ast.parse(" ".join(words[start:]))
            except SyntaxError:
                continue
    modules = []
    if name == "load_ext":
        modules = argument.split()
    elif name == "run" and _run_target(argument)[0] == "-m":
        modules = [_run_target(argument)[1]]
    imports = [ast.Import(names=[ast.alias(name=module)]) for module in modules if module]
    return ast.Module(body=imports, type_ignores=[])


#: ``%run``'s options that take a value (IPython's ``%run?`` lists them).
_RUN_OPTIONS_WITH_VALUES = frozenset("NbDlsTm")


def _run_target(argument: str) -> tuple[str, str]:
    """What ``%run argument`` runs: ``("-m", module)`` or ``("file", name)``; ``("", "")``
    if it cannot be told."""
    try:
        words = shlex.split(argument)
    except ValueError:
        return "", ""
    while words and words[0].startswith("-") and len(words[0]) > 1:
        option = words.pop(0)
        letters = option[1:]
        takes_value = letters[-1] in _RUN_OPTIONS_WITH_VALUES
        value = words.pop(0) if takes_value and words else ""
        if "m" in letters:
            module = letters.split("m", 1)[1] or value
            return "-m", module
        if takes_value and not value:
            return "", ""
    return ("file", words[0]) if words else ("", "")


def _run_scripts(tree: ast.AST | None) -> set[str]:
    """The file names a cell's ``%run`` magics run, as written."""
    found = set()
    for node in ast.walk(tree) if tree else ():
        magic = _line_magic(node)
        if magic and magic[0] == "run" and _run_target(magic[1])[0] == "file":
            found.add(_run_target(magic[1])[1])
    return found


def _script_path(folder: Path, name: str) -> Path | None:
    """The file ``%run name`` runs from ``folder``: ``name``, else ``name.py``, as IPython
    looks for it; None if neither is a file."""
    for candidate in (name, name if name.endswith(".py") else f"{name}.py"):
        if _names_a_file(folder, candidate):
            return folder / candidate
    return None


def _file_tree(path: Path) -> ast.AST | None:
    """A Python file's syntax tree; None if it cannot be read or parsed."""
    try:
        return ast.parse(path.read_bytes())
    except (OSError, SyntaxError, ValueError):
        return None


def _imports(tree: ast.AST | None) -> set[str]:
    """Top-level names of the modules a cell imports (absolute imports only)."""
    found = set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _names(tree: ast.AST | None) -> set[str]:
    """Every name, attribute and imported name a cell mentions."""
    found = set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.alias):
            found.add(node.name.split(".")[-1])
    return found


def _strings(tree: ast.AST | None) -> set[str]:
    return {
        node.value
        for node in (ast.walk(tree) if tree else ())
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
        and 0 < len(node.value) < 256 and not _NOT_A_FILE_NAME.search(node.value)
    }  # fmt: skip


def _names_a_file(folder: Path, text: str) -> bool:
    try:
        return (folder / text).is_file()
    except (OSError, ValueError):
        return False


def _source_files(module: str, folder: Path) -> tuple[list[Path], Path] | None:
    """The files of a module that runs from source rather than installed, and their base.

    Such a module is one in the lesson's folder (the kernel's working folder), or one found
    outside both the standard library and every ``site-packages``: an editable install,
    whose version does not move when its code does. None for anything else.

    In the lesson's folder the order is Python's: a package (``name/__init__.py``) before a
    module (``name.py``) before a namespace package (a folder of modules, no ``__init__``).
    """
    here = folder / module
    package = sorted(here.rglob("*.py")) if here.is_dir() else []
    if (here / "__init__.py").is_file():
        return package, folder
    if (folder / f"{module}.py").is_file():
        return [folder / f"{module}.py"], folder
    if package:
        return package, folder
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.has_location or not spec.origin:
        return None
    origin = Path(spec.origin).resolve()
    if _installed(origin):
        return None
    if spec.submodule_search_locations:
        return sorted(origin.parent.rglob("*.py")), origin.parent.parent
    return [origin], origin.parent


def _installed(path: Path) -> bool:
    if any(part in ("site-packages", "dist-packages") for part in path.parts):
        return True
    stdlib = Path(sysconfig.get_paths()["stdlib"]).resolve()
    return path.is_relative_to(stdlib)


@lru_cache(maxsize=1)
def _module_owners() -> dict[str, list[str]]:
    """{top-level module: [distribution]} for everything installed (a scan of all metadata)."""
    return importlib.metadata.packages_distributions()


def forget_installed() -> None:
    """Forget what was installed, for a process that builds again after installing."""
    _module_owners.cache_clear()
    _installed_state.cache_clear()


def _distributions_of(module: str) -> list[str]:
    """The distributions that provide an importable top-level module.

    Most import names are their distribution's name, which is a quick lookup; only the
    others (``PIL`` from pillow, say) need the scan of every distribution's metadata.
    """
    try:
        return [importlib.metadata.distribution(module).metadata["Name"]]
    except importlib.metadata.PackageNotFoundError:
        return _module_owners().get(module, [])


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _versions_with_requirements(roots: set[str]) -> dict[str, str]:
    """{distribution: "version sha256:..."} for ``roots`` and all they require, as installed.

    The digest is of the distribution's ``RECORD``, which lists a checksum of every file it
    installed; so a package reinstalled with other code under the same version counts as
    changed.
    """
    versions, queue = {}, sorted(roots)
    while queue:
        name = _canonical(queue.pop())
        if name in versions:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        versions[name] = f"{distribution.version} sha256:{_installed_state(name)[:12]}"
        for text in distribution.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                queue.append(requirement.name)
    return dict(sorted(versions.items()))


@cache
def _installed_state(name: str) -> str:
    """A digest of a distribution's record of installed files and of those files' sizes and
    modification times, so that a file edited in place counts as a change.

    Compiled ``.pyc`` files are left out, as Python may rewrite them. The record is read
    with ``csv`` and the files stat-ed by plain string paths: ``Distribution.files`` makes a
    path object per file, which took ten times as long (0.2 s against 0.02 s for the LeNet
    lesson's largest eleven distributions).
    """
    distribution = importlib.metadata.distribution(name)
    record = distribution.read_text("RECORD")
    digest = hashlib.sha256((record or "").encode())
    if record is not None:
        files = [row[0] for row in csv.reader(record.splitlines()) if row]
    else:  # installed without a record (an old egg-info): what metadata lists
        files = [str(file) for file in distribution.files or []]
    base = str(distribution.locate_file(""))
    for file in files:
        if file.endswith(".pyc"):
            continue
        try:
            status = os.stat(os.path.join(base, file))
            digest.update(f"{file}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(f"{file}\0missing\n".encode())
    return digest.hexdigest()


def _datasets_named(names: set[str]) -> dict[str, str]:
    """{data set/file: checksum} for each ``cogworks_data`` data set the code names."""
    try:
        from cogworks_data.registry import DATASETS
    except ImportError:
        return {}
    found = {}
    for name, dataset in DATASETS.items():
        stem = name.replace("-", "_")
        if {f"load_{stem}", f"download_{stem}"} & names:
            found.update({f"{name}/{file.name}": file.sha256 for file in dataset.files})
    return dict(sorted(found.items()))
