"""``handout build`` on small lessons: what it writes, what it reports, and how it fails."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
import pytest

from handout.cli import main
from handout.execute import kernel_environment

from test_strip_cli import HEADER, write

PASSING = (
    HEADER
    + """
A lesson that plots.

```python
%matplotlib inline
import matplotlib.pyplot as plt
# <COGINST>
fig, ax = plt.subplots()
ax.plot([1, 2, 3])
# </COGINST>
```
"""
)

FAILING = (
    HEADER
    + """
```python
x = 1
```

```python
y = x / 0
```
"""
)


def test_build_writes_handouts_and_executed_solutions(tmp_path, capsys):
    write(tmp_path / "lessons" / "unit1" / "plots.md", PASSING)
    assert main(["build", str(tmp_path / "lessons"), "-o", str(tmp_path / "build")]) == 0
    report = capsys.readouterr().out
    handout = tmp_path / "build" / "handouts" / "unit1" / "plots_STUDENT.ipynb"
    solution = tmp_path / "build" / "solutions" / "unit1" / "plots.ipynb"
    assert f"executed solution: {solution}" in report and f"student handout:   {handout}" in report
    assert " ran in " in report
    executed = nbformat.read(solution, as_version=4)
    assert any("image/png" in out.get("data", {}) for out in executed.cells[1].outputs)
    assert "jupytext" not in executed.metadata
    assert "ax.plot" not in handout.read_text()


def test_failing_lesson_fails_the_build_naming_cell_and_error(tmp_path, capsys):
    source = write(tmp_path / "broken.md", FAILING)
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 1
    captured = capsys.readouterr()
    line = source.read_text().split("\n").index("y = x / 0") + 1
    assert f"{source}:{line}: cell 2 failed: ZeroDivisionError: division by zero" in captured.err
    failed_run = tmp_path / "build" / "failed" / "broken.ipynb"
    assert f"FAILED {source} after " in captured.out and f"its run: {failed_run}" in captured.out
    partial = nbformat.read(failed_run, as_version=4)
    assert partial.cells[-1].outputs[0].output_type == "error"
    assert not (tmp_path / "build" / "solutions").exists()


def test_a_lesson_that_breaks_loses_its_verified_solution_until_it_runs_again(tmp_path, capsys):
    """solutions/ (and so the docs site) never shows a failed run, nor one of an older text."""
    from handout.site import write_lesson_pages

    lessons, out = tmp_path / "lessons", tmp_path / "build"
    source = write(lessons / "plots.md", PASSING)
    solution, failed_run = out / "solutions" / "plots.ipynb", out / "failed" / "plots.ipynb"
    assert main(["build", str(lessons), "-o", str(out)]) == 0 and solution.is_file()
    write(source, PASSING.replace("ax.plot([1, 2, 3])", "ax.plot([1, 2, 3])\n1 / 0"))
    assert main(["build", str(lessons), "-o", str(out)]) == 1
    assert f"removed {solution}: the lesson failed in this build" in capsys.readouterr().err
    assert failed_run.is_file() and not solution.exists()
    pages = write_lesson_pages(lessons, out, tmp_path / "pages")
    assert pages[-1].name == "plots-solution.md"  # the code alone, with a note: no traceback
    assert "ZeroDivisionError" not in pages[-1].read_text()
    write(source, PASSING)
    assert main(["build", str(lessons), "-o", str(out)]) == 0
    assert solution.is_file() and not failed_run.exists()


CHAINED = """def load(name):
    try:
        open(name)
    except OSError as error:
        raise RuntimeError("cannot load") from error

