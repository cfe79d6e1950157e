"""The main job: every lesson's handout, and its solution executed or taken from the cache.

A build goes in two steps. First, one lesson after another (this is quick): read the
source, make its handout, and look its execution up in the cache; a lesson whose cached run
still holds is finished there, its outputs put back into its current text. Then the lessons
that must run execute side by side, up to ``jobs`` kernels at once, each kernel's BLAS
threads limited to its share of the cores. Every lesson's result is reported, whatever the
others did. Ctrl-C or SIGTERM stops every running lesson at once, shutting its kernel down;
what had finished stays written and cached.

``solutions/`` holds only runs that succeeded, of the lessons as they are now: a lesson
that fails has its run written to ``failed/`` instead, and its older solution removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .cache import (
    ExecutionCache,
    describe_changes,
    execution_inputs,
    forget_installed,
    key_of,
    reuse_outputs,
    without_files,
)
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

#: Where a lesson's failed run is written, beside ``solutions/``, which holds only runs that
#: succeeded.
FAILED_FOLDER = "failed"

#: The folders a build writes inside its output folder.
BUILD_FOLDERS = ("handouts", "solutions", FAILED_FOLDER, CACHE_FOLDER)


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
    failed_run : pathlib.Path or None
        Where its run was written if it failed (below ``failed/``, never ``solutions/``).
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
    finished : bool
        The build is done with it (False only for a lesson an interruption stopped).
    """

    lesson: Lesson
    ok: bool = False
    handout: Path | None = None
    solution: Path | None = None
    failed_run: Path | None = None
    seconds: float | None = None
    reused: bool = False
    reason: str = ""
    run_error: str | None = None
    errors: list[str] = field(default_factory=list)
    finished: bool = False


class Interrupted(Exception):
    """The build was stopped (Ctrl-C, SIGTERM) while lessons ran.

    Attributes
    ----------
    results : list of LessonResult
        Every lesson's result; those that had not finished have ``finished`` False, and
        nothing of theirs was written or cached.
    signal_number : int
        The signal that stopped it (``signal.SIGINT`` for Ctrl-C).
    """

    def __init__(self, results: list[LessonResult], signal_number: int = signal.SIGINT):
        super().__init__("the build was interrupted")
        self.results = results
        self.signal_number = signal_number


