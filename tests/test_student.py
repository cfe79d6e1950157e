"""The handout as a whole: what it carries, and the audit that stops a leaking one."""

from __future__ import annotations

import nbformat
import pytest

import handout.student
from handout.cli import main
from handout.markers import StrippedCell
from handout.source import read_source
from handout.student import LeakError, make_handout

from test_strip_cli import HEADER, write

SOURCE = (
    HEADER
    + """
Intro.

<COGNOTE>
Only for instructors.
</COGNOTE>

<!-- #region tags=["keep-me"] -->
Tagged text.
<!-- #endregion -->

```python tags=["exercise"]
# <COGINST>
secret = "forty-two"
# </COGINST>
```
"""
)


def test_handout_carries_only_sources_tags_and_the_standard_kernel(tmp_path):
    handout = make_handout(read_source(write(tmp_path / "lesson.md", SOURCE)))
    assert set(handout.metadata) == {"kernelspec", "language_info"}
    assert handout.metadata.kernelspec.name == "python3"
    assert handout.metadata.language_info == {"name": "python"}
    assert [cell.id for cell in handout.cells] == ["cell-0", "cell-1", "cell-2"]
    assert [cell.metadata for cell in handout.cells] == [
        {},
        {"tags": ["keep-me"]},
        {"tags": ["exercise"]},
    ]
    assert handout.cells[2].outputs == [] and handout.cells[2].execution_count is None


def test_cell_holding_only_an_instructor_note_disappears(tmp_path):
    handout = make_handout(read_source(write(tmp_path / "lesson.md", SOURCE)))
    text = nbformat.writes(handout)
    assert "Only for instructors" not in text
    assert [cell.source for cell in handout.cells[:2]] == ["Intro.", "Tagged text."]


def test_audit_refuses_a_handout_that_a_stripping_bug_let_a_solution_into(tmp_path, monkeypatch):
    """Fail closed: should the stripper ever keep a solution, nothing is written."""
    source = write(tmp_path / "lesson.md", SOURCE)

    def buggy_strip_code(text):
        lines = text.split("\n")
        return StrippedCell("\n".join(lines[1:-1]), lines, had_markers=True)

    monkeypatch.setattr(handout.student, "strip_code", buggy_strip_code)
    with pytest.raises(LeakError, match='secret = "forty-two"'):
        make_handout(read_source(source))
    assert main(["strip", str(source), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


def test_marker_text_in_cell_tags_is_refused(tmp_path):
    text = SOURCE.replace('tags=["keep-me"]', 'tags=["<COGINST>secret</COGINST>"]')
    with pytest.raises(LeakError, match="tag"):
        make_handout(read_source(write(tmp_path / "lesson.md", text)))


def test_cells_with_top_level_await_are_valid_handout_cells(tmp_path):
    text = HEADER + "\n```python\nimport asyncio\nawait asyncio.sleep(0)\n```\n"
    handout = make_handout(read_source(write(tmp_path / "lesson.md", text)))
    assert "await asyncio.sleep(0)" in handout.cells[0].source
