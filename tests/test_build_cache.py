"""``handout build``'s execution cache, parallel jobs and progress, on small lessons.

Each build here starts real kernels, so a test that says a lesson "ran" or "was reused"
checks what the build reported and what it wrote, not a mock.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from cogworks_data import registry
from handout.build import CACHE_FOLDER, available_cores
from handout.cli import main
from handout.execute import THREAD_VARIABLES, kernel_environment
from handout.progress import Progress

from test_strip_cli import HEADER, write

LESSON = (
    HEADER
    + """
Some text.

```python
import numpy as np
total = int(np.arange(5).sum())
print("total", total)
```

```python
# <COGINST>
answer = total * 2
# </COGINST>
print("answer", answer)
```
"""
)


def build(*paths: Path, out: Path, extra: tuple[str, ...] = ()) -> int:
    return main(["build", *map(str, paths), "-o", str(out), *extra])


def outputs(solution: Path) -> list[str]:
    """The text each code cell of an executed notebook printed."""
    notebook = nbformat.read(solution, as_version=4)
    return [
        "".join(output.get("text", "") for output in cell.outputs)
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]


@pytest.fixture
def built(tmp_path, capsys):
    """A lesson built once: (source, build folder, the cache entry)."""
    source = write(tmp_path / "lessons" / "unit" / "sums.md", LESSON)
    out = tmp_path / "build"
    assert build(source.parent.parent, out=out) == 0
    assert "running " in capsys.readouterr().out
    return source, out, out / CACHE_FOLDER / "unit" / "sums.ipynb"


def rebuild(source: Path, out: Path, capsys, *extra: str) -> tuple[int, str, str]:
    status = build(source.parent.parent, out=out, extra=extra)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_nothing_changed_reuses_the_cached_run(built, capsys):
    source, out, entry = built
    assert entry.is_file()
    solution = out / "solutions" / "unit" / "sums.ipynb"
    first = outputs(solution)
    solution.unlink()
    status, report, _ = rebuild(source, out, capsys)
    assert status == 0
    assert "reused its cached run" in report and "running " not in report
    assert outputs(solution) == first == ["total 10\n", "answer 20\n"]
    assert "handout_cache" not in nbformat.read(solution, as_version=4).metadata


def test_markdown_edit_reuses_outputs_under_the_new_text(built, capsys):
    source, out, _ = built
    write(source, source.read_text().replace("Some text.", "Better text, and more of it."))
    status, report, _ = rebuild(source, out, capsys)
    assert status == 0 and "reused its cached run" in report
    solution = nbformat.read(out / "solutions" / "unit" / "sums.ipynb", as_version=4)
    assert "Better text" in solution.cells[0].source
    assert outputs(out / "solutions" / "unit" / "sums.ipynb") == ["total 10\n", "answer 20\n"]
    handout = (out / "handouts" / "unit" / "sums_STUDENT.ipynb").read_text()
    assert "Better text" in handout


def test_code_edit_runs_again_and_says_why(built, capsys):
    source, out, _ = built
    write(source, source.read_text().replace("total * 2", "total * 3"))
    status, report, _ = rebuild(source, out, capsys)
    assert status == 0
    assert f"running {source} (its code changed)" in report
    assert outputs(out / "solutions" / "unit" / "sums.ipynb")[1] == "answer 30\n"


def test_force_execute_runs_even_with_a_valid_cache(built, capsys):
    source, out, _ = built
    status, report, _ = rebuild(source, out, capsys, "--force-execute")
    assert status == 0 and "(--force-execute)" in report and "reused" not in report


ERROR_OUTPUT = '"ename": "RuntimeError"'


def shows_an_error(text: str) -> str:
    """An entry from before a build refused runs with an error a cell showed and went past."""
    entry = json.loads(text)
    error = {"output_type": "error", "ename": "RuntimeError", "evalue": "x", "traceback": []}
    entry["cells"][-1]["outputs"].append(error)
    return json.dumps(entry)


def rebook(text: str, **inputs) -> str:
    """An entry whose key no longer matches, and whose recorded inputs are malformed."""
    entry = json.loads(text)
    record = entry["metadata"]["handout_cache"]
    record["key"] = "0"
    record["inputs"].update(inputs)
    return json.dumps(entry)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda text: "\x00\x13garbage" + text[:40], id="garbage"),
        pytest.param(lambda text: text[: len(text) // 2], id="truncated-write"),
        pytest.param(lambda text: text.replace("answer 20", "answer 21"), id="edited-output"),
        pytest.param(
            lambda text: text.replace('"execution_count": 2', '"execution_count": null'),
            id="cell-never-ran",
        ),
        pytest.param(lambda text: '{"nbformat": 4, "nbformat_minor": 5}', id="not-a-notebook"),
        pytest.param(lambda text: "{}", id="empty-object"),
        pytest.param(lambda text: "[]", id="json-array"),
        pytest.param(lambda text: shows_an_error(text), id="a-cell-shows-an-error"),
        pytest.param(lambda text: rebook(text, packages="oops"), id="packages-a-string"),
        pytest.param(lambda text: rebook(text, packages={"numpy": 5}), id="version-a-number"),
        pytest.param(lambda text: rebook(text, files=5), id="files-a-number"),
    ],
)
def test_damaged_entry_is_discarded_and_the_lesson_runs_again(built, capsys, damage):
    source, out, entry = built
    damaged = damage(entry.read_text())
    if 'execution_count": null' in damaged or ERROR_OUTPUT in damaged:  # keep the digest right
        notebook = json.loads(damaged)
        from handout.cache import _cells_digest

        notebook["metadata"]["handout_cache"]["cells"] = _cells_digest(
            nbformat.reads(damaged, as_version=4).cells  # as a lookup reads them
        )
        damaged = json.dumps(notebook)
    entry.write_text(damaged)
    status, report, errors = rebuild(source, out, capsys)
    assert status == 0
    assert f"discarding the cached run {entry}" in errors
    assert f"running {source} (its cached run was damaged)" in report
    assert outputs(out / "solutions" / "unit" / "sums.ipynb") == ["total 10\n", "answer 20\n"]
    assert outputs(entry) == ["total 10\n", "answer 20\n"]  # rewritten whole


def test_a_build_killed_while_running_leaves_no_entry(tmp_path):
    source = write(
        tmp_path / "lessons" / "slow.md",
        HEADER + "\n```python\nprint('started', flush=True)\n```\n\n"
        "```python\nimport time\ntime.sleep(120)\n```\n",
    )
    out = tmp_path / "build"
    command = [sys.executable, "-m", "handout", "build", str(source), "-o", str(out)]
    build_process = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    deadline = time.monotonic() + 60
    for line in build_process.stderr:  # plain progress lines, as in a CI log
        if "cell 2/2" in line or time.monotonic() > deadline:
            break
    os.killpg(build_process.pid, signal.SIGKILL)
    build_process.wait()
    assert not (out / CACHE_FOLDER / "slow.ipynb").exists()
    write(source, source.read_text().replace("time.sleep(120)", "time.sleep(0)"))
    finished = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    assert f"running {source} (it has no cached run)" in finished.stdout


def test_a_failed_run_is_never_cached(tmp_path, capsys):
    source = write(tmp_path / "lessons" / "bad.md", HEADER + "\n```python\n1 / 0\n```\n")
    out = tmp_path / "build"
    assert build(source, out=out) == 1
    assert not (out / CACHE_FOLDER / "bad.ipynb").exists()
    assert build(source, out=out) == 1
    assert f"running {source} (it has no cached run)" in capsys.readouterr().out


def test_changed_package_version_runs_again(tmp_path, capsys, monkeypatch):
    site = tmp_path / "site-packages"
    write(site / "cachetestpkg" / "__init__.py", "VALUE = 7\n")
    metadata = site / "cachetestpkg-1.0.dist-info" / "METADATA"
    write(metadata, "Metadata-Version: 2.1\nName: cachetestpkg\nVersion: 1.0\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    source = write(
        tmp_path / "lessons" / "uses.md",
        HEADER + "\n```python\nimport cachetestpkg\nprint(cachetestpkg.VALUE)\n```\n",
    )
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    assert build(source, out=out) == 0
    assert "reused its cached run" in capsys.readouterr().out
    write(metadata, metadata.read_text().replace("Version: 1.0", "Version: 1.1"))
    assert build(source, out=out) == 0
    assert f"running {source} (cachetestpkg 1.0 -> 1.1)" in capsys.readouterr().out


def test_changed_data_checksum_runs_again(tmp_path, capsys, monkeypatch):
    source = write(
        tmp_path / "lessons" / "data.md",
        HEADER + "\n```python\nfrom cogworks_data import load_mnist\nprint('ok')\n```\n",
    )
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    changed = dataclasses.replace(
        registry.MNIST,
        test_labels=dataclasses.replace(registry.MNIST.test_labels, sha256="0" * 64),
    )
    monkeypatch.setitem(registry.DATASETS, "mnist", changed)
    assert build(source, out=out) == 0
    report = capsys.readouterr().out
    assert f"running {source} (data mnist/t10k-labels-idx1-ubyte.gz changed)" in report


def test_changed_local_data_file_runs_again(tmp_path, capsys):
    lessons = tmp_path / "lessons"
    write(lessons / "numbers.csv", "1,2,3\n")
    source = write(
        lessons / "reads.md",
        HEADER + "\n```python\nprint(open('numbers.csv').read().strip())\n```\n",
    )
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    write(lessons / "numbers.csv", "4,5,6\n")
    assert build(source, out=out) == 0
    assert f"running {source} (file numbers.csv changed)" in capsys.readouterr().out
    assert outputs(out / "solutions" / "reads.ipynb") == ["4,5,6\n"]


def test_failing_lesson_does_not_hide_the_others_and_kernels_share_the_cores(tmp_path, capsys):
    lessons = tmp_path / "lessons"
    threads = "import os\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    write(lessons / "a.md", HEADER + f"\n```python\n{threads}```\n")
    write(lessons / "b.md", HEADER + "\n```python\nraise RuntimeError('broken on purpose')\n```\n")
    write(lessons / "c.md", HEADER + f"\n```python\n{threads}```\n")
    out = tmp_path / "build"
    assert build(lessons, out=out, extra=("--jobs", "2")) == 1
    captured = capsys.readouterr()
    assert f"ok     {lessons / 'a.md'}" in captured.out
    assert f"FAILED {lessons / 'b.md'}" in captured.out
    assert f"ok     {lessons / 'c.md'}" in captured.out
    assert "RuntimeError: broken on purpose" in captured.err
    expected = f"{max(1, available_cores() // 2)}\n"
    assert outputs(out / "solutions" / "a.ipynb") == [expected]


def test_one_job_leaves_the_threads_alone(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    source = write(
        tmp_path / "one.md",
        HEADER + "\n```python\nimport os\nprint(os.environ.get('OPENBLAS_NUM_THREADS'))\n```\n",
    )
    assert build(source, out=tmp_path / "build", extra=("--jobs", "1")) == 0
    assert outputs(tmp_path / "build" / "solutions" / "one.ipynb") == ["None\n"]


def test_progress_lines_name_lesson_cell_and_time(built, capsys):
    source, out, _ = built
    status, _, errors = rebuild(source, out, capsys, "--force-execute")
    assert status == 0
    assert f"handout: {source}: cell 2/3, " in errors and " s\n" in errors


def test_lesson_metadata_sets_its_own_cell_timeout(tmp_path, capsys):
    header = HEADER.replace("jupyter:\n", "jupyter:\n  handout:\n    cell_timeout: 2\n")
    source = write(tmp_path / "slow.md", header + "\n```python\nimport time\ntime.sleep(60)\n```\n")
    started = time.monotonic()
    assert build(source, out=tmp_path / "build") == 1
    assert time.monotonic() - started < 30
    assert "cell 1 failed: timed out" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["0", "'soon'", "-5", "true"])
def test_bad_cell_timeout_names_its_line(tmp_path, capsys, value):
    header = HEADER.replace("jupyter:\n", f"jupyter:\n  handout:\n    cell_timeout: {value}\n")
    source = write(tmp_path / "bad.md", header + "\n```python\nprint(1)\n```\n")
    assert build(source, out=tmp_path / "build") == 1
    captured = capsys.readouterr()
    assert f"{source}:4: handout: cell_timeout must be a whole number" in captured.err
    assert f"FAILED {source}: its settings are wrong" in captured.out
    assert not (tmp_path / "build" / "solutions" / "bad.ipynb").exists()


@pytest.mark.parametrize("jobs", ["0", "-1", "many"])
def test_jobs_must_be_a_positive_number(tmp_path, capsys, jobs):
    source = write(tmp_path / "x.md", LESSON)
    assert build(source, out=tmp_path / "build", extra=("--jobs", jobs)) == 2
    assert "--jobs: must be a whole number above 0" in capsys.readouterr().err


def test_thread_limits_the_user_set_are_left_alone(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert {kernel_environment(2)[name] for name in THREAD_VARIABLES} == {"2"}
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    env = kernel_environment(1)
    assert env["OMP_NUM_THREADS"] == "3" and "OPENBLAS_NUM_THREADS" not in env


def test_progress_on_a_terminal_draws_a_bar_per_running_lesson(capsys):
    class Terminal:
        def isatty(self):
            return True

    assert Progress.for_stream(Terminal()).bars and not Progress.for_stream(io.StringIO()).bars
    progress = Progress(bars=True)
    progress.started("a.md", 3)
    progress.started("b.md", 5)
    assert progress._rows == {"a.md": 0, "b.md": 1}  # one row each, so bars do not overwrite
    progress.cell("a.md", 1)
    progress.write("ok     a.md ran in 1.0 s")
    progress.finished("a.md")
    progress.started("c.md", 2)
    assert progress._rows == {"b.md": 1, "c.md": 0}  # the freed row is taken again
    progress.finished("b.md")
    progress.finished("c.md")
    captured = capsys.readouterr()
    assert "a.md: cell 2/3" in captured.err and "b.md: cell 0/5" in captured.err
    assert captured.out == "ok     a.md ran in 1.0 s\n"


@pytest.mark.parametrize(
    "number, to_group",
    [
        pytest.param(signal.SIGTERM, False, id="sigterm-to-the-build"),  # as a CI runner sends
        pytest.param(signal.SIGINT, True, id="ctrl-c-to-build-and-kernels"),  # as a terminal
    ],
)
def test_a_signal_stops_every_lesson_and_keeps_earlier_outputs(tmp_path, number, to_group):
    lessons = tmp_path / "lessons"
    sleeper = (
        HEADER
        + "\n```python\nprint('started', flush=True)\n```\n\n"
        + ("```python\nimport time\ntime.sleep(120)\n```\n")
    )
    for name in ("one", "two"):
        write(lessons / f"{name}.md", sleeper)
    out = tmp_path / "build"
    earlier = write(out / "solutions" / "one.ipynb", "an earlier build's output\n")
    command = [sys.executable, "-m", "handout", "build", str(lessons), "-o", str(out)]
    build_process = subprocess.Popen(
        [*command, "--jobs", "2"], stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    running, deadline = set(), time.monotonic() + 60
    for line in build_process.stderr:
        if "cell 2/2" in line:
            running.add(line.split(":")[1].strip())
        if len(running) == 2 or time.monotonic() > deadline:
            break
    if to_group:
        os.killpg(build_process.pid, number)
    else:
        build_process.send_signal(number)
    status = build_process.wait(timeout=30)
    errors = build_process.stderr.read()
    assert not process_group_alive(build_process.pid), "a kernel outlived the build"
    assert status == 128 + number, errors
    assert f"stopped by {signal.Signals(number).name}" in errors
    assert str(lessons / "one.md") in errors and str(lessons / "two.md") in errors
    assert earlier.read_text() == "an earlier build's output\n"
    assert not list((out / CACHE_FOLDER).glob("*.ipynb"))


def test_a_signal_waits_for_every_lesson_to_finish_stopping():
    """The lessons' thread is waited for until it has shut its kernels down. (Raised as
    KeyboardInterrupt inside Thread.join, a signal made CPython before 3.13 take the thread
    for finished at once; the build then exited mid-shutdown, and could hang there.)"""
    import asyncio

    from handout.build import _run_off_the_main_thread

    cleaned = []

    async def lessons(stop: asyncio.Event) -> None:
        await stop.wait()
        await asyncio.sleep(1.0)  # as a kernel takes to interrupt and shut down
        cleaned.append(True)

    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    assert _run_off_the_main_thread(lessons) == signal.SIGINT
    assert cleaned == [True]


def process_group_alive(group: int) -> bool:
    """Whether any process of ``group`` is left (a kernel has a few seconds to go)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    os.killpg(group, signal.SIGKILL)
    return True


