"""Running a solution notebook headless with nbclient, keeping its outputs."""

from __future__ import annotations

import copy
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets.config import Config

from .source import Source
from .student import KERNELSPEC

logger = logging.getLogger(__name__)

#: Seconds one cell may run; training a lesson's model for an epoch fits well within it.
DEFAULT_CELL_TIMEOUT = 1800


@dataclass
class Execution:
    """What happened when a solution notebook ran.

    Attributes
    ----------
    notebook : nbformat.NotebookNode
        The notebook with every output it produced, up to the failing cell if one failed.
    seconds : float
        Wall time, kernel start-up included.
    error : str or None
        ``path:line: cell N failed: ...`` when a cell failed; None when all ran.
    """

    notebook: object
    seconds: float
    error: str | None


def execute_solution(source: Source, cell_timeout: int = DEFAULT_CELL_TIMEOUT) -> Execution:
    """Execute an instructor source top to bottom in a fresh ``python3`` kernel.

    The kernel runs in the source's folder, so a lesson's relative paths work. The
    notebook's own kernelspec is replaced by the standard ``python3`` one (an instructor's
    private environment name would stop the run on any other machine), and its jupytext
    metadata is dropped so that the executed copy is not mistaken for a paired file.

    Parameters
    ----------
    source : Source
        The parsed instructor source; its notebook is not modified.
    cell_timeout : int, optional
        Seconds a single cell may run before the run counts as failed.

    Returns
    -------
    Execution
        The executed notebook, the time it took, and the error if a cell failed.
    """
    notebook = copy.deepcopy(source.notebook)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    current = {"index": None}

    def on_cell_start(cell, cell_index):
        current["index"] = cell_index
        logger.debug("%s: cell %d/%d", source.path, cell_index + 1, len(notebook.cells))

    started = time.perf_counter()
    error = None
    with tempfile.TemporaryDirectory(prefix="handout-kernel-") as sockets:
        client = NotebookClient(
            notebook,
            config=_kernel_config(Path(sockets)),
            kernel_name="python3",
            # A timed-out kernel is still busy; asked to stop gracefully it prints a
            # traceback when its sockets close under it. Outputs are in hand either way.
            shutdown_kernel="immediate",
            timeout=cell_timeout,
            resources={"metadata": {"path": str(source.path.parent.resolve())}},
            on_cell_start=on_cell_start,
        )
        try:
            client.execute(env=kernel_environment())
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
            error = _describe(source, current["index"], failure)
    return Execution(notebook, time.perf_counter() - started, error)


def _kernel_config(sockets: Path) -> Config:
    """Kernels that talk over local sockets in ``sockets`` where the system has them.

    Over Unix-domain sockets no other user of the machine can connect to the kernel, and
    the kernel has no reason to warn about unencrypted TCP. Windows has no such sockets,
    so there the kernel uses TCP on loopback as Jupyter does by default. (nbclient makes
    the kernel manager itself, so that it also shuts the kernel down and enforces the
    cell timeout; the socket settings reach it through this configuration.)
    """
    if os.name == "nt":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": str(sockets / "kernel")}})


def kernel_environment() -> dict[str, str]:
    """The environment for a lesson's kernel: this one, headless, with data paths absolute.

    The kernel runs in the lesson's folder, so a relative ``DATASETS_HOME`` or local
    ``DATASETS_MIRROR`` would otherwise mean another folder there than it does here.
    """
    env = dict(os.environ)
    env["HANDOUT_HEADLESS"] = "1"  # lessons show still images rather than live widgets
    for name in ("DATASETS_HOME", "DATASETS_MIRROR"):
        value = env.get(name)
        if value and "://" not in value and not Path(value).expanduser().is_absolute():
            env[name] = str(Path(value).resolve())
    return env


def _describe(source: Source, index: int | None, failure: Exception) -> str:
    if index is None:
        return f"{source.path}: the kernel failed before any cell ran: {failure}"
    if isinstance(failure, CellExecutionError):
        summary = f"{failure.ename}: {failure.evalue}"
    elif isinstance(failure, CellTimeoutError):
        summary = "timed out (raise the limit with --timeout)"
    else:
        summary = f"the kernel died: {failure}"
    return f"{source.where(index)}: cell {index + 1} failed: {summary}"
