"""Shared fixtures: the repository's lessons, and a private data folder for the shim."""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "notebooks").rglob("*.md"))


def lesson_id(path: Path) -> str:
    """Name a parametrized lesson by its path below ``notebooks/``."""
    return path.relative_to(REPO / "notebooks").as_posix()


@pytest.fixture(scope="session")
def data_home(tmp_path_factory) -> Path:
    """A data folder of the test session's own, so that tests never touch the user's data.

    Set as ``DATASETS_HOME`` for the whole session; kernels started by the tests inherit it.
    The MNIST files come from ``DATASETS_MIRROR`` when it is set (CI points it at a local
    copy), else from the public mirrors.
    """
    home = tmp_path_factory.mktemp("datasets-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATASETS_HOME", str(home))
        yield home


@pytest.fixture(scope="session")
def fashion_mirror() -> Path | None:
    """A local Fashion-MNIST copy, if one sits in or beside the folder ``DATASETS_MIRROR`` names.

    CI points ``DATASETS_MIRROR`` at a local MNIST folder with Fashion-MNIST beside it. None
    means no local copy: the shim then downloads from the public mirrors.
    """
    mirror = os.environ.get("DATASETS_MIRROR")
    if not mirror or "://" in mirror:
        return None
    for candidate in (Path(mirror) / "fashion-mnist", Path(mirror).parent / "fashion-mnist"):
        if candidate.is_dir():
            return candidate
    return None


def pytest_addoption(parser):
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/data/goldens/*/expected_student.ipynb from the current tool",
    )


@pytest.fixture(scope="session")
def built_course(tmp_path_factory, data_home) -> tuple[Path, str]:
    """The main job run once for the session: ``handout build notebooks -o <tmp>/build``.

    Training a lesson's model takes minutes, so the tests that need executed lessons (the
    lesson's own checks, the docs site) share this one run. Returns the build folder and
    what the build printed.
    """
    from handout.cli import main

    out = tmp_path_factory.mktemp("course") / "build"
    capture = io.StringIO()
    with contextlib.redirect_stdout(capture):
        status = main(["build", str(REPO / "notebooks"), "-o", str(out)])
    assert status == 0, capture.getvalue()
    return out, capture.getvalue()
