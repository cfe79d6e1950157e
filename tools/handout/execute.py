"""Running a solution notebook headless with nbclient, keeping its outputs."""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import re
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from traitlets.config import Config

from .markers import MarkerError
from .source import Source
from .student import KERNELSPEC

logger = logging.getLogger(__name__)

#: Seconds one cell may run; training a lesson's model for an epoch fits well within it.
DEFAULT_CELL_TIMEOUT = 1800

#: What a lesson may set under ``handout:`` in its Jupytext header.
LESSON_SETTINGS = frozenset({"cell_timeout"})


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
    slowest_cell : float
        Seconds the slowest cell took, from its request to the kernel's reply.
    stopped : bool
        The run was asked to stop before it ended; its outputs are incomplete.
    code_failed : bool
        The lesson's own code raised (or showed) an error; False when it ran out of time, its
        kernel died or could not start, which say nothing of an earlier run of the same code.
    """

    notebook: NotebookNode
    seconds: float
    error: str | None
    slowest_cell: float = 0.0
    stopped: bool = False
    code_failed: bool = False


#: Seconds a kernel asked to stop may take to interrupt its cell before it is killed.
STOP_GRACE = 5.0


class _Stopped(Exception):
    """Raised from a cell-start hook to end a run that was asked to stop."""


def notebook_to_execute(source: Source) -> NotebookNode:
    """The notebook that runs for a source: a copy with the standard kernel and no pairing.

    The notebook's own kernelspec is replaced by the standard ``python3`` one (an instructor's
    private environment name would stop the run on any other machine), and its jupytext
    metadata is dropped so that the executed copy is not mistaken for a paired file. Cells
    get ids by position (``cell-0``, ...), as in the handout, instead of the random ones
    Jupytext gives them, so that rebuilding an unchanged lesson rewrites nothing.
    """
    notebook = copy.deepcopy(source.notebook)
    notebook.metadata.pop("jupytext", None)
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)
    for position, cell in enumerate(notebook.cells):
        cell.id = f"cell-{position}"
    return notebook


def lesson_cell_timeout(source: Source, default: int) -> int:
    """The seconds one cell of this lesson may run: its own ``handout: cell_timeout``, else
    ``default``.

    A lesson that trains for longer than the build's default raises its limit in its
    Jupytext header::

        jupyter:
          handout:
            cell_timeout: 3600

    Raises
    ------
    MarkerError
        If the value is not a positive whole number of seconds (naming the header line).
    """
    settings = source.notebook.metadata.get("handout", {})
    unknown = sorted(set(settings) - LESSON_SETTINGS) if isinstance(settings, dict) else []
    if not isinstance(settings, dict):
        problem = f"handout: must hold settings such as 'cell_timeout: 3600', not {settings!r}"
    elif unknown:
        known = ", ".join(sorted(LESSON_SETTINGS))
        problem = f"handout: has no setting {unknown[0]!r}; it knows {known}"
    else:
        value = settings.get("cell_timeout")
        if value is None:
            return default
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        problem = f"handout: cell_timeout must be a whole number of seconds above 0, not {value!r}"
    lines = source.text.split("\n")
    key = unknown[0] if unknown else "cell_timeout"
    line = next((i + 1 for i, text in enumerate(lines) if key in text), None)
    line = line or next((i + 1 for i, text in enumerate(lines) if "handout:" in text), 1)
    raise MarkerError(problem, line, str(source.path))


def execute_solution(
    source: Source,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    env: dict[str, str] | None = None,
    on_cell: Callable[[int], None] | None = None,
) -> Execution:
    """Execute an instructor source top to bottom in a fresh ``python3`` kernel.

    Parameters
    ----------
    source, cell_timeout, env, on_cell
        As for :func:`execute_solution_async`.

    Returns
    -------
    Execution
        The executed notebook, the time it took, and the error if a cell failed.
    """
    return asyncio.run(execute_solution_async(source, cell_timeout, env, on_cell))


async def execute_solution_async(
    source: Source,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    env: dict[str, str] | None = None,
    on_cell: Callable[[int], None] | None = None,
    stop: asyncio.Event | None = None,
) -> Execution:
    """Execute an instructor source in a fresh ``python3`` kernel, as a coroutine.

    The kernel runs in the source's folder, so a lesson's relative paths work. Several of
    these can run at once in one event loop, each with its own kernel.

    Parameters
    ----------
    source : Source
        The parsed instructor source; its notebook is not modified.
    cell_timeout : int, optional
        Seconds a single cell may run before the run counts as failed.
    env : dict, optional
        The kernel's environment; default :func:`kernel_environment`.
    on_cell : callable, optional
        Called with each cell's index as the cell starts, for progress reports.
    stop : asyncio.Event, optional
        Once set, the kernel's running cell is interrupted (the kernel is killed if it does
        not stop within ``STOP_GRACE`` seconds), no further cell starts, and the kernel is
        shut down; the result says ``stopped``.

    Returns
    -------
    Execution
        The executed notebook, the time it took, and the error if a cell failed.
    """
    notebook = notebook_to_execute(source)
    current = {"index": None, "sent": 0.0, "slowest": 0.0}

    def on_cell_start(cell, cell_index):
        if stop is not None and stop.is_set():
            raise _Stopped
        current["index"] = cell_index
        logger.debug("%s: cell %d/%d", source.path, cell_index + 1, len(notebook.cells))
        if on_cell is not None:
            on_cell(cell_index)

    def on_cell_execute(cell, cell_index):
        current["sent"] = time.perf_counter()

    def on_cell_executed(cell, cell_index, execute_reply):
        current["slowest"] = max(current["slowest"], time.perf_counter() - current["sent"])

    started = time.perf_counter()
    error, code_failed = None, False
    with tempfile.TemporaryDirectory(prefix="handout-kernel-") as sockets:
        client = NotebookClient(
            notebook,
            config=_kernel_config(Path(sockets)),
            kernel_name="python3",
            kernel_manager_class=ThisPythonKernelManager,
            # A timed-out kernel is still busy; asked to stop gracefully it prints a
            # traceback when its sockets close under it. Outputs are in hand either way.
            shutdown_kernel="immediate",
            timeout=cell_timeout,
            resources={"metadata": {"path": str(source.path.parent.resolve())}},
            on_cell_start=on_cell_start,
            on_cell_execute=on_cell_execute,
            on_cell_executed=on_cell_executed,
        )
        # nbclient turns a cancelled cell into "kernel died", so a stop is asked of the
        # kernel itself, and nbclient unwinds as it does after any failed cell.
        stopper = asyncio.ensure_future(_stop_kernel_when(stop, client)) if stop else None
        try:
            await client.async_execute(env=env if env is not None else kernel_environment())
        except _Stopped:
            pass
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
            error = _describe(source, notebook, current["index"], failure, cell_timeout)
            code_failed = isinstance(failure, CellExecutionError)
        except Exception as failure:  # a kernel that cannot start must not stop other lessons
            error = f"{source.path}: the kernel could not run: {type(failure).__name__}: {failure}"
        finally:
            if stopper is not None:
                stopper.cancel()
    stopped = stop is not None and stop.is_set()
    if error is None and not stopped:
        error = _error_shown(source, notebook)
        code_failed = error is not None
    seconds = time.perf_counter() - started
    return Execution(notebook, seconds, error, current["slowest"], stopped, code_failed)


async def _stop_kernel_when(stop: asyncio.Event, client: NotebookClient) -> None:
    """Once ``stop`` is set, interrupt the kernel's cell; kill the kernel if that is not enough."""
    await stop.wait()
    manager = client.km
    if manager is None or not manager.has_kernel:
        return  # still starting: the first cell-start hook ends the run
    await manager.interrupt_kernel()
    await asyncio.sleep(STOP_GRACE)
    if manager.has_kernel:
        await manager.signal_kernel(signal.SIGKILL)


