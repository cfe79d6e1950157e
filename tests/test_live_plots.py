"""Live training curves in a real JupyterLab: noggin's plot redraws while the loop runs.

Starts JupyterLab on loopback, opens a notebook written like the lesson's plotting cells,
and runs it cell by cell in headless Chromium, as a student does. (Run All is not enough:
ipympl finishes drawing a new figure only once the kernel is idle, so a figure made by one
cell of a Run All stays blank until the last cell ends.) Skips, saying why, without
JupyterLab, Playwright or Chromium.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from handout.student import KERNELSPEC

from test_docs_site import CHROMIUM_FLAGS

CELLS = [
    "from coursekit.plotting import create_plot, setup_plots\nsetup_plots()",
    "plotter, fig, ax = create_plot(['loss', 'accuracy'])",
    "import time\nimport numpy as np\nfor i in range(600):\n"
    "    plotter.set_train_batch({'loss': float(np.exp(-i / 100)), 'accuracy': i / 600},"
    " batch_size=1)\n    time.sleep(0.02)\nprint('trained')",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed")
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(c) for c in CELLS],
            metadata={"kernelspec": KERNELSPEC},
        ),
        tmp_path / "live.ipynb",
    )
    port, token = _free_port(), "live-plots"
    env = {k: v for k, v in os.environ.items() if k != "HANDOUT_HEADLESS"}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         "--allow-root", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/lab/tree/live.ipynb?token={token}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api?token={token}", timeout=2)
            break
        except OSError:
            assert time.monotonic() < deadline, "JupyterLab did not start"
            time.sleep(0.5)
    yield url
    server.terminate()
    server.wait(timeout=30)


@pytest.mark.slow
def test_training_curves_redraw_while_the_loop_runs(jupyterlab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does this)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1200, "height": 1400})
        page.goto(jupyterlab)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
        page.wait_for_selector("[data-status='idle']", state="attached", timeout=60_000)
        page.locator(".jp-Cell").first.click()
        page.keyboard.press("Escape")
        for number in (1, 2):
            page.keyboard.press("Shift+Enter")
            prompt = f".jp-InputPrompt:has-text('[{number}]')"
            page.wait_for_selector(prompt, timeout=60_000)
            time.sleep(2)
        canvas = page.locator(".jupyter-matplotlib-canvas-div canvas").first
        canvas.wait_for(timeout=30_000)
        page.keyboard.press("Shift+Enter")
        shots = []
        for number in range(3):
            time.sleep(2.5)
            shots.append(canvas.screenshot(path=str(tmp_path / f"curves-{number}.png")))
        finished = page.locator(".jp-OutputArea-output:has-text('trained')").count()
        browser.close()
    assert finished == 0, "the loop ended before the last picture: the test proves nothing"
    assert shots[0] != shots[1] != shots[2], "the curves did not change while training"