def test_two_lessons_with_one_output_path_are_refused(tmp_path, capsys):
    first = write(tmp_path / "a" / "lesson.md", LESSON)
    second = write(tmp_path / "b" / "lesson.md", LESSON)
    assert build(first, second, out=tmp_path / "build") == 1
    captured = capsys.readouterr()
    assert f"{second}: its outputs would replace those of {first}" in captured.err
    assert f"ok     {first}" in captured.out and f"FAILED {second}" in captured.out


def test_a_lesson_named_twice_is_built_once(built, capsys):
    source, out, _ = built
    assert build(source.parent.parent, source, out=out) == 0
    assert capsys.readouterr().out.count(f"ok     {source}") == 1


def test_a_run_whose_inputs_changed_while_it_ran_is_not_cached(tmp_path, capsys):
    lessons = tmp_path / "lessons"
    write(lessons / "log.txt", "")
    source = write(
        lessons / "appends.md",
        HEADER + "\n```python\nopen('log.txt', 'a').write('ran\\n')\n```\n",
    )
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    assert f"not caching {source}: while it ran, file log.txt changed" in capsys.readouterr().err
    assert not (out / CACHE_FOLDER / "appends.ipynb").exists()


def test_a_cached_run_too_slow_for_a_lower_timeout_runs_again(tmp_path, capsys):
    source = write(
        tmp_path / "naps.md", HEADER + "\n```python\nimport time\ntime.sleep(1.5)\n```\n"
    )
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    assert build(source, out=out, extra=("--timeout", "1")) == 1
    captured = capsys.readouterr()
    assert "its slowest cell took 2 s, more than the 1 s a cell may now run" in captured.out
    assert "cell 1 failed: timed out after 1 s" in captured.err


