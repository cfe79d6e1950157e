"""The ``handout`` command line.

``strip`` writes student handouts, ``solution`` writes solution notebooks without markers or
notes, ``check`` lints sources and finds stale handouts (for CI and pre-commit), and
``build`` does the main job: every handout, and every solution executed.

Results go to standard output, diagnostics to standard error. The exit status is 0 when
everything asked for was done, 1 when a source was refused or a lesson failed, and 2 for a
usage error.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import nbformat

from . import __version__
from .arguments import positive_int
from .build import (
    BUILD_FOLDERS,
    Interrupted,
    LessonResult,
    available_cores,
    build,
    outputs_of_removed_lessons,
)
from .execute import DEFAULT_CELL_TIMEOUT
from .files import Lesson, find_lessons, write_files
from .markers import MarkerError
from .progress import Progress
from .solution import make_solution
from .source import read_source
from .student import make_handout

logger = logging.getLogger("handout")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="handout",
        description="Student handouts and verified solutions from Jupytext-markdown lessons.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    verbosity = common.add_mutually_exclusive_group()
    verbosity.add_argument("-v", "--verbose", action="store_true", help="say more on stderr")
    verbosity.add_argument("-q", "--quiet", action="store_true", help="only errors on stderr")
    commands = parser.add_subparsers(dest="command", required=True)

    strip = commands.add_parser(
        "strip", parents=[common], help="write a student .ipynb for each source"
    )
    strip.add_argument("paths", nargs="+", type=Path, help="Jupytext .md files or folders")
    strip.add_argument(
        "-o", "--output", type=Path, default=Path("handouts"), help="folder (default: handouts)"
    )
    strip.add_argument("--force", action="store_true", help="overwrite existing handouts")

    solution = commands.add_parser(
        "solution", parents=[common], help="write each source's solution notebook (.ipynb)"
    )
    solution.add_argument("paths", nargs="+", type=Path, help="Jupytext .md files or folders")
    solution.add_argument(
        "-o", "--output", type=Path, default=Path("solutions"), help="folder (default: solutions)"
    )
    solution.add_argument("--force", action="store_true", help="overwrite existing notebooks")

    check = commands.add_parser(
        "check",
        parents=[common],
        help="lint sources, and find handouts that are missing or out of date",
    )
    check.add_argument(
        "paths", nargs="*", type=Path, default=[Path("notebooks")], help="default: notebooks"
    )
    check.add_argument(
        "--handouts", type=Path, help="the handout folder to compare with the sources"
    )

    build = commands.add_parser(
        "build", parents=[common], help="write every handout and execute every solution notebook"
    )
    build.add_argument(
        "paths", nargs="*", type=Path, default=[Path("notebooks")], help="default: notebooks"
    )
    build.add_argument(
        "-o", "--output", type=Path, default=Path("build"), help="folder (default: build)"
    )
    build.add_argument(
        "--timeout",
        type=positive_int,
        default=DEFAULT_CELL_TIMEOUT,
        help="seconds one cell may run, unless a lesson sets its own 'handout: cell_timeout' "
        f"(default: {DEFAULT_CELL_TIMEOUT})",
    )
    build.add_argument(
        "-j",
        "--jobs",
        type=positive_int,
        default=available_cores(),
        help="lessons executed at once (default: the number of cores, here %(default)s)",
    )
    build.add_argument(
        "--force-execute",
        action="store_true",
        help="execute every lesson, even one whose cached run still holds",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments, without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 when a source was refused or a lesson failed, 2 on a usage error;
        for a build stopped by Ctrl-C or SIGTERM, 128 plus the signal's number (130, 143).
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exit:
        return int(exit.code or 0)
    _configure_logging(
        logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.INFO
    )
    try:
        lessons = find_lessons(args.paths)
    except FileNotFoundError as error:
        return _fail(str(error))
    if not lessons:
        return _fail(f"no Jupytext-markdown lessons in {', '.join(map(str, args.paths))}")
    if args.command == "strip":
        return _write_notebooks(_handouts(lessons, args.output), args.output, args.force)
    if args.command == "solution":
        return _write_notebooks(_solutions(lessons, args.output), args.output, args.force)
    if args.command == "check":
        return _check(lessons, args.handouts)
    return _build(lessons, args)


def _configure_logging(level: int) -> None:
    """Send this project's log records to stderr; leave other libraries' loggers alone.

    Except one: when a cell fails, jupyter_client warns through traitlets that it "could
    not destroy zmq context" while nbclient tears the kernel down. The teardown still
    completes, so that warning is only shown with ``-v``.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("handout: %(message)s"))
    ours = logging.getLogger("handout")
    ours.handlers[:] = [handler]
    ours.setLevel(level)
    ours.propagate = False
    logging.getLogger("traitlets").setLevel(
        logging.DEBUG if level == logging.DEBUG else logging.ERROR
    )


def _fail(message: str) -> int:
    print(f"handout: {message}", file=sys.stderr)
    return 1


def _render(
    lessons: list[Lesson], target_of: Callable[[Lesson], Path], make: Callable
) -> tuple[dict[Path, str], list[str]]:
    """Make one notebook per lesson in memory: {output path: text}, and the errors met."""
    written, errors = {}, []
    for lesson in lessons:
        target = target_of(lesson)
        if target in written:
            errors.append(f"{lesson.path}: its output {target} would replace another's")
            continue
        try:
            written[target] = nbformat.writes(make(read_source(lesson.path))) + "\n"
        except MarkerError as error:
            errors.append(str(error))
    return written, errors