def judge(answer):
    try:
        answer()
    except ZeroDivisionError:
        raise AssertionError("wrong")"""


@pytest.mark.parametrize(
    ("cell", "failing"),
    [
        ("x = 1\n\ny = x / 0\nz = 2", "y = x / 0"),
        ("def f():\n    return 1 / 0\n\nf()", "    return 1 / 0"),  # innermost in the cell
        ("x = 1\ny = 2\nz = 3\nload('nope.txt')", "load('nope.txt')"),  # raise ... from
        ("x = 1\ny = 2\nz = 3\njudge(lambda: 1 / 0)", "judge(lambda: 1 / 0)"),  # during
        ("msg = 'Cell In[2], line 9'\nraise ValueError(msg)", "raise ValueError(msg)"),
        ("x = 1\ny = (", "y = ("),
    ],
    ids=["division", "own-function", "raise-from", "while-handling", "look-alike", "syntax"],
)
def test_a_failure_names_the_line_that_raised(tmp_path, capsys, cell, failing):
    source = write(
        tmp_path / "broken.md",
        HEADER + f"\n```python\n{CHAINED}\n```\n\n```python\n{cell}\n```\n",
    )
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 1
    line = source.read_text().split("\n").index(failing, 20) + 1
    assert f"{source}:{line}: cell 2 failed: " in capsys.readouterr().err


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("%run script.py\nprint('went on')", "RuntimeError: from the script"),
        ("%%capture\n1 / 0", "ZeroDivisionError: division by zero"),
    ],
    ids=["run-script", "capture"],
)
def test_an_error_a_cell_shows_and_goes_past_fails_the_lesson(tmp_path, capsys, cell, error):
    write(tmp_path / "script.py", "raise RuntimeError('from the script')\n")
    source = write(tmp_path / "shows.md", HEADER + f"\n```python\n{cell}\n```\n")
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 1
    line = source.read_text().split("\n").index(cell.split("\n")[0]) + 1
    expected = f"{source}:{line}: cell 1 showed an error, though it went on: {error}"
    assert expected in capsys.readouterr().err
    assert not (tmp_path / "build" / "solutions").exists()
    assert not (tmp_path / "build" / ".cache" / "shows.ipynb").exists()


def test_a_solution_that_fails_its_self_check_fails_the_build(tmp_path, capsys):
    """A wrong instructor answer must not ship as a "verified" solution with a cross in it."""
    source = write(
        tmp_path / "wrong.md",
        HEADER + "\n```python\nimport numpy as np\n\ndef accuracy(p, t):\n"
        "    return np.sum(np.argmax(p, axis=1) == t)  # <COGLINE>\n```\n\n"
        "```python\nfrom coursekit.checks import check_accuracy\n\ncheck_accuracy(accuracy)\n```\n",
    )
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 1
    captured = capsys.readouterr()
    assert "cell 2 failed: CheckFailed: accuracy gave" in captured.err
    assert f"FAILED {source}" in captured.out


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_an_output_folder_that_cannot_be_written_fails_before_any_lesson_runs(tmp_path, capsys):
    source = write(tmp_path / "plots.md", PASSING)
    out = Path("/proc/self/handout-build")  # refused even to root, as CI runs
    assert main(["build", str(source), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert f"handout: {out}: cannot write there" in captured.err
    assert "running" not in captured.out


def test_outputs_of_a_removed_lesson_are_named_not_deleted(tmp_path, capsys):
    lessons, out = tmp_path / "lessons", tmp_path / "build"
    write(lessons / "unit" / "old.md", PASSING)
    write(lessons / "unit" / "other.md", PASSING)
    assert main(["build", str(lessons), "-o", str(out)]) == 0
    (lessons / "unit" / "old.md").rename(lessons / "unit" / "new.md")
    assert main(["build", str(lessons / "unit" / "new.md"), "-o", str(out)]) == 0
    errors = capsys.readouterr().err
    left = [
        out / "handouts" / "unit" / "old_STUDENT.ipynb",
        out / "solutions" / "unit" / "old.ipynb",
    ]
    left.append(out / ".cache" / "unit" / "old.ipynb")
    gone = lessons / "unit" / "old.md"
    for path in left:
        assert f"handout: {path}: its lesson {gone} is gone; left as it is" in errors
        assert path.is_file()
    assert errors.count(" is gone; ") == len(left)  # other.md, though not built, is not gone


def test_a_folder_built_on_its_own_names_no_other_lesson(tmp_path, capsys):
    lessons, out = tmp_path / "lessons", tmp_path / "build"
    write(lessons / "unit" / "one.md", PASSING)
    write(lessons / "two.md", PASSING)
    assert main(["build", str(lessons), "-o", str(out)]) == 0
    assert main(["build", str(lessons / "unit"), "-o", str(out)]) == 0
    assert " is gone; " not in capsys.readouterr().err


@pytest.mark.parametrize("folder", ["solutions", "failed", ".cache"])
def test_a_file_where_the_build_needs_a_folder_is_refused_first(tmp_path, capsys, folder):
    source = write(tmp_path / "plots.md", PASSING)
    in_the_way = write(tmp_path / "build" / folder, "someone's notes\n")
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 1
    captured = capsys.readouterr()
    assert f"handout: {in_the_way}: the build needs a folder there" in captured.err
    assert "running" not in captured.out and in_the_way.read_text() == "someone's notes\n"


def test_build_leaves_nothing_beside_the_sources_or_in_the_working_folder(tmp_path, monkeypatch):
    lessons = tmp_path / "lessons"
    write(lessons / "plots.md", PASSING)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "lessons", "-o", "out"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lessons", "out"]
    assert [p.name for p in lessons.iterdir()] == ["plots.md"]


def test_cell_timeout_is_enforced(tmp_path, capsys):
    source = write(tmp_path / "slow.md", HEADER + "\n```python\nimport time\ntime.sleep(60)\n```\n")
    started = time.monotonic()
    assert main(["build", str(source), "-o", str(tmp_path / "build"), "--timeout", "2"]) == 1
    assert time.monotonic() - started < 30
    assert "cell 1 failed: timed out" in capsys.readouterr().err


def test_kernel_gets_data_paths_made_absolute(tmp_path, monkeypatch):
    """The kernel runs in the lesson's folder; relative data paths must mean the same."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATASETS_HOME", "data")
    monkeypatch.setenv("DATASETS_MIRROR", "https://example.org/mnist")
    env = kernel_environment()
    assert env["DATASETS_HOME"] == str(tmp_path / "data")
    assert env["DATASETS_MIRROR"] == "https://example.org/mnist"