def test_a_failed_run_discards_the_older_cached_run(built, capsys):
    source, out, entry = built
    write(source, source.read_text().replace("total * 2", "total / 0"))
    assert rebuild(source, out, capsys)[0] == 1
    assert not entry.exists()


def test_a_run_out_of_time_keeps_the_cached_run_but_not_the_solution(tmp_path, capsys):
    """Too short a --timeout says nothing of the code: the next build reuses its last run."""
    source = write(
        tmp_path / "lessons" / "unit" / "slow.md",
        HEADER + "\n```python\nimport time\ntime.sleep(2)\nprint('slept')\n```\n",
    )
    out, solution = tmp_path / "build", tmp_path / "build" / "solutions" / "unit" / "slow.ipynb"
    assert rebuild(source, out, capsys)[0] == 0
    status, _, errors = rebuild(source, out, capsys, "--timeout", "1")
    assert status == 1 and "cell 1 failed: timed out after 1 s" in errors
    assert f"removed {solution}: the lesson failed in this build" in errors
    assert (out / CACHE_FOLDER / "unit" / "slow.ipynb").is_file() and not solution.exists()
    status, report, _ = rebuild(source, out, capsys)
    assert status == 0 and "reused its cached run" in report
    assert outputs(solution) == ["slept\n"]


