"""Live training curves in JupyterLab 4 and Notebook 7: noggin's plot redraws while training.

For each front end this starts a Jupyter server on loopback, opens a notebook written like
the lesson's plotting cells in headless Chromium, and runs its cells one at a time, as a
student does: ``setup_plots()``, then ``create_plot``, then a training loop that logs a
batch to noggin every few milliseconds until the test tells it to stop. While the loop
runs, the test reads the ipympl canvas's pixels (``canvas.toDataURL()``) and requires them
to change several times, checking with each reading that the loop has not finished. If
``coursekit.plotting.create_plot`` stopped turning noggin's live plotting on, the canvas
would keep its empty axes until the end and the test would fail.

The cells are run one by one, through the application's own commands, and never with Run
All: under Run All ipympl draws a new figure only once the kernel is idle, so the curves
appear at the end (the README says so). Each step waits on real state read from the
application (``window.jupyterapp``, exposed for the test): the kernel's status, the cells'
execution counts and outputs, the canvas's pixels. Skips, saying why, without JupyterLab 4,
Notebook 7, Playwright or Chromium.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

import nbformat
import pytest

from handout.student import KERNELSPEC

from conftest import REPO

# Front end -> (module to run, lowest major version, its application class, notebook URL).
FRONT_ENDS = {
    "lab": ("jupyterlab", "4", "LabApp", "lab/tree/live.ipynb"),
    "notebook": ("notebook", "7", "JupyterNotebookApp", "notebooks/live.ipynb"),
}
TOKEN = "live-plots-test"
# The loop logs until the test creates STOP; its own deadline only guards a lost test.
STOP = "stop-training"
LOOP = f"""\
import time
from pathlib import Path

import numpy as np

print("training", flush=True)
deadline, batch = time.monotonic() + 150, 0
while not Path({STOP!r}).exists() and time.monotonic() < deadline:
    loss = float(np.exp(-batch / 300) + 0.05 * np.random.rand())
    plotter.set_train_batch({{"loss": loss, "accuracy": 1 - loss / 2}}, batch_size=100)
    batch += 1
    time.sleep(0.01)
print("trained")
"""
CELLS = [
    "from coursekit.plotting import create_plot, setup_plots\n\nsetup_plots()",
    'plotter, fig, ax = create_plot(["loss", "accuracy"])',
    LOOP,
]
REDRAWS = 3  # canvas changes required while the loop runs

# The open notebook as the application sees it: its kernel, and each cell's execution count
# and the text it printed or returned.
NOTEBOOK_STATE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (!panel || !panel.sessionContext || !panel.content || !panel.content.model) {
        return null;
    }
    const session = panel.sessionContext.session;
    const kernel = session ? session.kernel : null;
    return {
        path: panel.context.path,
        ready: panel.sessionContext.isReady,
        kernel: kernel ? kernel.status : null,
        connection: kernel ? kernel.connectionStatus : null,
        cells: panel.content.widgets.map(cell => ({
            count: cell.model.executionCount,
            text: (cell.model.outputs ? cell.model.outputs.toJSON() : []).map(output => {
                const text = output.text ?? (output.data || {})["text/plain"] ?? "";
                return Array.isArray(text) ? text.join("") : text;
            }).join(""),
        })),
    };
}"""
# The figure's pixels, or null while its canvas is missing or blank; read with the state.
CANVAS = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const canvas = panel && panel.node.querySelector(".jupyter-matplotlib-canvas-div canvas");
    if (!canvas || !canvas.width || !canvas.height) return null;
    const blank = document.createElement("canvas");
    blank.width = canvas.width;
    blank.height = canvas.height;
    const pixels = canvas.toDataURL();
    return pixels === blank.toDataURL() ? null : pixels;
}"""
SAMPLE = f"() => ({{pixels: ({CANVAS})(), state: ({NOTEBOOK_STATE})()}})"
# Select one cell and run it, without waiting for it to finish.
RUN_CELL = """index => {
    const panel = window.jupyterapp.shell.currentWidget;
    panel.content.deselectAll();
    panel.content.activeCellIndex = index;
    void window.jupyterapp.commands.execute("notebook:run-cell");
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _api(base: str, path: str, method: str = "GET"):
    request = urllib.request.Request(f"{base}/api/{path}?token={TOKEN}", method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def _describe(sample: dict, errors: list[str]) -> str:
    """What the page showed, for a failure message: kernel, cells, canvas, page errors."""
    state = sample["state"]
    if state is None:
        return f"no notebook open; page errors: {errors}"
    cells = [(cell["count"], cell["text"][-200:]) for cell in state["cells"]]
    canvas = "blank or missing" if sample["pixels"] is None else "drawn"
    return (
        f"kernel {state['kernel']} ({state['connection']}); cells (count, output): {cells}; "
        f"canvas {canvas}; page errors: {errors}"
    )


def _ran(index: int):
    """Whether cell ``index`` has run and the kernel is idle again, as a condition on a sample."""
    return lambda s: (
        s["state"]["cells"][index]["count"] is not None and s["state"]["kernel"] == "idle"
    )


def _is_training(sample: dict) -> bool:
    """Whether the loop was still running when the sample was read.

    Read from the loop's cell, which has no execution count until its reply arrives, and not
    from the kernel's status, which can read "idle" while the cell runs: JupyterLab 4.6 and
    Notebook 7.6 send widget messages to a kernel subshell by default, and the subshell's
    busy and idle come in between the cell's.
    """
    loop = sample["state"]["cells"][2]
    return loop["count"] is None and "training" in loop["text"] and "trained" not in loop["text"]


class Served(NamedTuple):
    url: str  # the notebook's page
    root: Path  # the server's root folder, where the kernel runs


@pytest.fixture(params=list(FRONT_ENDS))
def jupyter(request, tmp_path):
    """A Jupyter server for one front end, on loopback, serving one notebook.

    The notebook is the lesson's plotting cells in small; the kernel imports ``coursekit``
    from this checkout. The server runs with a config folder of its own (no user settings
    or saved workspaces), without news or update checks, with ``HANDOUT_HEADLESS`` unset so
    that ``setup_plots`` chooses ipympl, and with the application exposed to the page.
    """
    module, major, app, notebook_path = FRONT_ENDS[request.param]
    installed = pytest.importorskip(module, reason=f"{module} is not installed")
    if int(installed.__version__.split(".")[0]) < int(major):
        pytest.skip(f"{module} {installed.__version__} is installed; this test needs {major}+")
    root, config = tmp_path / "root", tmp_path / "jupyter"
    root.mkdir()
    nbformat.write(
        nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell(source) for source in CELLS],
            metadata={"kernelspec": KERNELSPEC},
        ),
        root / "live.ipynb",
    )
    env = {k: v for k, v in os.environ.items() if k != "HANDOUT_HEADLESS"}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO / "tools"), env.get("PYTHONPATH")) if p
    )
    env["JUPYTER_CONFIG_DIR"] = str(config)
    env["JUPYTER_RUNTIME_DIR"] = str(config / "runtime")
    port = _free_port()
    command = [
        sys.executable, "-m", module, "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
        "--ServerApp.allow_root=True", f"--{app}.expose_app_in_browser=True",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                _api(base, "status")
                break
            except (OSError, urllib.error.URLError):
                assert server.poll() is None, f"{module} exited:\n{log.read_text()}"
                assert time.monotonic() < deadline, f"{module} did not start:\n{log.read_text()}"
                time.sleep(0.25)
        yield Served(f"{base}/{notebook_path}?token={TOKEN}", root)
    finally:
        if server.poll() is None:
            try:
                for kernel in _api(base, "kernels"):
                    _api(base, f"kernels/{kernel['id']}", method="DELETE")
            except (OSError, urllib.error.URLError):
                pass  # the server's own shutdown below stops its kernels too
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=30)


