"""``python -m cogworks_data``: stage data sets before class, and list what is here.

python -m cogworks_data download mnist fashion-mnist
python -m cogworks_data list
"""

from __future__ import annotations

import argparse
import logging
import sys

from . import DATASETS, download, get_path
from .exceptions import ChecksumError, DatasetError
from .registry import Dataset
from .store import dataset_folder, read_verified


def _status(dataset: Dataset) -> str:
    """``verified``, ``missing`` or ``damaged`` for a data set's files as a whole."""
    folder = dataset_folder(dataset)
    states = []
    for datafile in dataset.files:
        path = folder / datafile.name
        if not path.is_file():
            states.append("missing")
            continue
        try:
            read_verified(path, datafile)
            states.append("verified")
        except (ChecksumError, OSError):
            states.append("damaged")
    for state in ("damaged", "missing"):
        if state in states:
            return f"{state} ({states.count(state)} of {len(states)} files)"
    return "verified"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 ok, 1 failed, 2 usage)."""
    parser = argparse.ArgumentParser(
        prog="python -m cogworks_data", description=__doc__.split("\n")[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    fetch = commands.add_parser("download", help="download and verify data sets")
    fetch.add_argument(
        "names",
        nargs="+",
        choices=sorted(DATASETS),
        metavar="NAME",
        help=f"one or more of: {', '.join(sorted(DATASETS))}",
    )
    commands.add_parser("list", help="show each data set's state in the data folder")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:
        return int(exit.code or 0)
    logging.basicConfig(level=logging.INFO, format="cogworks_data: %(message)s")
    if args.command == "list":
        print(f"data folder: {get_path()}")
        for name, dataset in sorted(DATASETS.items()):
            print(f"{name:15} {_status(dataset)}")
        return 0
    for name in args.names:
        try:
            print(f"{name}: verified in {download(name)}")
        except DatasetError as error:
            print(f"cogworks_data: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