def test_a_lesson_whose_settings_break_loses_its_old_solution(built, capsys):
    source, out, _ = built
    solution = out / "solutions" / "unit" / "sums.ipynb"
    write(source, source.read_text().replace("jupyter:\n", "jupyter:\n  handout: 5\n", 1))
    status, _, errors = rebuild(source, out, capsys)
    assert status == 1 and f"removed {solution}: the lesson failed in this build" in errors
    assert not solution.exists()


def test_an_unknown_lesson_setting_names_its_line(tmp_path, capsys):
    header = HEADER.replace("jupyter:\n", "jupyter:\n  handout:\n    cell_timout: 60\n")
    source = write(tmp_path / "typo.md", header + "\n```python\nprint(1)\n```\n")
    assert build(source, out=tmp_path / "build") == 1
    error = capsys.readouterr().err
    assert f"{source}:4: handout: has no setting 'cell_timout'; it knows cell_timeout" in error


@pytest.mark.parametrize(
    "lesson_code, module_file",
    [
        pytest.param("%time import helper\n", "helper.py", id="behind-a-line-magic"),
        pytest.param("import shelf.helper\n", "shelf/helper.py", id="namespace-package"),
        pytest.param("import front\n", "helper.py", id="imported-by-a-local-module"),
        pytest.param("%run front.py\n", "helper.py", id="imported-by-a-run-script"),
        pytest.param("%run -i front\n", "helper.py", id="run-script-named-without-suffix"),
        pytest.param("%run -m front\n", "helper.py", id="run-as-a-module"),
        pytest.param("%load_ext helper\n", "helper.py", id="loaded-as-an-extension"),
        pytest.param("import helper\n", "helper/__init__.py", id="package-beside-a-module"),
    ],
)
def test_local_code_the_lesson_runs_is_in_the_key(tmp_path, capsys, lesson_code, module_file):
    lessons = tmp_path / "lessons"
    write(lessons / "front.py", "import helper\n")
    write(lessons / "helper.py", "VALUE = 0\n")  # what Python skips for a package beside it
    extension = "def load_ipython_extension(shell):\n    pass\n"
    helper = write(lessons / module_file, "VALUE = 1\n" + extension)
    source = write(lessons / "local.md", HEADER + f"\n```python\n{lesson_code}```\n")
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    write(helper, "VALUE = 2\n" + extension)
    assert build(source, out=out) == 0
    changed = module_file.split("/")[0].removesuffix(".py")
    assert f"running {source} (module {changed} changed)" in capsys.readouterr().out


