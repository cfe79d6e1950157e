"""Benchmark: ``handout build`` cold, warm and after edits, against nbconvert and papermill.

    python -m pip install ".[build-bench]" && python tools/benchmarks/build_speed.py

In one run on this machine, on a scratch copy of the lesson (the LeNet lesson unless
``--lesson`` names another), it times, as commands with their start-up included:

1. a cold ``handout build`` (empty cache);
2. a warm one, nothing changed;
3. one after an edit to the text only;
4. one after an edit to a code cell;
5. ``jupyter nbconvert --execute`` and ``papermill`` on the same notebook that ``handout
   build`` executes, in the lesson's folder, with the same environment (headless plots,
   the same data paths);

and prints each time with its ratio to nbconvert's. The three full runs (cold build,
nbconvert, papermill) take turns ``--repeats`` times (default 3), each time starting with
another of them, and their medians are compared.

Then it generates ``--small`` small lessons (each trains a little dense network with
mygrad) and builds them with ``--jobs 1`` (with the libraries' default threads, then with
one thread each), with the default jobs, and with the default jobs but every kernel free
to use every core (``OMP_NUM_THREADS`` and friends set to the core count), printing each
build's wall time and the sum of its lessons' own run times.

``--skip-lesson`` leaves out parts 1-5, which execute the lesson 3 + 2 x ``--repeats`` times.
"""

from __future__ import annotations

import argparse
import os
import re
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

SMALL_LESSON = """---
jupyter:
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---

# Small lesson {number}

A little dense network, trained on random data with mygrad.

```python
import numpy as np
import mygrad as mg
from mygrad.nnet.activations import relu
from mygrad.nnet.losses import softmax_crossentropy
from mynn.layers.dense import dense
from mynn.optimizers.sgd import SGD

rng = np.random.default_rng({number})
images = rng.random((2000, 784), dtype=np.float32)
labels = rng.integers(0, 10, 2000)
```

```python
# <COGINST>
layers = [dense(784, 256), dense(256, 10)]
optimizer = SGD([p for layer in layers for p in layer.parameters], learning_rate=0.01)
for step in range({steps}):
    batch = slice((step * 100) % 2000, (step * 100) % 2000 + 100)
    scores = layers[1](relu(layers[0](images[batch])))
    loss = softmax_crossentropy(scores, labels[batch])
    loss.backward()
    optimizer.step()
print(f"loss {{loss.item():.3f}}")
# </COGINST>
```
"""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    """Run a command; return its wall time and standard output, or stop on failure."""
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        shown = " ".join(command)
        raise SystemExit(f"{shown} failed:\n{completed.stdout[-2000:]}{completed.stderr[-3000:]}")
    return seconds, completed.stdout


def build_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "handout", "build", *args]


