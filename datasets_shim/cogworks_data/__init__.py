"""The CogWorks DataSets API for the course's lessons, with verified, atomic downloads.

``download_mnist()`` fetches the MNIST files once into the data folder and
``load_mnist()`` returns the arrays; likewise ``download_fashion_mnist()`` and
``load_fashion_mnist()``. Files come from ``DATASETS_MIRROR`` (a local folder or a URL
base) when it is set, then from public HTTPS mirrors, and each is verified against a pinned
checksum before it is used. The data folder is ``DATASETS_HOME``, else the folder saved by
``set_path()``, else a per-user folder (``get_path()`` says which).

This package is named ``cogworks_data`` rather than ``datasets`` so that it can live in one
environment with HuggingFace's ``datasets``. Nothing is created or printed at import.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .exceptions import ChecksumError, DatasetError, DatasetNotFoundError, DownloadError
from .fetch import fetch as _fetch
from .idx import parse_idx
from .registry import DATASETS, FASHION_MNIST, MNIST, Dataset
from .store import (
    dataset_folder,
    get_path,
    read_stored,
    read_verified,
    restore_default_path,
    set_path,
)

__version__ = "0.2.0"

__all__ = [
    "ChecksumError",
    "DatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "download",
    "download_fashion_mnist",
    "download_mnist",
    "get_path",
    "load_fashion_mnist",
    "load_mnist",
    "restore_default_path",
    "set_path",
]

logger = logging.getLogger(__name__)

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def download(name: str) -> Path:
    """Download the data set called ``name`` (``"mnist"`` or ``"fashion-mnist"``) if needed.

    Files already present are verified and kept; a missing or damaged one is fetched again.

    Returns
    -------
    pathlib.Path
        The folder that holds the data set's verified files.

    Raises
    ------
    KeyError
        If no data set has that name.
    DownloadError
        If a file could not be fetched intact from any mirror.
    """
    dataset = DATASETS[name]
    folder = dataset_folder(dataset)
    for datafile in dataset.files:
        path = folder / datafile.name
        if path.is_file():
            try:
                read_verified(path, datafile)
                continue
            except ChecksumError as error:
                logger.warning("replacing a damaged copy: %s", error)
        _fetch(dataset, datafile)
    return folder


def _load(dataset: Dataset, download_hint: str) -> Arrays:
    arrays = []
    for datafile, is_image in zip(dataset.files, (True, False, True, False), strict=True):
        array = parse_idx(read_stored(dataset, datafile, download_hint), datafile.name)
        arrays.append(array[:, np.newaxis] if is_image else array.astype(np.int64))
    return tuple(arrays)


def download_mnist() -> Path:
    """Download the MNIST files, unless verified copies are already in the data folder.

    Each missing or damaged file is fetched from ``DATASETS_MIRROR`` (a local folder or a
    URL base) when that is set, then from public HTTPS mirrors, verified against its pinned
    checksum, and only then renamed into place.

    Returns
    -------
    pathlib.Path
        The folder that holds the four verified files.

    Raises
    ------
    DownloadError
        If a file could not be fetched intact from any mirror.
    """
    return download(MNIST.name)


def load_mnist() -> Arrays:
    """Load MNIST from the data folder, verifying every file first.

    ``load_mnist.labels`` names the ten classes (the digits, as strings).

    Returns
    -------
    x_train : numpy.ndarray, shape=(60000, 1, 28, 28), dtype=uint8
    y_train : numpy.ndarray, shape=(60000,), dtype=int64
        Labels, integers in [0, 10).
    x_test : numpy.ndarray, shape=(10000, 1, 28, 28), dtype=uint8
    y_test : numpy.ndarray, shape=(10000,), dtype=int64

    Raises
    ------
    DatasetNotFoundError
        If the files have not been downloaded (call :func:`download_mnist`).
    ChecksumError
        If a stored file is damaged.
    """
    return _load(MNIST, "cogworks_data.download_mnist()")


def download_fashion_mnist() -> Path:
    """Download the Fashion-MNIST files, unless verified copies are already present.

    Works as :func:`download_mnist` does.

    Returns
    -------
    pathlib.Path
        The folder that holds the four verified files.
    """
    return download(FASHION_MNIST.name)


def load_fashion_mnist() -> Arrays:
    """Load Fashion-MNIST from the data folder, verifying every file first.

    ``load_fashion_mnist.labels`` names the ten classes: T-shirt/top, Trouser, Pullover,
    Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.

    Returns
    -------
    x_train : numpy.ndarray, shape=(60000, 1, 28, 28), dtype=uint8
    y_train : numpy.ndarray, shape=(60000,), dtype=int64
    x_test : numpy.ndarray, shape=(10000, 1, 28, 28), dtype=uint8
    y_test : numpy.ndarray, shape=(10000,), dtype=int64

    Raises
    ------
    DatasetNotFoundError
        If the files have not been downloaded (call :func:`download_fashion_mnist`).
    ChecksumError
        If a stored file is damaged.
    """
    return _load(FASHION_MNIST, "cogworks_data.download_fashion_mnist()")


load_mnist.labels = MNIST.class_names
load_fashion_mnist.labels = FASHION_MNIST.class_names
