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


# Markdown where the tool's own reading of backticks and a renderer's could part ways; each
# hides its marker text in something the tool might take for inline code. Found by trial.
UNSEEN_MARKDOWN = {
    "backtick-across-a-heading": (
        "## Step `\n<COGINST>`\nThe secret answer is 42.\n`</COGINST>`\n",
        "html inline",
    ),
    "indented-code-block": (
        "Text.\n\n    `<COGINST>` secret_indented `</COGINST>`\n",
        "code block",
    ),
    "fence-in-a-quote": (
        "> ~~~\n> `<COGINST>`\n> secret_quote = 1\n> `</COGINST>`\n> ~~~\n",
        "fence",
    ),
    "fence-in-a-nested-list": (
        "1. item\n\n   - sub\n\n     ~~~\n     `<COGINST>`\n     secret_list\n     `</COGINST>`\n"
        "     ~~~\n",
        "fence",
    ),
    "html-block": (
        "<details>\n`<COGINST>`\nsecret_html_block\n`</COGINST>`\n</details>\n",
        "html block",
    ),
}


@pytest.mark.parametrize("markdown", UNSEEN_MARKDOWN.values(), ids=UNSEEN_MARKDOWN)
def test_marker_text_a_renderer_would_show_is_refused(tmp_path, markdown):
    text, shown_as = markdown
    source = write(tmp_path / "lesson.md", HEADER + "\n" + text)
    with pytest.raises(LeakError, match=f"a Markdown renderer shows it \\({shown_as}\\)"):
        make_handout(read_source(source))
    assert main(["strip", str(source), "-o", str(tmp_path / "out")]) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "text",
    [
        "Write `<COGINST>` and `# </COGINST>` around a solution.",
        "| marker | use |\n| --- | --- |\n| `# <COGLINE>` | one line |",
        "## The `<COGNOTE>` tag",
    ],
)
def test_marker_text_in_inline_code_is_content_to_both_readings(tmp_path, text):
    handout = make_handout(read_source(write(tmp_path / "lesson.md", HEADER + "\n" + text + "\n")))
    assert handout.cells[0].source == text


def test_marker_text_in_a_raw_cell_is_refused(tmp_path):
    text = HEADER + "\n<!-- #raw -->\nUse `<COGINST>` here.\n<!-- #endraw -->\n"
    with pytest.raises(LeakError, match="raw cell"):
        make_handout(read_source(write(tmp_path / "lesson.md", text)))
