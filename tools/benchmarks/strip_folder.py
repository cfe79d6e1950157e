"""Benchmark: how long handouts take, for one LeNet-sized lesson and for a folder of 200.

    python tools/benchmarks/strip_folder.py [--copies 200] [--cogbooks PATH]

Prints the time to build one handout in process (the median of several runs), and the wall
time of the ``handout strip`` command on a folder holding ``--copies`` copies of the LeNet
lesson, start-up included. With ``--cogbooks`` naming the ``cogbooks`` executable of a
scratch environment (never a dependency of this project), the same folder is given to it too
and its time printed beside ours.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from handout.arguments import positive_int

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "notebooks" / "lenet_mnist.md"


def one_handout(runs: int = 20) -> float:
    """Median seconds to read, strip and audit the LeNet lesson, and render its handout."""
    import nbformat

    from handout.source import read_source
    from handout.student import make_handout

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        nbformat.writes(make_handout(read_source(LESSON)))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{completed.stderr[-2000:]}")
    return seconds


def _program(text: str) -> str:
    """A ``--cogbooks`` that names a program that can be run."""
    found = shutil.which(text)
    if found is None:
        raise argparse.ArgumentTypeError(f"{text}: no such program")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=positive_int, default=200)
    parser.add_argument(
        "--cogbooks", type=_program, help="the cogbooks executable of a scratch environment"
    )
    args = parser.parse_args()
    print(f"one LeNet-sized handout, in process: {one_handout() * 1000:.0f} ms (median of 20)")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "lessons"
        for copy in range(args.copies):
            target = folder / f"unit{copy // 20:02d}" / f"lesson{copy:03d}.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(LESSON, target)
        out = Path(scratch) / "handouts"
        ours = timed([sys.executable, "-m", "handout", "strip", str(folder), "-o", str(out)])
        written = len(list(out.rglob("*.ipynb")))
        print(f"handout strip, {args.copies} lessons: {ours:.2f} s ({written} handouts written)")
        if args.cogbooks:
            flat = Path(scratch) / "flat"  # cogbooks does not walk sub-folders
            flat.mkdir()
            for source in folder.rglob("*.md"):
                shutil.copyfile(source, flat / source.name)
            theirs = timed([args.cogbooks, str(flat), "--dir", str(Path(scratch) / "cog")])
            print(f"cogbooks, same {args.copies} lessons: {theirs:.2f} s")
            print(f"handout strip / cogbooks: {ours / theirs:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
