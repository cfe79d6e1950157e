"""The datasets shim: the CogWorks contract, and downloads that cannot corrupt or mislead.

Downloads are tested against a real HTTP server on loopback that serves the real MNIST
files, and misbehaves on purpose under some paths (403, an HTML page, a truncated body, a
dropped connection, the wrong file, a stalled body).
"""

from __future__ import annotations

import contextlib
import gzip
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import cogworks_data
from cogworks_data import ChecksumError, DatasetError, DatasetNotFoundError, DownloadError
from cogworks_data.__main__ import main as shim_main
from cogworks_data.fetch import fetch
from cogworks_data.registry import MNIST

LABELS = MNIST.test_labels  # the smallest real file: 4.5 kB compressed


@pytest.fixture(scope="module")
def mnist(data_home):
    """Real MNIST, downloaded once for this module into the session's data folder."""
    folder = cogworks_data.download_mnist()
    return folder, cogworks_data.load_mnist()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty data folder of the test's own."""
    monkeypatch.setenv("DATASETS_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_load_mnist_honours_the_cogworks_contract(mnist):
    folder, (x_train, y_train, x_test, y_test) = mnist
    assert x_train.shape == (60000, 1, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 1, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    counts = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert np.bincount(y_train).tolist() == counts
    assert round(float(x_train.mean() / 255), 4) == 0.1307
    assert x_train.flags.writeable
    assert cogworks_data.load_mnist.labels == tuple("0123456789")


def test_files_land_in_datasets_home_and_are_not_fetched_twice(mnist, data_home):
    folder, _ = mnist
    assert folder == data_home / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in MNIST.files)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    cogworks_data.download_mnist()
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps


def test_damaged_file_is_reported_on_load_and_replaced_by_download(mnist):
    folder, _ = mnist
    labels = folder / LABELS.name
    original = labels.read_bytes()
    labels.write_bytes(original[: len(original) // 2])
    with pytest.raises(ChecksumError, match=rf"{labels}.*download_mnist\(\)"):
        cogworks_data.load_mnist()
    cogworks_data.download_mnist()
    assert labels.read_bytes() == original


def test_missing_data_names_the_folder_and_the_fix(home):
    with pytest.raises(DatasetNotFoundError, match=rf"{home}.*download_mnist\(\)"):
        cogworks_data.load_mnist()


def test_fashion_mnist_loads_with_its_class_names(fashion_mirror, home, monkeypatch):
    if fashion_mirror is not None:
        monkeypatch.setenv("DATASETS_MIRROR", str(fashion_mirror))
    cogworks_data.download_fashion_mnist()
    x_train, y_train, x_test, y_test = cogworks_data.load_fashion_mnist()
    assert x_train.shape == (60000, 1, 28, 28) and x_test.shape == (10000, 1, 28, 28)
    assert y_train[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert np.bincount(y_train).tolist() == [6000] * 10
    labels = cogworks_data.load_fashion_mnist.labels
    assert labels[0] == "T-shirt/top" and labels[9] == "Ankle boot" and len(labels) == 10


def test_import_creates_and_prints_nothing(tmp_path):
    env = {**os.environ, "DATASETS_HOME": str(tmp_path / "home"), "HOME": str(tmp_path)}
    env.pop("XDG_CONFIG_HOME", None)
    completed = subprocess.run(
        [sys.executable, "-c", "import cogworks_data"], env=env, capture_output=True, text=True
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")
    assert list(tmp_path.iterdir()) == []


def test_path_order_is_home_variable_then_saved_path_then_default(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("DATASETS_HOME", raising=False)
    assert cogworks_data.get_path() == tmp_path / "data" / "cogworks-datasets"
    with pytest.raises(NotADirectoryError, match="mkdir=True"):
        cogworks_data.set_path(tmp_path / "course-data")
    assert cogworks_data.set_path(tmp_path / "course-data", mkdir=True) == tmp_path / "course-data"
    assert cogworks_data.get_path() == tmp_path / "course-data"
    monkeypatch.setenv("DATASETS_HOME", str(tmp_path / "lab"))
    assert cogworks_data.get_path() == tmp_path / "lab"
    monkeypatch.delenv("DATASETS_HOME")
    assert cogworks_data.restore_default_path() == tmp_path / "data" / "cogworks-datasets"


# -- downloads from a misbehaving server ---------------------------------------------------


class MirrorHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``folder``'s files under /ok/ and misbehaves under the other first segments."""

    folder: Path

    def log_message(self, *args):
        pass

    def do_GET(self):
        mode, _, name = self.path.strip("/").partition("/")
        path = self.folder / name
        if not path.is_file():
            return self.send_error(404)
        body = path.read_bytes()
        if mode == "forbidden":
            return self.send_error(403)
        if mode == "html":
            return self._send(b"<html><body>Please log in to the campus network</body></html>")
        if mode == "wrong":
            return self._send(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"))
        if mode == "truncated":
            return self._send(body[: len(body) // 2], length=len(body))
        if mode in ("dropped", "stalled"):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if mode == "stalled":
                time.sleep(30)
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        return self._send(body)

    def _send(self, body: bytes, length: int | None = None):
        self.send_response(200)
        self.send_header("Content-Length", str(length or len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` (see :class:`MirrorHandler`) on loopback for the block's duration."""
    handler = type("Handler", (MirrorHandler,), {"folder": folder})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def server(mnist):
    folder, _ = mnist
    with serve(folder) as url:
        yield url


def only_verified_files_left(home: Path) -> list[str]:
    """The data files in the folder, after checking that each verifies.

    Hidden ``.part`` files, which nothing reads, are allowed; nothing else is.
    """
    folder = home / "mnist"
    found = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    names = [name for name in found if not name.startswith(".")]
    assert all(name.endswith(".part") for name in found if name.startswith("."))
    for name in names:
        datafile = next(f for f in MNIST.files if f.name == name)
        cogworks_data.read_verified(folder / name, datafile)
    return names


def test_clean_download_over_http(server, home):
    path = fetch(MNIST, LABELS, [f"{server}/ok/{LABELS.name}"])
    assert path == home / "mnist" / LABELS.name
    assert only_verified_files_left(home) == [LABELS.name]


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("forbidden", "HTTP Error 403"),
        ("html", "not a complete gzip file"),
        ("truncated", "the connection closed after 2258 of 4517 bytes"),
        ("dropped", "not a complete gzip file"),
        ("wrong", "decompressed size 9 bytes"),
        ("missing", "HTTP Error 404"),
    ],
)
def test_bad_mirror_ends_in_a_clear_error_and_leaves_nothing(server, home, mode, reason):
    url = f"{server}/{mode}/{LABELS.name if mode != 'missing' else 'nothing.gz'}"
    with pytest.raises(DownloadError) as error:
        fetch(MNIST, LABELS, [url])
    assert f"{url}: " in str(error.value) and reason in str(error.value)
    assert "DATASETS_MIRROR" in str(error.value)
    assert list((home / "mnist").iterdir()) == []


def test_failing_mirrors_are_reported_and_the_next_one_used(server, home, caplog):
    bad = [f"{server}/forbidden/{LABELS.name}", f"{server}/html/{LABELS.name}"]
    path = fetch(MNIST, LABELS, [*bad, f"{server}/ok/{LABELS.name}"])
    assert only_verified_files_left(home) == [LABELS.name] and path.is_file()
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert [message.split(" failed")[0] for message in warned] == bad


def test_datasets_mirror_may_be_a_url_base_with_a_folder_per_data_set(server, home, monkeypatch):
    """A lab serves its copy over HTTP; both ``BASE/mnist/FILE`` and ``BASE/FILE`` work."""
    monkeypatch.setenv("DATASETS_MIRROR", f"{server}/ok")
    assert cogworks_data.download_mnist() == home / "mnist"
    assert cogworks_data.load_mnist()[1].shape == (60000,)


def test_read_only_home_gives_a_clear_error(server, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "mnist").mkdir(parents=True)
    monkeypatch.setenv("DATASETS_HOME", str(home))
    expected = pytest.raises(DatasetError, match=r"cannot write .* set DATASETS_HOME")
    with read_only(home / "mnist"), expected:
        fetch(MNIST, LABELS, [f"{server}/ok/{LABELS.name}"])
    assert list((home / "mnist").iterdir()) == []


@contextlib.contextmanager
def read_only(folder: Path):
    """Make ``folder`` read-only even for root, who ignores permission bits."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a folder read-only")
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"this file system has no immutable flag: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def test_killed_download_leaves_nothing_trusted_and_a_retry_succeeds(server, home):
    """A download killed mid-body leaves only a hidden part file, which nothing reads."""
    images = MNIST.train_images
    script = (
        "from cogworks_data.fetch import fetch; from cogworks_data.registry import MNIST; "
        f"fetch(MNIST, MNIST.train_images, ['{server}/stalled/{images.name}'])"
    )
    child = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
    folder = home / "mnist"
    deadline = time.monotonic() + 20
    while not any(part.stat().st_size for part in folder.glob(".*.part")):
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert only_verified_files_left(home) == []
    with pytest.raises(DatasetNotFoundError):
        cogworks_data.load_mnist()
    (part,) = folder.glob(".*.part")
    fetch(MNIST, images, [f"{server}/ok/{images.name}"])
    assert only_verified_files_left(home) == [images.name]
    assert part.exists(), "a young part file may belong to a download under way"
    day_ago = time.time() - 25 * 3600
    os.utime(part, (day_ago, day_ago))
    fetch(MNIST, LABELS, [f"{server}/ok/{LABELS.name}"])
    assert not part.exists()


# -- the command line ---------------------------------------------------------------------


def test_command_line_stages_the_data_and_lists_what_is_verified(server, home, capsys, monkeypatch):
    monkeypatch.setenv("DATASETS_MIRROR", f"{server}/ok")
    assert shim_main(["list"]) == 0
    assert "mnist           missing (4 of 4 files)" in capsys.readouterr().out
    assert shim_main(["download", "mnist"]) == 0
    (home / "mnist" / LABELS.name).write_bytes(b"damaged")
    assert shim_main(["list"]) == 0
    listing = capsys.readouterr().out
    assert f"data folder: {home}" in listing
    assert "mnist           damaged (1 of 4 files)" in listing
    assert "fashion-mnist   missing (4 of 4 files)" in listing


def test_command_line_download_failure_exits_non_zero(home, capsys, monkeypatch, tmp_path):
    nowhere = str(tmp_path / "nowhere.gz")
    monkeypatch.setattr("cogworks_data.fetch.mirror_locations", lambda *args: [nowhere])
    assert shim_main(["download", "nonsense"]) == 2
    assert shim_main(["download", "mnist"]) == 1
    err = capsys.readouterr().err
    assert f"{nowhere}: no such file" in err and "DATASETS_MIRROR" in err


# -- living beside HuggingFace's `datasets` -----------------------------------------------


@pytest.mark.slow
def test_shim_and_huggingface_datasets_import_side_by_side(tmp_path, mnist):
    """In one fresh environment: HuggingFace's ``datasets``, and the lesson's data cells."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    repo = Path(__file__).resolve().parents[1]

    def pip(*args: str) -> None:
        subprocess.run([python, "-m", "pip", "install", "-q", *args], check=True)

    pip("datasets", "numpy", "tqdm")
    pip("--no-deps", str(repo))
    folder, _ = mnist
    script = (
        "import datasets\n"
        "assert callable(datasets.load_dataset), datasets.__file__\n"
        "from cogworks_data import load_mnist, download_mnist\n"
        "download_mnist()\n"
        "x_train, y_train, x_test, y_test = load_mnist()\n"
        "print(datasets.__version__, x_train.shape, y_test[:3].tolist())\n"
    )
    env = {**os.environ, "DATASETS_HOME": str(folder.parent)}
    completed = subprocess.run(
        [python, "-c", script], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split(" ", 1)[1].strip() == "(60000, 1, 28, 28) [7, 2, 1]"
