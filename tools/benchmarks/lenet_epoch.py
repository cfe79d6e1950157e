"""Benchmark: one epoch of the LeNet lesson, against the bare mygrad step and PyTorch.

    python tools/benchmarks/lenet_epoch.py [--batches N] [--threads T] [--repeats R]

Three runs on the same machine, each in a fresh process so that each peak memory is its own:

- ``lesson``: the lesson's own training cell, executed from ``notebooks/lenet_mnist.md``
  after the cells before it (data, model, optimizer, plotter), as a headless build runs it;
- ``bare``: the same model and optimizer, the same batches, and nothing but the mygrad
  training step (forward, loss, backward, step), then the test set's forward passes, as
  the lesson's epoch ends: the floor that the lesson's loop adds to;
- ``torch``: the same network, initialisation, optimizer and batches in PyTorch on the CPU
  with the same number of threads (needs ``pip install torch==2.13.0``; skipped without).

It prints each run's time, test accuracy and peak memory, the lesson's overhead over the
bare step (the lesson promises at most 5%), and mygrad's time as a multiple of PyTorch's.
Two runs of the same code differ by several percent on a shared machine, so to judge a 5%
budget use ``--repeats 3`` or more: lesson and bare runs then alternate, and medians count.
The data come from ``cogworks_data`` (set ``DATASETS_MIRROR`` where there is no internet).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from handout.arguments import positive_int

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "notebooks" / "lenet_mnist.md"
BATCH = 100
EPOCH_BATCHES = 60_000 // BATCH


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _lesson_cells() -> tuple[list[str], str]:
    """The lesson's code before its training cell, and the training cell."""
    import jupytext

    code = [c.source for c in jupytext.read(LESSON).cells if c.cell_type == "code"]
    training = next(i for i, source in enumerate(code) if "plotter.set_train_batch" in source)
    return code[:training], code[training]


def _prepared_namespace(batches: int) -> dict:
    """Run the lesson's cells up to its training loop, on ``batches`` batches of data."""
    import matplotlib

    matplotlib.use("Agg")
    os.environ["HANDOUT_HEADLESS"] = "1"
    before, _ = _lesson_cells()
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for source in before:
            if source.lstrip().startswith(("%", "!")):
                continue
            exec(compile(source, str(LESSON), "exec"), namespace)
    namespace["x_train"] = namespace["x_train"][: batches * BATCH]
    namespace["y_train"] = namespace["y_train"][: batches * BATCH]
    return namespace


def run_lesson(batches: int) -> dict:
    namespace = _prepared_namespace(batches)
    _, training = _lesson_cells()
    training = re.sub(r"^fig\b.*$", "", training, flags=re.MULTILINE)  # display needs IPython
    output = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(output):
        exec(compile(training, str(LESSON), "exec"), namespace)
    seconds = time.perf_counter() - started
    accuracy = float(re.findall(r"test accuracy (\d\.\d+)", output.getvalue())[-1])
    return {"seconds": seconds, "accuracy": accuracy}


def run_bare(batches: int) -> dict:
    import mygrad as mg
    import numpy as np
    from mygrad.nnet.losses import softmax_crossentropy

    namespace = _prepared_namespace(batches)
    model, optim = namespace["model"], namespace["optim"]
    x_train, y_train = namespace["x_train"], namespace["y_train"]
    x_test, y_test = namespace["x_test"], namespace["y_test"]
    order = np.arange(len(x_train))
    np.random.shuffle(order)
    started = time.perf_counter()
    for start in range(0, len(order), BATCH):
        batch = order[start : start + BATCH]
        loss = softmax_crossentropy(model(x_train[batch]), y_train[batch])
        loss.backward()
        optim.step()
    right = 0
    with mg.no_autodiff:  # the lesson's epoch ends with the test set, in batches of 100 too
        for start in range(0, len(x_test), BATCH):
            scores = model(x_test[start : start + BATCH]).data
            right += int((scores.argmax(axis=1) == y_test[start : start + BATCH]).sum())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "accuracy": right / len(x_test)}