@dataclass
class _Plan:
    """A lesson that must run, and what to write once it has."""

    result: LessonResult
    source: Source
    files: dict[Path, str]
    inputs: dict
    cell_timeout: int
    #: Files that an earlier run of the lesson created: its output, not its input.
    written: list[str]


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

    Raises
    ------
    Interrupted
        On Ctrl-C or SIGTERM while lessons run.
    """
    progress = progress or Progress(bars=False)
    cache = ExecutionCache(out_dir / CACHE_FOLDER)
    forget_installed()
    results, plans, claimed = [], [], {}
    for lesson in lessons:
        result = LessonResult(lesson)
        results.append(result)
        first = claimed.setdefault(lesson.relative, lesson)
        if first is not lesson:
            result.errors.append(
                f"{lesson.path}: its outputs would replace those of {first.path} (both are "
                f"{lesson.relative.as_posix()} in the output); rename one, or build each into "
                "an output folder of its own"
            )
            result.reason = "its outputs would replace another lesson's"
            plan = None
        else:
            plan = _prepare(result, out_dir, cache, cell_timeout, force_execute)
        if plan is None:
            result.finished = True
            on_result(result)
        else:
            plans.append(plan)
    if plans:
        stopped = _run_off_the_main_thread(
            lambda stop: _execute_all(
                plans, out_dir, cache, jobs, progress, on_start, on_result, stop
            )
        )
        if stopped:
            raise Interrupted(results, stopped)
    return results


def outputs_of_removed_lessons(out_dir: Path) -> list[tuple[Path, str]]:
    """Files in the build folder made by a lesson whose source is gone: (file, its source).

    The cache records each lesson's source, so this holds whichever lessons a build was
    given: a lesson renamed or removed since leaves its handout, solution, failed run and
    cache entry behind, which are listed here (and left in place).
    """
    cache_folder = out_dir / CACHE_FOLDER
    found = []
    for entry, source in ExecutionCache(cache_folder).orphans():
        lesson = Lesson(Path(source), entry.relative_to(cache_folder).with_suffix(".md"))
        made = [lesson.handout_path(out_dir / "handouts")]
        made += [lesson.solution_path(out_dir / name) for name in ("solutions", FAILED_FOLDER)]
        found += [(path, source) for path in [*made, entry] if path.is_file()]
    return found


def _run_off_the_main_thread(lessons: Callable[[asyncio.Event], Coroutine]) -> int | None:
    """Run ``lessons(stop)`` in an event loop of its own thread; on Ctrl-C, set ``stop``.

    nbclient gives the event loop SIGINT and SIGTERM handlers for each notebook it runs, and
    takes them away when that notebook ends; with lessons side by side, a signal would
    reach only the newest lesson, or none once one had finished. Outside the main thread it
    cannot set them, so the signals stay with this thread, which asks every lesson to stop
    and waits while each interrupts and shuts down its kernel. A second signal leaves at
    once (the kernels, which watch their parent process, then stop by themselves).

    The signals are handled here rather than as KeyboardInterrupt: raised inside
    ``Thread.join``, that can leave the thread marked as finished while it still runs
    (CPython before 3.13), and the process then exits with kernels and sockets still open,
    which can hang it.

    Returns
    -------
    int or None
        The signal that asked the lessons to stop, None if none did.
    """
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure, received = [], []

    def on_signal(number: int, frame) -> None:
        if received:
            raise KeyboardInterrupt  # a second signal: leave at once
        received.append(number)
        with contextlib.suppress(RuntimeError):  # a closed loop: the lessons are done anyway
            loop.call_soon_threadsafe(stop.set)

    def run() -> None:
        try:
            loop.run_until_complete(lessons(stop))
        except BaseException as error:  # raised again in the main thread
            failure.append(error)
        finally:
            loop.close()

    worker = threading.Thread(target=run, name="handout-lessons", daemon=True)
    in_main = threading.current_thread() is threading.main_thread()
    handled = (signal.SIGINT, signal.SIGTERM) if in_main else ()
    previous = {number: signal.signal(number, on_signal) for number in handled}
    try:
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if failure:
        raise failure[0]
    return received[0] if received else None


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
        _remove_stale(handout, result, "it no longer matched its source")
        _remove_stale(lesson.solution_path(out_dir / "solutions"), result, NO_SOLUTION)
        return None
    files = {}
    try:
        files[handout] = nbformat.writes(make_handout(source)) + "\n"
    except MarkerError as error:
        result.errors.append(str(error))
        _remove_stale(handout, result, "it no longer matched its source")
    try:
        timeout = lesson_cell_timeout(source, cell_timeout)
    except MarkerError as error:
        result.errors.append(str(error))
        result.reason = "its settings are wrong (see the error above)"
        result.errors += write_files(files)
        _remove_stale(lesson.solution_path(out_dir / "solutions"), result, NO_SOLUTION)
        return None
    inputs = execution_inputs(source)
    cached, result.reason = (
        (None, "--force-execute") if force else cache.lookup(lesson, inputs, timeout)
    )
    if cached is None:
        written = cache.written_before(lesson)
        return _Plan(result, source, files, without_files(inputs, written), timeout, written)
    solution = lesson.solution_path(out_dir / "solutions")
    files[solution] = nbformat.writes(reuse_outputs(notebook_to_execute(source), cached)) + "\n"
    result.reused = True
    _finish(result, files, handout, solution)
    _remove_failed_run(lesson, out_dir)
    return None


#: Why a failed lesson's older solution is removed: solutions/ holds only verified runs.
NO_SOLUTION = "the lesson failed in this build, so it has no verified solution now"


def _remove_stale(path: Path, result: LessonResult, why: str) -> None:
    """Remove a file an earlier build wrote that no longer holds, and say so."""
    try:
        if path.is_file():
            path.unlink()
            result.errors.append(f"removed {path}: {why}")
    except OSError as error:
        result.errors.append(f"cannot remove the stale {path}: {error.strerror or error}")


def _remove_failed_run(lesson: Lesson, out_dir: Path) -> None:
    """Remove the lesson's failed run from an earlier build, now that it has succeeded."""
    try:
        lesson.solution_path(out_dir / FAILED_FOLDER).unlink(missing_ok=True)
    except OSError as error:
        logger.warning("cannot remove %s's old failed run: %s", lesson.path, error)


