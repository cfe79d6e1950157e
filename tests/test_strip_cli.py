"""``handout strip`` from the command line: where handouts go, and what it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from handout.cli import main

HEADER = """---
jupyter:
  jupytext:
    text_representation:
      extension: .md
      format_name: markdown
  kernelspec:
    display_name: Python 3
    language: python
    name: python3
---
"""

LESSON = (
    HEADER
    + """
# A lesson

```python
# <COGINST>
answer = 42
# </COGINST>
```
"""
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def all_files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_handouts_mirror_the_source_tree(tmp_path):
    """Lessons with one name in two folders must not collide in the output."""
    write(tmp_path / "src" / "week1" / "intro.md", LESSON)
    write(tmp_path / "src" / "week2" / "intro.md", LESSON)
    write(tmp_path / "src" / "README.md", "# Not a notebook\n")
    assert main(["strip", str(tmp_path / "src"), "-o", str(tmp_path / "out")]) == 0
    assert all_files(tmp_path / "out") == [
        "week1/intro_STUDENT.ipynb",
        "week2/intro_STUDENT.ipynb",
    ]
    handout = nbformat.read(tmp_path / "out" / "week1" / "intro_STUDENT.ipynb", as_version=4)
    assert "42" not in nbformat.writes(handout)


def test_existing_handout_is_kept_without_force(tmp_path, capsys):
    source = write(tmp_path / "lesson.md", LESSON)
    target = write(tmp_path / "out" / "lesson_STUDENT.ipynb", "the instructor's own edits")
    assert main(["strip", str(source), "-o", str(tmp_path / "out")]) == 1
    assert target.read_text() == "the instructor's own edits"
    assert "--force" in capsys.readouterr().err
    assert main(["strip", str(source), "-o", str(tmp_path / "out"), "--force"]) == 0
    assert nbformat.read(target, as_version=4).cells


def test_unbalanced_source_fails_with_file_and_line_and_writes_nothing(tmp_path, capsys):
    good = write(tmp_path / "a_good.md", LESSON)
    bad = write(tmp_path / "b_bad.md", LESSON.replace("# </COGINST>\n", ""))
    assert main(["strip", str(good), str(bad), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    opening_line = bad.read_text().split("\n").index("# <COGINST>") + 1
    assert f"{bad}:{opening_line}: '# <COGINST>' is never closed" in err
    assert not (tmp_path / "out").exists()


def test_markdown_without_jupytext_header_is_refused(tmp_path, capsys):
    plain = write(tmp_path / "notes.md", "# Notes\n\n<COGINST>answer</COGINST>\n")
    assert main(["strip", str(plain), "-o", str(tmp_path / "out")]) == 1
    assert f"{plain}:1: not a Jupytext-markdown notebook" in capsys.readouterr().err


def test_missing_path_is_an_error(tmp_path, capsys):
    assert main(["strip", str(tmp_path / "nope.md")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


@pytest.mark.parametrize("variant", ["bom", "crlf", "leading-blank-lines"])
def test_byte_order_mark_crlf_and_leading_blank_lines_are_handled(tmp_path, variant):
    text = {
        "bom": "\ufeff" + LESSON,
        "crlf": LESSON.replace("\n", "\r\n"),
        "leading-blank-lines": "\n\n" + LESSON,
    }[variant]
    (tmp_path / "lesson.md").write_bytes(text.encode())
    assert main(["strip", str(tmp_path / "lesson.md"), "-o", str(tmp_path / "out")]) == 0
    handout = (tmp_path / "out" / "lesson_STUDENT.ipynb").read_text()
    assert "42" not in handout and "COGINST" not in handout


def test_same_source_gives_the_same_bytes(tmp_path):
    source = write(tmp_path / "lesson.md", LESSON)
    outputs = []
    for name in ("one", "two"):
        assert main(["strip", str(source), "-o", str(tmp_path / name)]) == 0
        outputs.append((tmp_path / name / "lesson_STUDENT.ipynb").read_bytes())
    assert outputs[0] == outputs[1]


def test_python_dash_m_handout_runs_the_same_command(tmp_path):
    source = write(tmp_path / "lesson.md", LESSON)
    completed = subprocess.run(
        [sys.executable, "-m", "handout", "strip", str(source), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    assert all_files(tmp_path / "out") == ["lesson_STUDENT.ipynb"]


@pytest.mark.parametrize(
    ("opening", "closing", "cell_break"),
    [
        ("# <COGINST>", "# </COGINST>", "```\n\n```python\n"),
        ("<COGINST>", "</COGINST>", "\n```python\nx = 1\n```\n\n"),
    ],
)
def test_region_across_a_cell_boundary_is_refused_naming_both_ends(
    tmp_path, capsys, opening, closing, cell_break
):
    inside = "answer = 42\n" if opening.startswith("#") else "The answer.\n"
    fence = "```python\n" if opening.startswith("#") else ""
    text = (
        HEADER
        + f"\n{fence}{opening}\n{inside}{cell_break}{closing}\n"
        + ("```\n" if opening.startswith("#") else "")
    )
    source = write(tmp_path / "lesson.md", text)
    assert main(["strip", str(source), "-o", str(tmp_path / "out")]) == 1
    lines = text.split("\n")
    open_line, close_line = lines.index(opening) + 1, lines.index(closing) + 1
    assert (
        f"{source}:{open_line}: this region crosses a cell boundary: it is closed at line "
        f"{close_line}" in capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("case", ["output-is-a-file", "output-below-a-file", "target-is-a-folder"])
def test_unusable_output_paths_are_reported_and_nothing_is_written(tmp_path, capsys, case):
    source = write(tmp_path / "lesson.md", LESSON)
    (tmp_path / "afile").write_text("keep me")
    (tmp_path / "out" / "lesson_STUDENT.ipynb").mkdir(parents=True)
    output = {
        "output-is-a-file": tmp_path / "afile",
        "output-below-a-file": tmp_path / "afile" / "sub",
        "target-is-a-folder": tmp_path / "out",
    }[case]
    assert main(["strip", str(source), "-o", str(output), "--force"]) == 1
    err = capsys.readouterr().err
    assert "nothing written" in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "keep me"


def test_nesting_error_names_both_lines_of_the_file(tmp_path, capsys):
    text = LESSON.replace("answer = 42\n", "# <COGINST>\nanswer = 42\n")
    source = write(tmp_path / "lesson.md", text)
    assert main(["strip", str(source), "-o", str(tmp_path / "out")]) == 1
    lines = text.split("\n")
    first = lines.index("# <COGINST>") + 1
    expected = f"{source}:{first + 1}: '# <COGINST>' inside the region opened at line {first}"
    assert expected in capsys.readouterr().err


def test_folders_pipes_and_broken_links_named_md_are_passed_over(tmp_path):
    source = tmp_path / "src"
    write(source / "lesson.md", LESSON)
    (source / "folder.md").mkdir()
    (source / "loop.md").symlink_to(source / "loop.md")
    if hasattr(os, "mkfifo"):
        os.mkfifo(source / "pipe.md")
    assert main(["strip", str(source), "-o", str(tmp_path / "out")]) == 0
    assert all_files(tmp_path / "out") == ["lesson_STUDENT.ipynb"]


def test_solution_command_refuses_what_strip_refuses(tmp_path, capsys):
    bad = write(tmp_path / "bad.md", LESSON.replace("# </COGINST>\n", ""))
    assert main(["solution", str(bad), "-o", str(tmp_path / "out")]) == 1
    assert "is never closed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_file_where_a_subfolder_of_the_output_goes_stops_every_write(tmp_path, capsys):
    write(tmp_path / "course" / "a.md", LESSON)
    write(tmp_path / "course" / "sub" / "b.md", LESSON)
    write(tmp_path / "out" / "sub", "a user's file")
    assert main(["strip", str(tmp_path / "course"), "-o", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{tmp_path / 'out' / 'sub'}: it is a file, not a folder" in err
    assert "nothing written" in err
    assert all_files(tmp_path / "out") == ["sub"]
    assert (tmp_path / "out" / "sub").read_text() == "a user's file"