def run_torch(batches: int, threads: int) -> dict:
    import numpy as np
    import torch
    from torch import nn

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    namespace = _prepared_namespace(batches)
    x_train = torch.from_numpy(np.ascontiguousarray(namespace["x_train"]))
    y_train = torch.from_numpy(namespace["y_train"])
    x_test = torch.from_numpy(np.ascontiguousarray(namespace["x_test"]))
    y_test = torch.from_numpy(namespace["y_test"])
    model = nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Conv2d(20, 10, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
        nn.Flatten(), nn.Linear(250, 20), nn.ReLU(), nn.Linear(20, 10),
    )  # fmt: skip
    for layer in model:
        if isinstance(layer, nn.Conv2d | nn.Linear):
            nn.init.xavier_uniform_(layer.weight, gain=np.sqrt(2))
            nn.init.zeros_(layer.bias)
    optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    loss_function = nn.CrossEntropyLoss()
    order = torch.randperm(len(x_train))
    started = time.perf_counter()
    for start in range(0, len(order), BATCH):
        batch = order[start : start + BATCH]
        optim.zero_grad()
        loss = loss_function(model(x_train[batch]), y_train[batch])
        loss.backward()
        optim.step()
    seconds = time.perf_counter() - started
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return {"seconds": seconds, "accuracy": accuracy}


def _in_fresh_process(phase: str, args: argparse.Namespace) -> dict | None:
    command = [sys.executable, __file__, "--phase", phase, "--batches", str(args.batches)]
    command += ["--threads", str(args.threads)]
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    completed = subprocess.run(command, capture_output=True, text=True, env=env)
    if completed.returncode != 0:
        print(f"{phase}: failed\n{completed.stderr.strip()[-2000:]}", file=sys.stderr)
        return None
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--batches",
        type=positive_int,
        default=EPOCH_BATCHES,
        help=f"batches of {BATCH} (default {EPOCH_BATCHES}: an epoch)",
    )
    parser.add_argument("--threads", type=positive_int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--repeats",
        type=positive_int,
        default=1,
        help="lesson and bare runs, alternated (medians used)",
    )
    parser.add_argument("--phase", choices=["lesson", "bare", "torch"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.batches > EPOCH_BATCHES:
        parser.error(f"--batches: at most {EPOCH_BATCHES}, MNIST's 60000 training images")
    if args.phase:
        runner = {"lesson": run_lesson, "bare": run_bare, "torch": run_torch}[args.phase]
        extra = (args.threads,) if args.phase == "torch" else ()
        result = runner(args.batches, *extra)
        print(json.dumps({**result, "peak_mb": _peak_megabytes()}))
        return 0
    print(f"LeNet on MNIST, {args.batches} batches of {BATCH}, {args.threads} threads")
    runs: dict[str, list[dict]] = {"lesson": [], "bare": [], "torch": []}
    phases = ["lesson", "bare"] * args.repeats
    if importlib.util.find_spec("torch") is not None:
        phases.append("torch")
    else:
        print("torch   skipped (pip install torch==2.13.0 to include it)")
    for phase in phases:
        result = _in_fresh_process(phase, args)
        if result:
            runs[phase].append(result)
            print(
                f"{phase:7} {result['seconds']:8.1f} s   test accuracy {result['accuracy']:.4f}"
                f"   peak memory {result['peak_mb']:.0f} MB"
            )
    median = {
        phase: statistics.median(r["seconds"] for r in results)
        for phase, results in runs.items()
        if results
    }
    if "lesson" in median and "bare" in median:
        overhead = median["lesson"] / median["bare"] - 1
        print(
            f"lesson loop over the bare mygrad step: {overhead:+.1%} "
            f"(medians of {args.repeats}; promised: at most +5%)"
        )
    if "bare" in median and "torch" in median:
        print(f"mygrad bare step / PyTorch: {median['bare'] / median['torch']:.1f}x")
    return 0 if "lesson" in median and "bare" in median else 1


if __name__ == "__main__":
    sys.exit(main())
