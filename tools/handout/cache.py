"""The execution cache: a lesson's executed solution is reused until its outputs could change.

What can change a lesson's outputs, and so goes into its key (:func:`execution_inputs`):

- its code cells, in order, with their tags (nbclient acts on ``raises-exception`` and
  ``skip-execution``);
- the Python that runs the kernel, which is this one: ``handout build`` starts ipykernel
  with the interpreter it runs on (:class:`~handout.execute.ThisPythonKernelManager`);
- every distribution that provides a module the code imports, the kernel's own (ipykernel),
  and everything those require, each by its version and the checksums of the files it
  installed; a module imported from source rather than installed (from the lesson's folder,
  or an editable install) counts by its files;
- the data it reads: for each data set whose ``load_`` or ``download_`` function the code
  names, the checksums that ``cogworks_data`` verifies every file against before it is used;
  and any file that a string in the code names relative to the lesson, by its content.

Markdown is not in the key: after an edit to the text alone, the cached outputs are put
back into the new text (:func:`reuse_outputs`).

Each lesson has one entry, ``<cache>/<folders>/<stem>.ipynb``: the executed notebook, plus
its key, the inputs the key was made from (so that a rebuild can say what changed) and a
digest of its cells. An entry is written only after every cell ran without error, and
always atomically. One that does not parse, does not match its digest, or has a code cell
that never ran is discarded, and the lesson runs again.

Known gaps, which ``--force-execute`` covers until they are closed: a file the lesson
reads through a path it builds at run time (``folder / name``) is not in the key, nor is a
package imported only inside an imported package that is not installed but run from source
(its own imports are covered when it is installed). Nor is the number of BLAS threads,
which can move the last digits of floating-point results.
"""

from __future__ import annotations

import ast
import copy
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import platform
import re
import sys
import sysconfig
from functools import lru_cache
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from packaging.requirements import InvalidRequirement, Requirement

from . import __version__
from .files import Lesson, write_atomically
from .python_view import python_view
from .source import Source

logger = logging.getLogger(__name__)

#: Bumped whenever the key or the entry changes meaning, so that old entries are not reused.
CACHE_FORMAT = 1

#: Where an entry keeps its bookkeeping, in the notebook's metadata.
ENTRY_METADATA = "handout_cache"

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
    imported = set().union(*(_imports(tree) for tree in trees)) if trees else set()
    named = set().union(*(_names(tree) for tree in trees)) if trees else set()
    strings = set().union(*(_strings(tree) for tree in trees)) if trees else set()

    modules, roots = {}, set(KERNEL_DISTRIBUTIONS)
    for name in sorted(imported):
        found = _source_files(name, folder)
        if found is not None:
            modules[name] = _digest_files(*found)
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
            text: _digest((folder / text).read_bytes())
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
            changes.append(f"{name} {was} -> {now}" if was != now else f"{name} was reinstalled")
    for part, label in (("modules", "module"), ("files", "file"), ("data", "data")):
        was, now = old.get(part, {}), new.get(part, {})
        for name in sorted(set(was) | set(now)):
            if was.get(name) != now.get(name):
                changes.append(f"{label} {name} changed")
    if not changes:
        return "its inputs changed"
    shown = ", ".join(changes[:4])
    return shown + (f" and {len(changes) - 4} more" if len(changes) > 4 else "")


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

    def lookup(self, lesson: Lesson, inputs: dict) -> tuple[NotebookNode | None, str]:
        """The cached executed notebook for these inputs, or None and why the lesson must run.

        A damaged or incomplete entry is deleted (it is this cache's own file) and logged.
        """
        path = self.entry_path(lesson)
        if not path.is_file():
            return None, "it has not run before"
        try:
            notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
            record = notebook.metadata[ENTRY_METADATA]
            problem = _entry_problem(notebook, record)
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            problem = f"it cannot be read ({type(error).__name__}: {error})"
        if problem:
            logger.warning("discarding the cached run %s: %s", path, problem)
            path.unlink(missing_ok=True)
            return None, "its cached run was damaged"
        if record["key"] != key_of(inputs):
            return None, describe_changes(record["inputs"], inputs)
        del notebook.metadata[ENTRY_METADATA]
        return notebook, ""

    def store(self, lesson: Lesson, inputs: dict, executed: NotebookNode) -> Path:
        """Keep a notebook whose every code cell ran without error, atomically."""
        entry = copy.deepcopy(executed)
        entry.metadata[ENTRY_METADATA] = {
            "key": key_of(inputs),
            "inputs": inputs,
            "cells": _cells_digest(entry.cells),
        }
        path = self.entry_path(lesson)
        write_atomically(path, nbformat.writes(entry) + "\n")
        return path


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
    if not isinstance(record, dict) or not {"key", "inputs", "cells"} <= set(record):
        return "its bookkeeping is missing"
    if record["cells"] != _cells_digest(notebook.cells):
        return "its cells do not match their digest"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    if any(not isinstance(cell.get("execution_count"), int) for cell in code):
        return "a code cell never ran (an interrupted build?)"
    return None


def _cells_digest(cells: list) -> str:
    return _digest(json.dumps(cells, sort_keys=True).encode())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _digest_files(files: list[Path], base: Path) -> str:
    """One digest of several files' names (relative to ``base``) and contents."""
    digest = hashlib.sha256()
    for path in files:
        name = path.relative_to(base) if path.is_relative_to(base) else Path(path.name)
        digest.update(name.as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _tree(cell_source: str) -> ast.AST | None:
    """A code cell as a Python syntax tree; None for a cell that is not Python."""
    text = python_view(cell_source).text
    if text is None:
        return None
    try:
        return ast.parse(text)
    except SyntaxError:
        return None  # it fails when it runs, and its code is in the key all the same


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
    """
    if (folder / f"{module}.py").is_file():
        return [folder / f"{module}.py"], folder
    if (folder / module / "__init__.py").is_file():
        return sorted((folder / module).rglob("*.py")), folder
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
        record = (distribution.read_text("RECORD") or "").encode()
        versions[name] = f"{distribution.version} sha256:{_digest(record)[:12]}"
        for text in distribution.requires or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                queue.append(requirement.name)
    return dict(sorted(versions.items()))


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
