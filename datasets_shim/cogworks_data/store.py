"""Where the data lives on disk, and how a stored file is verified and read.

The data folder is, in order: ``DATASETS_HOME`` when set; else the folder saved by
:func:`set_path`; else a per-user default. Nothing here creates a folder or a file until a
download or :func:`set_path` asks for it.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import os
import tempfile
import zlib
from pathlib import Path

from .exceptions import ChecksumError, DatasetError, DatasetNotFoundError
from .registry import DataFile, Dataset

logger = logging.getLogger(__name__)

APP_NAME = "cogworks-datasets"


def _user_folder(windows_variable: str, xdg_variable: str, xdg_default: Path) -> Path:
    if os.name == "nt" and os.environ.get(windows_variable):
        return Path(os.environ[windows_variable]) / APP_NAME
    return Path(os.environ.get(xdg_variable) or xdg_default) / APP_NAME


def default_path() -> Path:
    """The per-user data folder used when neither ``DATASETS_HOME`` nor :func:`set_path` says.

    ``%LOCALAPPDATA%\\cogworks-datasets`` on Windows, else ``$XDG_DATA_HOME/cogworks-datasets``
    (``~/.local/share/cogworks-datasets``).
    """
    return _user_folder("LOCALAPPDATA", "XDG_DATA_HOME", Path.home() / ".local" / "share")


def config_file() -> Path:
    """The file in which :func:`set_path` saves the data folder."""
    folder = _user_folder("APPDATA", "XDG_CONFIG_HOME", Path.home() / ".config")
    return folder / "path"


def _saved_path() -> Path | None:
    try:
        saved = config_file().read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return Path(saved) if saved else None


def get_path() -> Path:
    """Return the folder that holds every data set (it may not exist yet).

    Returns
    -------
    pathlib.Path
        ``DATASETS_HOME`` if set, else the folder saved by :func:`set_path`, else
        :func:`default_path`.
    """
    configured = os.environ.get("DATASETS_HOME")
    if configured:
        return Path(configured).expanduser()
    return _saved_path() or default_path()


def set_path(path: str | os.PathLike, mkdir: bool = False) -> Path:
    """Keep the data sets in ``path`` from now on, in this and every later session.

    Parameters
    ----------
    path : str or os.PathLike
        The folder; saved as an absolute path.
    mkdir : bool, optional
        Create the folder (and its parents) if it does not exist. Default False.

    Returns
    -------
    pathlib.Path
        The folder now in use.

    Raises
    ------
    NotADirectoryError
        If ``path`` is not an existing folder and ``mkdir`` is False.
    """
    folder = Path(path).expanduser().resolve()
    if mkdir:
        folder.mkdir(parents=True, exist_ok=True)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder; pass mkdir=True to create it")
    write_atomically(config_file(), str(folder) + "\n")
    if os.environ.get("DATASETS_HOME"):
        logger.warning("DATASETS_HOME is set, and wins over the saved path until unset")
    return get_path()


def restore_default_path() -> Path:
    """Forget the folder saved by :func:`set_path`; return the folder now in use."""
    config_file().unlink(missing_ok=True)
    return get_path()


def dataset_folder(dataset: Dataset) -> Path:
    """Return the folder that holds ``dataset``'s files (it may not exist yet)."""
    return get_path() / dataset.name


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` through a temporary file in the same folder, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def verify(path: Path, expected: DataFile) -> bytes:
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
        If the file is not gzip data, is truncated, or its content does not match; the
        message says what is wrong, without the path.
    """
    try:
        with gzip.open(path, "rb") as stream:
            content = stream.read(expected.size + 1)
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise ChecksumError(f"not a complete gzip file ({error})") from error
    if len(content) != expected.size:
        raise ChecksumError(f"decompressed size {len(content)} bytes, expected {expected.size}")
    digest = hashlib.sha256(content).hexdigest()
    if digest != expected.sha256:
        raise ChecksumError(f"sha256 {digest} does not match the pinned {expected.sha256}")
    return content


def read_verified(path: Path, expected: DataFile) -> bytes:
    """:func:`verify` a stored file; errors name its path."""
    try:
        return verify(path, expected)
    except ChecksumError as error:
        raise ChecksumError(f"{path}: {error}") from error


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
            "(or set DATASETS_HOME to the folder that holds the data)"
        )
    try:
        return read_verified(path, expected)
    except ChecksumError as error:
        raise ChecksumError(f"{error}; run {download_hint} to replace it") from error
    except OSError as error:
        raise DatasetError(f"{path}: cannot be read ({error})") from error
