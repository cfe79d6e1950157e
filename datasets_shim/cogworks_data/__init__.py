"""The CogWorks DataSets API for the course's lessons, with verified, atomic downloads.

``download_mnist()`` fetches the MNIST files once into the data folder (``DATASETS_HOME``,
or a per-user folder), from ``DATASETS_MIRROR`` when set and otherwise from public HTTPS
mirrors, and verifies each against a pinned checksum. ``load_mnist()`` returns the arrays.

This package is named ``cogworks_data`` rather than ``datasets`` so that it can live in one
environment with HuggingFace's ``datasets``. Nothing is created or printed at import.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .exceptions import ChecksumError, DatasetError, DatasetNotFoundError, DownloadError
from .fetch import fetch
from .idx import parse_idx
from .registry import MNIST, Dataset
from .store import data_home, dataset_folder, read_stored, read_verified

__version__ = "0.1.0"

__all__ = [
    "ChecksumError",
    "DatasetError",
    "DatasetNotFoundError",
    "DownloadError",
    "data_home",
    "download_mnist",
    "load_mnist",
]

logger = logging.getLogger(__name__)


def _download(dataset: Dataset) -> Path:
    folder = dataset_folder(dataset)
    for datafile in dataset.files:
        path = folder / datafile.name
        if path.is_file():
            try:
                read_verified(path, datafile)
                continue
            except ChecksumError as error:
                logger.warning("replacing a damaged copy: %s", error)
        fetch(dataset, datafile)
    return folder


def _load(dataset: Dataset, download_hint: str):
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
    return _download(MNIST)


def load_mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load MNIST from the data folder, verifying every file first.

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