def lesson_runs(lesson: Path, scratch: Path, repeats: int) -> None:
    """Parts 1-5: the one lesson through handout build, nbconvert and papermill."""
    import nbformat

    from handout.execute import kernel_environment, notebook_to_execute
    from handout.source import read_source

    course = scratch / "course"
    course.mkdir()
    source = course / lesson.name
    shutil.copy(lesson, source)
    notebook = course / f"{lesson.stem}_to_run.ipynb"
    nbformat.write(notebook_to_execute(read_source(lesson)), notebook)
    env = kernel_environment()  # what handout build gives its kernels: headless, data paths
    build = build_command("course", "-o", "build")
    commands = {
        "handout build, cold": build,
        "jupyter nbconvert --execute": [
            sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
            "--ExecutePreprocessor.timeout=1800", "--output", "nbconvert_out.ipynb",
            str(notebook),
        ],
        "papermill": [
            sys.executable, "-m", "papermill", str(notebook), str(course / "papermill_out.ipynb"),
            "--kernel", "python3", "--execution-timeout", "1800", "--no-progress-bar",
            "--cwd", str(course),
        ],
    }  # fmt: skip
    times: dict[str, list[float]] = {label: [] for label in commands}
    print(f"{lesson.name}: each command timed with its start-up", flush=True)
    labels = list(commands)
    for repeat in range(repeats):
        # Each repeat starts with the next command, so that no tool is always the first run
        # (the first of a series is often the slowest) and drift hits all of them alike.
        shift = repeat % len(labels)
        for label in labels[shift:] + labels[:shift]:
            if label == "handout build, cold":
                shutil.rmtree(scratch / "build", ignore_errors=True)  # an empty cache
            command = commands[label]
            seconds, _ = run(command, scratch if command is build else course, env)
            times[label].append(seconds)
            print(f"  run {repeat + 1}/{repeats}, {label}: {seconds:.1f} s", flush=True)
    for label, edit in (
        ("handout build, warm", None),
        ("handout build, text edited", "\nOne more sentence, added by the benchmark.\n"),
        ("handout build, code edited", '\n```python\nprint("edited")\n```\n'),
    ):
        if edit:
            source.write_text(source.read_text() + edit)
        seconds, report = run(build, scratch, env)
        times[label] = [seconds]
        print(f"  {label}: {seconds:.1f} s ({report.splitlines()[0][:60]}...)", flush=True)
    reference = statistics.median(times["jupyter nbconvert --execute"])
    print(f"\n  {'run':30} {'median s':>9} {'/ nbconvert':>12}  every run")
    for label, seconds in times.items():
        median = statistics.median(seconds)
        shown = ", ".join(f"{s:.1f}" for s in seconds)
        print(f"  {label:30} {median:9.1f} {median / reference:11.3f}x  {shown}")


def small_runs(count: int, steps: int, scratch: Path) -> None:
    """Part 6: several small lessons, one at a time and side by side."""
    from handout.build import available_cores
    from handout.execute import THREAD_VARIABLES

    course = scratch / "small"
    course.mkdir()
    for number in range(count):
        (course / f"small_{number}.md").write_text(SMALL_LESSON.format(number=number, steps=steps))
    cores = available_cores()
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    one_thread = dict(env, **{name: "1" for name in THREAD_VARIABLES})
    every_core = dict(env, **{name: str(cores) for name in THREAD_VARIABLES})
    print(f"\n{count} small lessons on {cores} cores (--force-execute, so each run executes):")
    rows = []
    for label, jobs, environment in (
        ("--jobs 1", "1", env),
        ("--jobs 1, one BLAS thread each", "1", one_thread),
        (f"--jobs {cores} (default)", str(cores), env),
        (f"--jobs {cores}, BLAS threads not limited", str(cores), every_core),
    ):
        out = f"out{len(rows)}"
        command = build_command("small", "-o", out, "--jobs", jobs, "--force-execute")
        wall, report = run(command, scratch, environment)
        each = sum(float(s) for s in re.findall(r"ran in ([\d.]+) s", report))
        rows.append((label, wall, each))
    best_serial = min(rows[0][1], rows[1][1])
    print(f"  {'build':40} {'wall':>7} {'sum of lesson times':>20}")
    for label, wall, each in rows:
        print(f"  {label:40} {wall:6.1f}s {each:19.1f}s")
    print(f"  default jobs against the faster one-at-a-time build: {best_serial / rows[2][1]:.2f}x")


def _lesson_file(text: str) -> Path:
    """A ``--lesson`` that names a Jupytext-markdown lesson."""
    from handout.source import is_jupytext_markdown

    try:
        head = Path(text).read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise argparse.ArgumentTypeError(f"{text}: {error.strerror or error}") from None
    if not is_jupytext_markdown(head):
        raise argparse.ArgumentTypeError(f"{text}: not a Jupytext-markdown lesson")
    return Path(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", type=_lesson_file, default=LESSON, help="the lesson to time")
    parser.add_argument("--skip-lesson", action="store_true", help="only the small lessons")
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=3,
        help="cold build, nbconvert and papermill runs each",
    )
    parser.add_argument("--small", type=positive_int, default=4, help="how many small lessons")
    parser.add_argument(
        "--steps", type=positive_int, default=600, help="training steps per small one"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="build-speed-") as folder:
        scratch = Path(folder)
        if not args.skip_lesson:
            lesson_runs(args.lesson.resolve(), scratch, args.repeats)
        small_runs(args.small, args.steps, scratch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
