"""``handout check``: lint for sources, and freshness of handouts, without writing anything."""

from __future__ import annotations

from pathlib import Path

import yaml

from handout.cli import main

from test_strip_cli import LESSON, all_files, write

REPO = Path(__file__).resolve().parents[1]


def test_good_sources_pass_and_nothing_is_written(tmp_path, capsys):
    write(tmp_path / "src" / "a.md", LESSON)
    assert main(["check", str(tmp_path / "src")]) == 0
    assert "checked 1 source: all good" in capsys.readouterr().out
    assert all_files(tmp_path) == ["src/a.md"]


def test_every_bad_source_is_reported(tmp_path, capsys):
    write(tmp_path / "src" / "a.md", LESSON.replace("# </COGINST>", "# </COGINTS>"))
    write(tmp_path / "src" / "b.md", LESSON.replace("# <COGINST>", "# <COGLINE>"))
    assert main(["check", str(tmp_path / "src")]) == 1
    err = capsys.readouterr().err
    closing = LESSON.split("\n").index("# </COGINST>") + 1
    assert f"a.md:{closing}: '# </COGINTS>' looks like a marker" in err
    assert f"b.md:{closing}: '# </COGINST>' closes no open region" in err


def test_missing_and_stale_handouts_fail_the_check(tmp_path, capsys):
    write(tmp_path / "src" / "a.md", LESSON)
    write(tmp_path / "src" / "b.md", LESSON)
    out = tmp_path / "handouts"
    assert main(["strip", str(tmp_path / "src"), "-o", str(out)]) == 0
    assert main(["check", str(tmp_path / "src"), "--handouts", str(out)]) == 0
    (out / "a_STUDENT.ipynb").unlink()
    write(tmp_path / "src" / "b.md", LESSON.replace("A lesson", "A better lesson"))
    assert main(["check", str(tmp_path / "src"), "--handouts", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{out / 'a_STUDENT.ipynb'}: missing" in err
    assert f"{out / 'b_STUDENT.ipynb'}: out of date" in err


def test_pre_commit_hooks_run_the_check_command():
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {hook["id"] for hook in hooks} == {"handout-lint", "handout-fresh"}
    for hook in hooks:
        assert hook["entry"].startswith("handout check")
        assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_an_unreadable_handout_counts_as_out_of_date(tmp_path, capsys):
    write(tmp_path / "src" / "a.md", LESSON)
    out = tmp_path / "handouts"
    assert main(["strip", str(tmp_path / "src"), "-o", str(out)]) == 0
    (out / "a_STUDENT.ipynb").write_bytes(b"\xff\xfe not UTF-8")
    assert main(["check", str(tmp_path / "src"), "--handouts", str(out)]) == 1
    assert f"{out / 'a_STUDENT.ipynb'}: out of date" in capsys.readouterr().err
