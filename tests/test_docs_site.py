"""The docs site: built by Sphinx and nbsphinx from the lessons, checked in a real browser.

The browser test needs Debian's Chromium (``/usr/bin/chromium``; ``.ci/run`` installs it)
and Playwright's Python package (the test extra), and skips, saying why, without them.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

from conftest import REPO
from test_lesson import solution_and_other_lines


def build_site(out: Path, build_dir: Path) -> subprocess.CompletedProcess:
    """Build the site with warnings as errors, from the executed lessons in ``build_dir``."""
    env = {**os.environ, "HANDOUT_BUILD_DIR": str(build_dir)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            "docs",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(folder: Path):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_site_without_executed_lessons_says_how_to_get_outputs(tmp_path):
    completed = build_site(tmp_path / "site", tmp_path / "no-build")
    assert completed.returncode == 0, completed.stderr
    page = (tmp_path / "site" / "lessons" / "lenet_mnist-solution.html").read_text()
    assert "python -m handout build" in re.sub(r"<[^>]+>", "", page)
    assert "<img" not in page
    exercise = (tmp_path / "site" / "lessons" / "lenet_mnist-exercise.html").read_text()
    assert "STUDENT CODE HERE" in exercise


@pytest.mark.slow
def test_lesson_pages_render_in_a_browser(built_course, browser, tmp_path):
    out, _ = built_course
    site = tmp_path / "site"
    completed = build_site(site, out)
    assert completed.returncode == 0, completed.stderr
    solution, other = solution_and_other_lines((REPO / "notebooks" / "lenet_mnist.md").read_text())
    solution_lines = [line for line in solution if len(line) > 3 and not other[line]]
    with serve(site) as url:
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        problems = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("requestfailed", lambda r: problems.append(f"{r.url}: {r.failure}"))
        for name in ("exercise", "solution"):
            page.goto(f"{url}/lessons/lenet_mnist-{name}.html", wait_until="networkidle")
            page.screenshot(path=str(tmp_path / f"lenet_mnist-{name}.png"), full_page=True)
            headings = page.locator("h1, h2").all_inner_texts()
            assert any("Classifying MNIST" in heading for heading in headings)
            assert page.locator("div.nbinput .highlight").count() >= 10
            text = page.locator("body").inner_text()
            if name == "exercise":
                assert "STUDENT CODE HERE" in text
                leaked = [line for line in solution_lines if line in text]
                assert leaked == []
            else:
                widths = page.eval_on_selector_all(
                    "div.nboutput img", "images => images.map(image => image.naturalWidth)"
                )
                assert len(widths) >= 2 and all(width > 0 for width in widths)
                assert "test accuracy" in text
            link = page.locator("a.download", has_text="lenet_mnist_STUDENT.ipynb")
            response = page.request.get(f"{url}/lessons/{link.get_attribute('href')}")
            assert response.ok
            nbformat.validate(nbformat.reads(json.dumps(response.json()), as_version=4))
        assert problems == []
    assert sorted(p.name for p in tmp_path.glob("*.png")) == [
        "lenet_mnist-exercise.png",
        "lenet_mnist-solution.png",
    ]
