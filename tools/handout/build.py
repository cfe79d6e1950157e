"""The main job: every lesson's handout, and its solution executed or taken from the cache.

A build goes in two steps. First, one lesson after another (this is quick): read the
source, make its handout, and look its execution up in the cache; a lesson whose cached run
still holds is finished there, its outputs put back into its current text. Then the lessons
that must run execute side by side, up to ``jobs`` kernels at once, each kernel's BLAS
threads limited to its share of the cores. Every lesson's result is reported, whatever the
others did.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .cache import ExecutionCache, execution_inputs, forget_installed, reuse_outputs
from .execute import (
    execute_solution_async,
    kernel_environment,
    lesson_cell_timeout,
    notebook_to_execute,
)
from .files import Lesson, write_files
from .markers import MarkerError
from .progress import Progress
from .source import Source, read_source
from .student import make_handout

logger = logging.getLogger(__name__)

#: The cache's folder inside a build's output folder.
CACHE_FOLDER = ".cache"


def available_cores() -> int:
    """The cores this process may run on (fewer than the machine's under a CPU affinity)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


@dataclass
class LessonResult:
    """What the build did with one lesson.

    Attributes
    ----------
    lesson : Lesson
    ok : bool
        Its handout was written and its solution ran (or was reused) without error.
    handout : pathlib.Path or None
        The handout written, None if it was refused or could not be written.
    solution : pathlib.Path or None
        The executed solution written, None if there is none.
    seconds : float or None
        How long it ran; None when its cached run was reused or it never ran.
    reused : bool
        Its cached run was reused rather than run again.
    reason : str
        Why it ran (what changed since its cached run), or why it could not.
    run_error : str or None
        How its execution failed, if it did (also among ``errors``).
    errors : list of str
        Messages for standard error, each naming a file and, where there is one, a line.
    """

    lesson: Lesson
    ok: bool = False
    handout: Path | None = None
    solution: Path | None = None
    seconds: float | None = None
    reused: bool = False
    reason: str = ""
    run_error: str | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    """A lesson that must run, and what to write once it has."""

    result: LessonResult
    source: Source
    files: dict[Path, str]
    inputs: dict
    cell_timeout: int


def build(
    lessons: list[Lesson],
    out_dir: Path,
    *,
    jobs: int,
    cell_timeout: int,
    force_execute: bool = False,
    progress: Progress | None = None,
    on_start: Callable[[LessonResult], None] = lambda result: None,
    on_result: Callable[[LessonResult], None] = lambda result: None,
) -> list[LessonResult]:
    """Build every lesson into ``out_dir/handouts`` and ``out_dir/solutions``.

    Parameters
    ----------
    lessons : list of Lesson
        The instructor sources.
    out_dir : pathlib.Path
        The build folder; the cache is its ``.cache`` folder.
    jobs : int
        How many lessons may execute at once.
    cell_timeout : int
        Seconds one cell may run, for lessons that do not set their own.
    force_execute : bool, optional
        Run every lesson even where its cached run still holds.
    progress : Progress, optional
        Where to report cells as they start; default plain log lines.
    on_start, on_result : callable, optional
        Called with a lesson's result as it starts executing and once it is finished.

    Returns
    -------
    list of LessonResult
        One per lesson, in the order given.
    """
    progress = progress or Progress(bars=False)
    cache = ExecutionCache(out_dir / CACHE_FOLDER)
    forget_installed()
    results, plans = [], []
    for lesson in lessons:
        result = LessonResult(lesson)
        results.append(result)
        plan = _prepare(result, out_dir, cache, cell_timeout, force_execute)
        if plan is None:
            on_result(result)
        else:
            plans.append(plan)
    if plans:
        asyncio.run(_execute_all(plans, out_dir, cache, jobs, progress, on_start, on_result))
    return results


def _prepare(
    result: LessonResult, out_dir: Path, cache: ExecutionCache, cell_timeout: int, force: bool
) -> _Plan | None:
    """Read a lesson, write its handout, and reuse its cached run if it holds.

    Returns what remains to be done: None when the lesson is finished (or cannot go on).
    """
    lesson = result.lesson
    handout = lesson.handout_path(out_dir / "handouts")
    try:
        source = read_source(lesson.path)
    except MarkerError as error:
        result.errors.append(str(error))
        result.reason = "cannot be read (see the error above)"
        return None
    files = {}
    try:
        files[handout] = nbformat.writes(make_handout(source)) + "\n"
    except MarkerError as error:
        result.errors.append(str(error))
        if handout.is_file():
            handout.unlink()
            result.errors.append(f"removed {handout}, which no longer matched its source")
    try:
        timeout = lesson_cell_timeout(source, cell_timeout)
    except MarkerError as error:
        result.errors.append(str(error))
        result.reason = "its settings are wrong (see the error above)"
        result.errors += write_files(files)
        return None
    inputs = execution_inputs(source)
    cached, result.reason = (None, "--force-execute") if force else cache.lookup(lesson, inputs)
    if cached is None:
        return _Plan(result, source, files, inputs, timeout)
    solution = lesson.solution_path(out_dir / "solutions")
    files[solution] = nbformat.writes(reuse_outputs(notebook_to_execute(source), cached)) + "\n"
    result.reused = True
    _finish(result, files, handout, solution)
    return None


async def _execute_all(
    plans: list[_Plan],
    out_dir: Path,
    cache: ExecutionCache,
    jobs: int,
    progress: Progress,
    on_start: Callable[[LessonResult], None],
    on_result: Callable[[LessonResult], None],
) -> None:
    """Run the planned lessons, at most ``jobs`` at once, sharing the cores between them."""
    side_by_side = max(1, min(jobs, len(plans)))
    threads = None if side_by_side == 1 else max(1, available_cores() // side_by_side)
    env = kernel_environment(threads)
    slots = asyncio.Semaphore(side_by_side)

    async def run(plan: _Plan) -> None:
        lesson, result = plan.result.lesson, plan.result
        name = str(lesson.path)
        async with slots:
            on_start(result)
            progress.started(name, len(plan.source.notebook.cells))
            try:
                execution = await execute_solution_async(
                    plan.source,
                    plan.cell_timeout,
                    env,
                    on_cell=lambda index: progress.cell(name, index),
                )
            finally:
                progress.finished(name)
        result.seconds = execution.seconds
        solution = lesson.solution_path(out_dir / "solutions")
        plan.files[solution] = nbformat.writes(execution.notebook) + "\n"
        if execution.error:
            result.run_error = execution.error
            result.errors.append(execution.error)
        else:
            try:
                cache.store(lesson, plan.inputs, execution.notebook)
            except OSError as error:  # the build's results stand; the next build runs again
                logger.warning("could not cache %s: %s", lesson.path, error.strerror or error)
        _finish(result, plan.files, lesson.handout_path(out_dir / "handouts"), solution)
        on_result(result)

    await asyncio.gather(*(run(plan) for plan in plans))


def _finish(result: LessonResult, files: dict[Path, str], handout: Path, solution: Path) -> None:
    """Write a lesson's files and record in ``result`` what was written."""
    errors = write_files(files)
    result.errors += errors
    written = [path for path in files if not any(str(path) in error for error in errors)]
    result.handout = handout if handout in written else None
    result.solution = solution if solution in written else None
    result.ok = not result.errors
