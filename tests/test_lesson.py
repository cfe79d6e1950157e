"""The lessons themselves: their handouts leak nothing, and their solutions run on real MNIST.

The solution test is the expensive one (it trains LeNet for an epoch, a few minutes on two
cores); it runs the main job, ``handout build``, and inspects what it wrote.
"""

from __future__ import annotations

import ast
import base64
import re
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from handout.files import Lesson
from handout.markers import PLACEHOLDER
from handout.source import read_source
from handout.student import make_handout

from conftest import LESSONS, REPO, lesson_id

# Lines so plain that a handout may share them with a solution.
TRIVIAL = re.compile(r"[\W_]*|else:|try:|pass|return|\.\.\.")


def solution_and_other_lines(text: str) -> tuple[Counter, Counter]:
    """Split a source's lines into solution and non-solution lines, by reading the raw text.

    Written apart from the tool, on purpose: a region is everything between the marker
    lines, a one-line solution is the code before ``# <COGLINE>``, a stub's solution is the
    expression after ``=``, and a markdown answer is everything between its tags.
    """
    solution, other = Counter(), Counter()
    inside = False
    for raw in text.split("\n"):
        line = raw.strip()
        if line in ("# <COGINST>", "<COGINST>", "<COGNOTE>"):
            inside = True
        elif line in ("# </COGINST>", "</COGINST>", "</COGNOTE>"):
            inside = False
        elif inside:
            solution[line] += 1
        elif line.endswith("# <COGLINE>"):
            solution[line.removesuffix("# <COGLINE>").strip()] += 1
        elif "# <COGSTUB>" in line:
            solution[line.split("=", 1)[1].split("# <COGSTUB>")[0].strip()] += 1
        else:
            other[line] += 1
    return solution, other


@pytest.mark.parametrize("path", LESSONS, ids=lesson_id)
def test_handout_holds_no_solution_and_compiles(path: Path):
    handout = make_handout(read_source(path))
    nbformat.validate(handout)
    solution, other = solution_and_other_lines(path.read_text(encoding="utf-8"))
    assert solution, "the lesson should have solutions to remove"
    in_handout = Counter(line.strip() for cell in handout.cells for line in cell.source.split("\n"))
    leaked = [
        line for line in solution if not TRIVIAL.fullmatch(line) and in_handout[line] > other[line]
    ]
    assert leaked == []
    text = nbformat.writes(handout)
    assert not re.search(r"COG(INST|LINE|STUB|NOTE)", text)
    assert "jupytext" not in handout.metadata
    assert handout.metadata.kernelspec.name == "python3"
    transform = TransformerManager().transform_cell
    for cell in handout.cells:
        assert "outputs" not in cell or cell.outputs == []
        assert cell.get("execution_count") is None
        if cell.cell_type == "code":
            compile(transform(cell.source), f"{path} cell {cell.id}", "exec")


def stream_text(cell) -> str:
    return "".join(
        out.get("text", "") for out in cell.get("outputs", []) if out.output_type == "stream"
    )


@pytest.mark.slow
def test_build_runs_every_lesson_on_real_mnist(built_course):
    """The main job, end to end: handouts written, solutions executed with their figures."""
    out, report = built_course
    for path in LESSONS:
        lesson = Lesson(path, path.relative_to(LESSONS[0].parent))
        assert lesson.handout_path(out / "handouts").is_file()
        executed = nbformat.read(lesson.solution_path(out / "solutions"), as_version=4)
        assert f"ok     {path}" in report
        errors = [
            o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"
        ]
        assert errors == []
        if path.stem == "lenet_mnist":
            check_lenet(executed)


def pngs(cell) -> list[bytes]:
    return [
        base64.b64decode(out.data["image/png"])
        for out in cell.get("outputs", [])
        if out.output_type in ("display_data", "execute_result")
        and "image/png" in out.get("data", {})
    ]


def check_lenet(executed) -> None:
    """A full epoch reaches the accuracy the lesson promises; curves and grids are images."""
    training = next(c for c in executed.cells if "test accuracy" in stream_text(c))
    accuracies = [float(a) for a in re.findall(r"test accuracy (\d\.\d+)", stream_text(training))]
    assert len(accuracies) == 1
    assert accuracies[0] >= 0.95
    curves = pngs(training)
    assert curves and all(png.startswith(b"\x89PNG\r\n\x1a\n") for png in curves)
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    predictions, failures = code[-2], code[-1]
    assert len(pngs(predictions)) == 1 and len(pngs(failures)) == 1
    (wrong,) = re.findall(r"(\d+) of 10000 test images are misclassified", stream_text(failures))
    assert abs(int(wrong) / 10000 - (1 - accuracies[0])) < 0.002
    assert all("Warning" not in stream_text(cell) for cell in code)


def bound_names(notebook) -> set[str]:
    """The names that a notebook's code cells bind at their top level, magics set aside."""
    transform = TransformerManager().transform_cell
    names = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(transform(cell.source))):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.alias):
                names.add((node.asname or node.name).split(".")[0])
    return names


def test_handout_runs_until_the_first_exercise(data_home, tmp_path):
    """A student who runs the handout top to bottom meets no error before an exercise, and
    after it only errors that an unfilled exercise explains: a name that only a solution
    defines, or a self-check's cross."""
    from nbclient import NotebookClient

    from handout.execute import kernel_environment
    from handout.solution import make_solution

    path = REPO / "notebooks" / "lenet_mnist.md"
    source = read_source(path)
    handout = make_handout(source)
    only_in_solutions = bound_names(make_solution(source)) - bound_names(handout)
    client = NotebookClient(handout, timeout=600, kernel_name="python3", allow_errors=True)
    client.execute(env=kernel_environment(verify=False), cwd=str(tmp_path))
    code = [cell for cell in handout.cells if cell.cell_type == "code"]
    first_exercise = next(i for i, cell in enumerate(code) if PLACEHOLDER in cell.source)
    assert first_exercise > 3
    for number, cell in enumerate(code):
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if number < first_exercise:
            assert errors == [], cell.source
        for error in errors:
            missing = re.fullmatch(r"name '(\w+)' is not defined", error.evalue)
            assert error.ename == "NameError" and missing, (error.ename, error.evalue)
            assert missing[1] in only_in_solutions, (missing[1], cell.source)
    checked = [cell for cell in code if "check_accuracy(accuracy)" in cell.source]
    assert checked and stream_text(checked[0]).startswith("\u2718 accuracy returned None")
    assert any("NameError" in [out.get("ename") for out in cell.outputs] for cell in code), (
        "the unfilled optimizer exercise should leave later cells without a model"
    )