async def _execute_all(
    plans: list[_Plan],
    out_dir: Path,
    cache: ExecutionCache,
    jobs: int,
    progress: Progress,
    on_start: Callable[[LessonResult], None],
    on_result: Callable[[LessonResult], None],
    stop: asyncio.Event,
) -> None:
    """Run the planned lessons, at most ``jobs`` at once, sharing the cores between them.

    Once ``stop`` is set, running lessons stop and no other starts; nothing of theirs is
    written or cached, and they stay unfinished.
    """
    side_by_side = max(1, min(jobs, len(plans)))
    threads = None if side_by_side == 1 else max(1, available_cores() // side_by_side)
    env = kernel_environment(threads)
    slots = asyncio.Semaphore(side_by_side)

    async def run(plan: _Plan) -> None:
        lesson, result = plan.result.lesson, plan.result
        name = str(lesson.path)
        async with slots:
            if stop.is_set():
                return
            on_start(result)
            progress.started(name, len(plan.source.notebook.cells))
            try:
                execution = await execute_solution_async(
                    plan.source,
                    plan.cell_timeout,
                    env,
                    on_cell=lambda index: progress.cell(name, index),
                    stop=stop,
                )
            finally:
                progress.finished(name)
        if execution.stopped:
            return
        result.seconds = execution.seconds
        solution = lesson.solution_path(out_dir / "solutions")
        failed = lesson.solution_path(out_dir / FAILED_FOLDER)
        executed = nbformat.writes(execution.notebook) + "\n"
        if execution.error:
            result.run_error = execution.error
            result.errors.append(execution.error)
            plan.files[failed] = executed
            if execution.code_failed:  # the code fails: an older run of it no longer holds
                cache.discard(lesson)  # (out of time, a kernel that died: it may still hold)
            _remove_stale(solution, result, NO_SOLUTION)
        else:
            plan.files[solution] = executed
            _cache_run(cache, plan, execution)
        handout = lesson.handout_path(out_dir / "handouts")
        _finish(result, plan.files, handout, solution, failed)
        if not execution.error:
            _remove_failed_run(lesson, out_dir)
        result.finished = True
        on_result(result)

    await asyncio.gather(*(run(plan) for plan in plans))


def _cache_run(cache: ExecutionCache, plan: _Plan, execution) -> None:
    """Keep a run that succeeded, if its inputs did not change while it ran.

    The inputs are read again: a data file or module edited during the run may or may not
    have been seen by it, so such a run is not kept (the next build runs the lesson again).
    Named files that the run created, or that an earlier run created, are its output and
    are left out of the comparison.
    """
    path = plan.result.lesson.path
    try:
        after = execution_inputs(read_source(path))
    except MarkerError as error:
        logger.warning("not caching %s: it cannot be read again after its run: %s", path, error)
        return
    created = sorted(set(after["files"]) - set(plan.inputs["files"]) | set(plan.written))
    after = without_files(after, created)
    if key_of(after) != key_of(plan.inputs):
        changed = describe_changes(plan.inputs, after)
        hint = (
            "; if the lesson writes these files itself, remove them and build again, so that "
            "its run creates them"
            if changed.startswith("file ")
            else ""
        )
        logger.warning("not caching %s: while it ran, %s%s", path, changed, hint)
        return
    try:
        cache.store(
            plan.result.lesson,
            plan.inputs,
            execution.notebook,
            execution.slowest_cell,
            written=created,
        )
    except OSError as error:  # the build's results stand; the next build runs again
        logger.warning("could not cache %s: %s", path, error)  # naming the file, if any


def _finish(
    result: LessonResult,
    files: dict[Path, str],
    handout: Path,
    solution: Path,
    failed: Path | None = None,
) -> None:
    """Write a lesson's files and record in ``result`` what was written."""
    errors = write_files(files)
    result.errors += errors
    written = [path for path in files if not any(str(path) in error for error in errors)]
    result.handout = handout if handout in written else None
    result.solution = solution if solution in written else None
    result.failed_run = failed if failed in written else None
    result.ok = not result.errors
