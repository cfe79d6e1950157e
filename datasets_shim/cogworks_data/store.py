"""Where the data lives on disk, and how a stored file is verified and read."""

from __future__ import annotations

import gzip
import hashlib
import os
import zlib
from pathlib import Path

from .exceptions import ChecksumError, DatasetNotFoundError
from .registry import DataFile, Dataset

_CHUNK = 1 << 20


def data_home() -> Path:
    """Return the folder that holds every data set, without creating it.

    ``DATASETS_HOME`` wins when set; otherwise a per-user folder:
    ``%LOCALAPPDATA%\\cogworks-datasets`` on Windows, else
    ``$XDG_DATA_HOME/cogworks-datasets`` (``~/.local/share/cogworks-datasets``).

    Returns
    -------
    pathlib.Path
        The data folder, which may not exist yet.
    """
    configured = os.environ.get("DATASETS_HOME")
    if configured:
        return Path(configured).expanduser()
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "cogworks-datasets"
    xdg = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(xdg) / "cogworks-datasets"


def dataset_folder(dataset: Dataset) -> Path:
    """Return the folder that holds ``dataset``'s files (it may not exist yet)."""
    return data_home() / dataset.name


def read_verified(path: Path, expected: DataFile) -> bytes:
    """Decompress ``path`` and check it against the pinned size and checksum.

    Parameters
    ----------
    path : pathlib.Path
        A gzip-compressed copy of ``expected``.
    expected : DataFile
        The pinned description of the file.

    Returns
    -------
    bytes
        The decompressed content.

    Raises
    ------
    ChecksumError
        If the file is not gzip data, is truncated, or its content does not match.
    """
    try:
        with gzip.open(path, "rb") as stream:
            content = stream.read()
    except (OSError, EOFError, zlib.error) as error:
        raise ChecksumError(f"{path}: not a complete gzip file ({error})") from error
    if len(content) != expected.size:
        raise ChecksumError(
            f"{path}: decompressed size {len(content)} bytes, expected {expected.size}"
        )
    digest = hashlib.sha256(content).hexdigest()
    if digest != expected.sha256:
        raise ChecksumError(f"{path}: sha256 {digest} does not match the pinned {expected.sha256}")
    return content


def read_stored(dataset: Dataset, expected: DataFile, download_hint: str) -> bytes:
    """Read one stored file of ``dataset``, verified; say how to fix it when it is not there.

    Raises
    ------
    DatasetNotFoundError
        If the file has not been downloaded.
    ChecksumError
        If the stored copy is damaged; the message names the command that replaces it.
    """
    path = dataset_folder(dataset) / expected.name
    if not path.is_file():
        raise DatasetNotFoundError(
            f"{dataset.name}: {path} is missing; run {download_hint} first "
            "(set DATASETS_HOME to keep the data elsewhere)"
        )
    try:
        return read_verified(path, expected)
    except ChecksumError as error:
        raise ChecksumError(f"{error}; run {download_hint} to replace it") from error