class Notebook:
    """The notebook open in one page, read and driven through ``window.jupyterapp``."""

    def __init__(self, page, url: str):
        self.page = page
        self.errors = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(url, timeout=90_000)
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=90_000)

    def sample(self) -> dict:
        return self.page.evaluate(SAMPLE)

    def wait_until(self, condition, what: str, timeout: float = 60) -> dict:
        """Poll the page until ``condition(sample)`` holds; else fail, naming ``what``."""
        deadline = time.monotonic() + timeout
        while True:
            sample = self.sample()
            if sample["state"] is not None and condition(sample):
                return sample
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {timeout} s; {_describe(sample, self.errors)}")
            self.page.wait_for_timeout(200)

    def run(self, index: int) -> None:
        self.page.evaluate(RUN_CELL, index)


@pytest.mark.slow
def test_training_curves_redraw_while_the_loop_runs(browser, jupyter):
    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    try:
        notebook = Notebook(context.new_page(), jupyter.url)
        notebook.wait_until(
            lambda s: (
                s["state"]["path"] == "live.ipynb"
                and len(s["state"]["cells"]) == len(CELLS)
                and s["state"]["ready"]
                and s["state"]["connection"] == "connected"
                and s["state"]["kernel"] == "idle"
            ),
            "the notebook's kernel to be ready and idle",
            timeout=90,
        )
        notebook.run(0)
        setup = notebook.wait_until(_ran(0), "setup_plots() to run")["state"]["cells"][0]["text"]
        assert setup == "'widget'", f"setup_plots() chose {setup!r}, not ipympl's widget backend"
        notebook.run(1)
        # A new ipympl figure draws once the kernel has answered the widget's first messages.
        empty = notebook.wait_until(
            lambda s: _ran(1)(s) and s["pixels"], "create_plot to draw its empty figure"
        )
        notebook.run(2)
        notebook.wait_until(
            lambda s: "training" in s["state"]["cells"][2]["text"], "the training loop to start"
        )
        frames = [empty["pixels"]]
        for redraw in range(1, REDRAWS + 1):
            sample = notebook.wait_until(
                lambda s: s["pixels"] not in (None, frames[-1]),
                f"redraw {redraw} of the curves while the loop runs",
                timeout=30,
            )
            assert _is_training(sample), (
                f"the loop ended after {redraw - 1} redraws, too soon to show anything"
            )
            frames.append(sample["pixels"])
        (jupyter.root / STOP).touch()
        notebook.wait_until(
            lambda s: _ran(2)(s) and "trained" in s["state"]["cells"][2]["text"],
            "the loop to stop when told",
        )
    finally:
        context.close()
