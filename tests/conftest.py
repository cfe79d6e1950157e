"""Shared fixtures: the repository's lessons, a private data folder for the shim, a browser."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LESSONS = sorted((REPO / "notebooks").rglob("*.md"))

# Debian Chromium, started as root without a screen, quiet on a machine with no internet.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


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


@pytest.fixture(scope="module")
def browser():
    """Headless Debian Chromium, driven by Playwright; skips, saying why, without either."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does this)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()