class ThisPythonKernelManager(AsyncKernelManager):
    """A kernel manager whose ``python3`` kernel is always the Python running the build.

    Jupyter looks kernels up by name in several folders, and a ``python3`` kernel installed
    in the user's own folder from another environment (``ipykernel install --user``) comes
    first outside a virtual environment. A lesson would then run with other packages than
    the ones installed with the course, and the cache would key its outputs on the wrong
    ones. This manager skips the lookup and starts ipykernel with this interpreter.
    """

    @property
    def kernel_spec(self) -> KernelSpec:
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())
        return self._kernel_spec


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


#: The variables through which BLAS and OpenMP libraries (OpenBLAS, MKL, BLIS, Accelerate,
#: numexpr) learn how many threads they may start.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def kernel_environment(threads: int | None = None, *, verify: bool = True) -> dict[str, str]:
    """The environment for a lesson's kernel: this one, headless, with data paths absolute.

    The kernel runs in the lesson's folder, so a relative ``DATASETS_HOME`` or local
    ``DATASETS_MIRROR`` would otherwise mean another folder there than it does here.
    ``HANDOUT_HEADLESS`` tells the course's plotting to draw still images.

    Parameters
    ----------
    threads : int, optional
        How many threads the kernel's numerical libraries may use, so that kernels running
        side by side do not fight over the cores. None leaves them at their default (every
        core). If the user set any of these variables, all are left as they are.
    verify : bool, optional
        Whether the kernel verifies a solution (the default): ``HANDOUT_VERIFY`` is then set,
        under which the course's self-checks (``coursekit.checks``) raise when they fail, so
        that a wrong solution fails its cell rather than printing a cross. False runs a
        notebook as a student would, as when a test executes a handout.
    """
    env = dict(os.environ)
    env["HANDOUT_HEADLESS"] = "1"  # lessons show still images rather than live widgets
    if verify:
        env["HANDOUT_VERIFY"] = "1"
    else:
        env.pop("HANDOUT_VERIFY", None)
    for name in ("DATASETS_HOME", "DATASETS_MIRROR"):
        value = env.get(name)
        if value and "://" not in value and not Path(value).expanduser().is_absolute():
            env[name] = str(Path(value).resolve())
    if threads is not None and not any(name in env for name in THREAD_VARIABLES):
        env.update({name: str(threads) for name in THREAD_VARIABLES})
    return env


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")


