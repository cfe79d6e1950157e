"""The datasets shim: verified downloads into the data folder, and the CogWorks arrays."""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

import cogworks_data
from cogworks_data import ChecksumError, DatasetNotFoundError, DownloadError
from cogworks_data.fetch import fetch
from cogworks_data.registry import MNIST, DataFile, Dataset


@pytest.fixture(scope="module")
def mnist(data_home):
    """Real MNIST, downloaded once for this module into the session's data folder."""
    folder = cogworks_data.download_mnist()
    return folder, cogworks_data.load_mnist()


def test_load_mnist_honours_the_cogworks_contract(mnist):
    folder, (x_train, y_train, x_test, y_test) = mnist
    assert x_train.shape == (60000, 1, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (10000, 1, 28, 28) and x_test.dtype == np.uint8
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert y_test[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert np.bincount(y_train).tolist() == [
        5923,
        6742,
        5958,
        6131,
        5842,
        5421,
        5918,
        6265,
        5851,
        5949,
    ]
    assert round(float(x_train.mean() / 255), 4) == 0.1307
    assert x_train.flags.writeable


def test_files_land_in_datasets_home_and_are_not_fetched_twice(mnist, data_home):
    folder, _ = mnist
    assert folder == data_home / "mnist"
    assert sorted(p.name for p in folder.iterdir()) == sorted(f.name for f in MNIST.files)
    stamps = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    cogworks_data.download_mnist()
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == stamps


def test_damaged_file_is_reported_on_load_and_replaced_by_download(mnist, data_home):
    folder, _ = mnist
    labels = folder / MNIST.test_labels.name
    original = labels.read_bytes()
    labels.write_bytes(original[: len(original) // 2])
    with pytest.raises(ChecksumError, match=rf"{labels}.*download_mnist\(\)"):
        cogworks_data.load_mnist()
    cogworks_data.download_mnist()
    assert cogworks_data.load_mnist()[3][:3].tolist() == [7, 2, 1]


def test_missing_data_names_the_folder_and_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASETS_HOME", str(tmp_path))
    with pytest.raises(DatasetNotFoundError, match=rf"{tmp_path}.*download_mnist\(\)"):
        cogworks_data.load_mnist()


def test_import_creates_and_prints_nothing(tmp_path):
    import subprocess
    import sys

    env = {**os.environ, "DATASETS_HOME": str(tmp_path / "home")}
    completed = subprocess.run(
        [sys.executable, "-c", "import cogworks_data"], env=env, capture_output=True, text=True
    )
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")
    assert not (tmp_path / "home").exists()


# -- fetching, on small files of known content ---------------------------------------------


CONTENT = b"\x00\x00\x08\x01\x00\x00\x00\x03\x07\x02\x01"  # IDX labels 7 2 1


def tiny_dataset(mirror: str) -> tuple[Dataset, DataFile]:
    import hashlib

    datafile = DataFile(
        "tiny-labels-idx1-ubyte.gz", len(CONTENT), hashlib.sha256(CONTENT).hexdigest()
    )
    dataset = Dataset("tiny", datafile, datafile, datafile, datafile, (mirror,))
    return dataset, datafile


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` over HTTP on loopback for the duration of the block."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_recompressed_copy_verifies_and_html_page_does_not(tmp_path, monkeypatch):
    """The checksum pins decompressed content, so any gzip of it passes and nothing else."""
    monkeypatch.setenv("DATASETS_HOME", str(tmp_path / "home"))
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir(), bad.mkdir()
    (good / "tiny-labels-idx1-ubyte.gz").write_bytes(gzip.compress(CONTENT, compresslevel=1))
    (bad / "tiny-labels-idx1-ubyte.gz").write_bytes(b"<html>Access denied</html>")
    with serve(good) as good_url, serve(bad) as bad_url:
        dataset, datafile = tiny_dataset(good_url)
        path = fetch(dataset, datafile, [bad_url + datafile.name, good_url + datafile.name])
    assert gzip.decompress(path.read_bytes()) == CONTENT
    assert sorted(p.name for p in path.parent.iterdir()) == [datafile.name]


def test_every_mirror_failing_lists_each_reason_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASETS_HOME", str(tmp_path / "home"))
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "tiny-labels-idx1-ubyte.gz").write_bytes(gzip.compress(CONTENT[:-1] + b"\x09"))
    with serve(wrong) as url:
        dataset, datafile = tiny_dataset(url)
        locations = [url + "missing.gz", url + datafile.name, str(tmp_path / "nowhere.gz")]
        with pytest.raises(DownloadError) as error:
            fetch(dataset, datafile, locations)
    message = str(error.value)
    assert "404" in message and "sha256" in message and "no such file" in message
    assert "DATASETS_MIRROR" in message
    assert list((tmp_path / "home" / "tiny").iterdir()) == []


def test_datasets_mirror_may_be_a_url_base(tmp_path, monkeypatch, mnist):
    """A lab can serve its copy over HTTP and point DATASETS_MIRROR at it."""
    folder, _ = mnist
    served = tmp_path / "served" / "mnist"
    shutil.copytree(folder, served)
    monkeypatch.setenv("DATASETS_HOME", str(tmp_path / "home"))
    with serve(tmp_path / "served") as url:
        monkeypatch.setenv("DATASETS_MIRROR", url)
        assert cogworks_data.download_mnist() == tmp_path / "home" / "mnist"
    assert cogworks_data.load_mnist()[1].shape == (60000,)