def test_kernel_is_the_python_running_the_build(tmp_path, capsys, monkeypatch):
    """A ``python3`` kernel installed elsewhere, found first by Jupyter, is not used."""
    stray = write(
        tmp_path / "jupyter" / "kernels" / "python3" / "kernel.json",
        json.dumps({"argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f",
                             "{connection_file}"], "display_name": "Other", "language": "python"}),
    )  # fmt: skip
    monkeypatch.setenv("JUPYTER_PATH", str(stray.parents[2]))
    source = write(
        tmp_path / "which.md", HEADER + "\n```python\nimport sys\nprint(sys.executable)\n```\n"
    )
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 0, capsys.readouterr()
    executed = nbformat.read(tmp_path / "build" / "solutions" / "which.ipynb", as_version=4)
    assert executed.cells[-1].outputs[0].text == f"{sys.executable}\n"


def test_refused_source_still_runs_and_its_stale_handout_is_removed(tmp_path, capsys):
    source = write(tmp_path / "plots.md", PASSING)
    out = tmp_path / "build"
    assert main(["build", str(source), "-o", str(out)]) == 0
    handout = out / "handouts" / "plots_STUDENT.ipynb"
    assert handout.is_file()
    write(source, PASSING.replace("# </COGINST>\n", ""))
    assert main(["build", str(source), "-o", str(out)]) == 1
    captured = capsys.readouterr()
    assert "is never closed" in captured.err and f"removed {handout}" in captured.err
    assert not handout.exists()
    assert (out / "solutions" / "plots.ipynb").is_file()


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("---\njupyter: [unclosed\n---\n", "jupytext cannot read this notebook"),
        ("", "not a Jupytext-markdown notebook"),
    ],
)
def test_unreadable_source_fails_the_build_without_a_traceback(tmp_path, capsys, header, message):
    source = write(tmp_path / "bad.md", header + "\nText.\n")
    assert main(["build", str(source), "-o", str(tmp_path / "build")]) == 1
    captured = capsys.readouterr()
    assert f"{source}:" in captured.err and message in captured.err
    assert f"FAILED {source}: cannot be read" in captured.out
