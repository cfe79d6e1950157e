"""Fetching a data set's files from mirrors: verified before they are trusted, renamed into place.

A file is downloaded into a hidden temporary file in the data folder, verified against its
pinned checksum, and only then renamed to its real name; so an interrupted or corrupted
download never leaves a file that a later call would trust.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from .exceptions import ChecksumError, DownloadError
from .registry import DataFile, Dataset
from .store import dataset_folder, read_verified

logger = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 60
_USER_AGENT = "cogworks-data (course data downloader)"


def mirror_locations(dataset: Dataset, datafile: DataFile) -> list[str]:
    """List every location to try for ``datafile``, best first.

    ``DATASETS_MIRROR`` (a local folder or a URL base) comes first; it may hold the files
    directly or in a sub-folder named after the data set. The public HTTPS mirrors follow.
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


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _copy_to(location: str, target) -> None:
    if "://" not in location:
        with open(location, "rb") as source:
            shutil.copyfileobj(source, target)
        return
    request = urllib.request.Request(location, headers={"User-Agent": _USER_AGENT})
    with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
        shutil.copyfileobj(response, target)


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
    DownloadError
        If no location gave an intact copy; lists each location with its reason.
    """
    folder = dataset_folder(dataset)
    folder.mkdir(parents=True, exist_ok=True)
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
                _copy_to(location, target)
            read_verified(Path(temporary), datafile)
            # mkstemp creates the file private to its owner; give it the usual permissions so
            # that a lab can stage the data once for every user of the machine.
            os.chmod(temporary, 0o666 & ~_current_umask())
            os.replace(temporary, final)
            return final
        except (OSError, urllib.error.URLError, ChecksumError) as error:
            logger.warning("%s failed: %s", location, error)
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