def test_a_rebuild_with_nothing_changed_rewrites_the_same_bytes(built, capsys):
    source, out, _ = built
    solution = out / "solutions" / "unit" / "sums.ipynb"
    handout = out / "handouts" / "unit" / "sums_STUDENT.ipynb"
    first = solution.read_bytes(), handout.read_bytes()
    assert rebuild(source, out, capsys)[0] == 0
    assert (solution.read_bytes(), handout.read_bytes()) == first


def test_files_the_lesson_writes_are_its_output_not_its_input(tmp_path, capsys):
    code = "import time\nopen('made.txt', 'w').write(str(time.time()))\nprint({})\n"
    source = write(tmp_path / "writes.md", HEADER + f"\n```python\n{code.format(1)}```\n")
    out = tmp_path / "build"
    for code_edit, reused in ((None, False), ("print(2)", False), (None, True)):
        if code_edit:
            write(source, source.read_text().replace("print(1)", code_edit))
        assert build(source, out=out) == 0
        captured = capsys.readouterr()
        assert "not caching" not in captured.err
        assert ("reused its cached run" in captured.out) is reused


def test_an_installed_file_edited_in_place_runs_again(tmp_path, capsys, monkeypatch):
    site = tmp_path / "site-packages"
    module = write(site / "cachetestpkg" / "__init__.py", "VALUE = 7\n")
    info = site / "cachetestpkg-1.0.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: cachetestpkg\nVersion: 1.0\n")
    write(info / "RECORD", "cachetestpkg/__init__.py,,\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTHONPATH", str(site))
    source = write(
        tmp_path / "uses.md",
        HEADER + "\n```python\nimport cachetestpkg\nprint(cachetestpkg.VALUE)\n```\n",
    )
    out = tmp_path / "build"
    assert build(source, out=out) == 0
    write(module, "VALUE = 8\n")
    os.utime(module, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert build(source, out=out) == 0
    assert f"running {source} (cachetestpkg's installed files changed)" in capsys.readouterr().out
    assert outputs(out / "solutions" / "uses.ipynb") == ["8\n"]