def _failing_line(source: Source, index: int, traceback: str, count: int | None) -> str:
    """``path:line`` of the line of cell ``index`` that raised, else of the cell's start.

    IPython names a frame of a cell's code ``Cell In[<count>], line <n>``, ``count`` being
    the cell's execution count. The last such frame of this cell is the innermost one in the
    exception that was raised last (a chained exception's causes come first). nbclient's
    message opens with the cell's source, which is skipped, lest a string in it look like a
    frame. Code under a cell magic (``%%time``) is numbered as IPython ran it, not as
    written, and a traceback without frames (``%xmode Minimal``) names none: both keep the
    cell's start.
    """
    start, code = source.cell_lines[index], source.notebook.cells[index].source
    if code and code in traceback:
        traceback = traceback[traceback.index(code) + len(code) :]
    frame = rf"^[ \t]*Cell In\[{count}\], line (\d+)"  # a header, not the error's message
    frames = re.findall(frame, _COLOUR.sub("", traceback), re.MULTILINE)
    if start and count is not None and frames and not code.lstrip().startswith("%%"):
        offset = int(frames[-1]) - 1
        if 0 <= offset < len(code.splitlines()):
            return f"{source.path}:{start + offset}"
    return source.where(index)


def first_error_shown(notebook: NotebookNode) -> tuple[int, NotebookNode] | None:
    """The first error output of a code cell not tagged ``raises-exception``: (cell, output).

    A run that holds one is not a verified solution, even where the cell went on: IPython
    reports an exception raised by a ``%run`` script, or in a cell under ``%%capture``, as
    output and lets the cell succeed, so nbclient does not stop there.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook.

    Returns
    -------
    tuple of (int, nbformat.NotebookNode) or None
        The cell's index and the error output; None if no cell shows one.
    """
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "raises-exception" in cell.metadata.get("tags", []):
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return index, output
    return None


def _error_shown(source: Source, notebook: NotebookNode) -> str | None:
    """``path:line: ...`` for an error a cell showed but went on past, None if none did."""
    shown = first_error_shown(notebook)
    if shown is None:
        return None
    index, output = shown
    traceback = "\n".join(output.get("traceback", []))
    where = _failing_line(source, index, traceback, notebook.cells[index].get("execution_count"))
    return (
        f"{where}: cell {index + 1} showed an error, though it went on: "
        f"{output.ename}: {output.evalue}"
    )


def _describe(
    source: Source,
    notebook: NotebookNode,
    index: int | None,
    failure: Exception,
    cell_timeout: int,
) -> str:
    if index is None:
        return f"{source.path}: the kernel failed before any cell ran: {failure}"
    if isinstance(failure, CellExecutionError):
        count = notebook.cells[index].get("execution_count")
        where = _failing_line(source, index, failure.traceback or "", count)
        return f"{where}: cell {index + 1} failed: {failure.ename}: {failure.evalue}"
    if isinstance(failure, CellTimeoutError):
        summary = (
            f"timed out after {cell_timeout} s (raise the limit with --timeout, or with "
            "'handout: cell_timeout' in the lesson's header where the lesson sets its own)"
        )
    else:
        summary = f"the kernel died: {failure}"
    return f"{source.where(index)}: cell {index + 1} failed: {summary}"
