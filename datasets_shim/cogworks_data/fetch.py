"""Fetching a data set's files from mirrors: verified before they are trusted, renamed into place.

A file is downloaded into a hidden temporary file in the data folder, verified against its
pinned checksum, and only then renamed to its real name; so an interrupted or corrupted
download never leaves a file that a later call would trust.
"""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import BinaryIO

from tqdm import tqdm

from .exceptions import ChecksumError, DatasetError, DownloadError
from .registry import DataFile, Dataset
from .store import dataset_folder, verify

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 60
_USER_AGENT = "cogworks-data (course data downloader)"
_CHUNK = 1 << 16
# A killed download leaves its hidden ``.part`` file behind; it is never read, and the next
# download removes it once it is this old (younger ones may belong to a download under way).
_STALE_PART_SECONDS = 24 * 3600


def mirror_locations(dataset: Dataset, datafile: DataFile) -> list[str]:
    """List every location to try for ``datafile``, best first.

    ``DATASETS_MIRROR`` (a local folder or a URL base) comes first; it may hold the files
    in a sub-folder named after the data set, or directly. The public HTTPS mirrors follow.
    """
    locations = []
    mirror = os.environ.get("DATASETS_MIRROR")
    if mirror:
        if "://" in mirror:
            base = mirror.rstrip("/")
            locations += [f"{base}/{dataset.name}/{datafile.name}", f"{base}/{datafile.name}"]
        else:
            folder = Path(mirror).expanduser()
            locations += [str(folder / dataset.name / datafile.name), str(folder / datafile.name)]
    locations += [base + datafile.name for base in dataset.public_mirrors]
    return locations


def _show_progress() -> bool:
    """Progress bars go to a terminal or a notebook, never into logs or CI output."""
    if os.environ.get("CI"):
        return False
    try:
        shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    except AttributeError:
        shell = None
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        return True
    return sys.stderr is not None and sys.stderr.isatty()


def _download(location: str, target: BinaryIO, label: str) -> None:
    request = urllib.request.Request(location, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        with tqdm(
            total=total,
            unit="B",
            unit_scale=True,
            desc=label,
            disable=not _show_progress(),
            leave=False,
        ) as bar:
            received = 0
            while chunk := response.read(_CHUNK):
                target.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total is not None and received < total:
        raise ConnectionError(f"the connection closed after {received} of {total} bytes")


def _copy_to(location: str, target: BinaryIO, label: str) -> None:
    if "://" in location:
        _download(location, target, label)
    else:
        with open(location, "rb") as source:
            shutil.copyfileobj(source, target)


def _writable_folder(dataset: Dataset) -> Path:
    folder = dataset_folder(dataset)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass  # can we write here? a read-only home fails now, with a clear message
    except OSError as error:
        raise DatasetError(
            f"cannot write the {dataset.name} files to {folder} ({error.strerror or error}); "
            "set DATASETS_HOME, or call set_path(), to use a folder you can write to"
        ) from error
    now = time.time()
    for part in folder.glob(".*.part"):
        try:
            if now - part.stat().st_mtime > _STALE_PART_SECONDS:
                part.unlink()
        except OSError:
            pass  # another process removed it first, or it is not ours to remove
    return folder


def fetch(dataset: Dataset, datafile: DataFile, locations: list[str] | None = None) -> Path:
    """Download one file into the data folder from the first location that serves it intact.

    Parameters
    ----------
    dataset : Dataset
        The data set the file belongs to.
    datafile : DataFile
        The file to fetch.
    locations : list of str, optional
        Where to try, in order; default :func:`mirror_locations`.

    Returns
    -------
    pathlib.Path
        The verified file.

    Raises
    ------
    DatasetError
        If the data folder cannot be written to.
    DownloadError
        If no location gave an intact copy; lists each location with its reason.
    """
    folder = _writable_folder(dataset)
    final = folder / datafile.name
    failures = []
    for location in locations if locations is not None else mirror_locations(dataset, datafile):
        if "://" not in location and not Path(location).is_file():
            failures.append(f"{location}: no such file")
            continue
        descriptor, temporary = tempfile.mkstemp(
            dir=folder, prefix=f".{datafile.name}.", suffix=".part"
        )
        try:
            logger.info("fetching %s", location)
            with os.fdopen(descriptor, "wb") as target:
                _copy_to(location, target, f"{dataset.name}/{datafile.name}")
            verify(Path(temporary), datafile)
            # mkstemp makes the file private to its owner; give it the usual permissions so
            # that a lab can stage the data once for every user of the machine.
            os.chmod(temporary, 0o666 & ~_current_umask())
            os.replace(temporary, final)
            return final
        except (
            OSError,
            ValueError,
            http.client.HTTPException,
            urllib.error.URLError,
            ChecksumError,
        ) as error:
            missing = isinstance(error, urllib.error.HTTPError) and error.code == 404
            logger.log(
                logging.INFO if missing else logging.WARNING, "%s failed: %s", location, error
            )
            failures.append(f"{location}: {error}")
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    raise DownloadError(
        f"could not get an intact copy of {dataset.name}/{datafile.name}:\n  "
        + "\n  ".join(failures)
        + "\nIf this machine cannot reach these mirrors, set DATASETS_MIRROR to a folder "
        "or URL that holds a copy of the files."
    )


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