def _handouts(lessons: list[Lesson], out_dir: Path) -> tuple[dict[Path, str], list[str]]:
    """Every student handout, in memory."""
    return _render(lessons, lambda lesson: lesson.handout_path(out_dir), make_handout)


def _solutions(lessons: list[Lesson], out_dir: Path) -> tuple[dict[Path, str], list[str]]:
    """Every solution notebook, in memory."""
    return _render(lessons, lambda lesson: lesson.solution_notebook_path(out_dir), make_solution)


def _output_folder_problem(out_dir: Path) -> str | None:
    for folder in (out_dir, *out_dir.parents):
        if folder.exists():
            if folder.is_dir():
                return None
            return f"{out_dir}: {'it' if folder == out_dir else folder} is a file, not a folder"
    return None


def _unwritable(out_dir: Path) -> str | None:
    """Why the build could not write its outputs into ``out_dir``: found out before lessons
    run for minutes, not after. (A lesson's own subfolder is not tried until it is written.)
    """
    folder = out_dir
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for folder in (out_dir, *(out_dir / name for name in BUILD_FOLDERS)):
            if folder.exists() and not folder.is_dir():
                return f"{folder}: the build needs a folder there, and it is a file"
            if folder.is_dir():
                with tempfile.TemporaryFile(dir=folder):
                    pass
    except OSError as error:
        return f"{folder}: cannot write there: {error.strerror or error}"
    return None


def _write_notebooks(made: tuple[dict[Path, str], list[str]], out_dir: Path, force: bool) -> int:
    """Write notebooks made in memory, all or none: any error, and nothing is written."""
    handouts, errors = made
    folders = {out_dir} | {path.parent for path in handouts}
    errors += sorted(filter(None, map(_output_folder_problem, folders)))
    if not force:
        errors += [
            f"{path} exists; pass --force to replace it" for path in handouts if path.exists()
        ]
    errors += [f"{path} is a folder" for path in handouts if path.is_dir()]
    if errors:
        for error in errors:
            _fail(error)
        return _fail("nothing written")
    errors = write_files(handouts)
    for error in errors:
        _fail(error)
    for path in handouts:
        if path.is_file() and not any(str(path) in error for error in errors):
            print(f"wrote {path}")
    return 1 if errors else 0


def _check(lessons: list[Lesson], handout_dir: Path | None) -> int:
    """Lint every source; with a handout folder, also compare each handout with its source."""
    handouts, errors = _handouts(lessons, handout_dir or Path())
    for path, text in handouts.items() if handout_dir else ():
        if not path.is_file():
            errors.append(f"{path}: missing; run 'handout strip' to write it")
        elif _read_bytes(path) != text.encode("utf-8"):
            errors.append(f"{path}: out of date with its source; run 'handout strip --force'")
    for error in errors:
        _fail(error)
    if errors:
        return 1
    sources = f"{len(lessons)} source{'s' if len(lessons) != 1 else ''}"
    print(f"checked {sources}{' and their handouts' if handout_dir else ''}: all good")
    return 0


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None  # unreadable counts as out of date


def _build(lessons: list[Lesson], args: argparse.Namespace) -> int:
    """Write every handout and execute (or reuse) every solution; report each lesson."""
    problem = _output_folder_problem(args.output) or _unwritable(args.output)
    if problem:
        return _fail(problem)
    progress = Progress.for_stream() if not args.quiet else Progress(bars=False)

    def on_start(result: LessonResult) -> None:
        progress.write(f"running {result.lesson.path} ({result.reason}) ...")

    def on_result(result: LessonResult) -> None:
        for error in result.errors:
            progress.write(f"handout: {error}", sys.stderr)
        path = result.lesson.path
        if result.run_error:
            partial = result.failed_run or "not written (see the errors)"
            progress.write(f"FAILED {path} after {result.seconds:.1f} s; its run: {partial}")
        elif result.seconds is None and not result.reused:
            progress.write(f"FAILED {path}: {result.reason}")
        else:
            how = (
                "reused its cached run: nothing its outputs depend on changed"
                if result.reused
                else f"ran in {result.seconds:.1f} s"
            )
            progress.write(f"{'ok    ' if result.ok else 'FAILED'} {path} {how}")
            progress.write(f"       executed solution: {result.solution or 'not written'}")
            handout = result.handout or "not written (see the errors)"
            progress.write(f"       student handout:   {handout}")

    received = []

    def on_terminate(number, frame):
        received.append(number)
        raise KeyboardInterrupt

    # SIGTERM stops a build as Ctrl-C does (signals can be set only in the main thread);
    # while lessons run, the build handles both itself and raises Interrupted.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_terminate) if in_main else None
    try:
        results = build(
            lessons,
            args.output,
            jobs=args.jobs,
            cell_timeout=args.timeout,
            force_execute=args.force_execute,
            progress=progress,
            on_start=on_start,
            on_result=on_result,
        )
    except (Interrupted, KeyboardInterrupt) as stop:
        number = getattr(stop, "signal_number", received[0] if received else signal.SIGINT)
        stopped = [r.lesson.path for r in getattr(stop, "results", []) if not r.finished]
        named = ", ".join(map(str, stopped)) or "the lessons not yet reported"
        _fail(
            f"stopped by {signal.Signals(number).name}: {named} did not finish; nothing of "
            "theirs was written or cached, and their earlier outputs are as they were"
        )
        return 128 + number
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
    for path, source in outputs_of_removed_lessons(args.output):
        progress.write(
            f"handout: {path}: its lesson {source} is gone; left as it is: remove it before "
            "handing the folder out",
            sys.stderr,
        )
    return 0 if all(result.ok for result in results) else 1
