"""Golden handouts: each ``tests/data/goldens/<case>/instructor.md`` beside the handout it
must give, ``expected_student.ipynb``, compared byte for byte (handouts are deterministic).

After an intended change, rewrite them with ``pytest tests/test_goldens.py --update-goldens``
and review the diff; a missing golden is written on first run, and the test then fails so
that it is looked at before it is trusted.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from handout.source import read_source
from handout.student import make_handout

GOLDENS = Path(__file__).parent / "data" / "goldens"
CASES = sorted(path.name for path in GOLDENS.iterdir() if (path / "instructor.md").is_file())


@pytest.mark.parametrize("case", CASES)
def test_handout_matches_its_golden(case, request):
    handout = nbformat.writes(make_handout(read_source(GOLDENS / case / "instructor.md"))) + "\n"
    golden = GOLDENS / case / "expected_student.ipynb"
    if request.config.getoption("--update-goldens") or not golden.exists():
        existed = golden.exists()
        golden.write_text(handout, encoding="utf-8")
        if not existed:
            pytest.fail(f"wrote the missing golden {golden}; review it, then run again")
    assert handout == golden.read_text(encoding="utf-8")


def test_image_referenced_only_inside_a_removed_answer_is_gone():
    handout = make_handout(read_source(GOLDENS / "every_marker" / "instructor.md"))
    assert "answer_histogram.png" not in nbformat.writes(handout)
    assert all("attachments" not in cell for cell in handout.cells)


def test_solution_notebook_keeps_every_answer_and_drops_markers_and_notes(tmp_path):
    from handout.cli import main

    assert main(["solution", str(GOLDENS), "-o", str(tmp_path)]) == 0
    strings = nbformat.read(tmp_path / "magics_and_strings/instructor_SOLUTION.ipynb", 4)
    code = [cell.source for cell in strings.cells if cell.cell_type == "code"]
    assert code[0] == (
        '%matplotlib inline\n!echo "set-up"\n'
        'template = "# <COGINST> stays: it is inside a string"\nanswer = template.upper()'
    )
    assert code[1] == "%%time\ntotal = sum(range(10))"
    solved = nbformat.writes(nbformat.read(tmp_path / "every_marker/instructor_SOLUTION.ipynb", 4))
    assert "2.0, a float." in solved and "answer_histogram.png" in solved
    assert "scale: float = 1 / 255" in solved and "mean = pixels.mean()" in solved
    assert "quiz is on Friday" not in solved and "COG" not in solved
    assert "the factor that maps 255 to 1" not in solved
