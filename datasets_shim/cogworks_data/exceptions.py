"""Errors raised by the datasets shim.

Each subclasses the builtin a caller would already catch, so ``except OSError`` or
``except FileNotFoundError`` keeps working in code written for the CogWorks DataSets helper.
"""


class DatasetError(OSError):
    """A data set could not be fetched, verified or loaded."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """A data set's files are not in the data folder; the message says how to get them."""


class ChecksumError(DatasetError):
    """A file's content differs from the pinned checksum of the data set."""


class DownloadError(DatasetError):
    """Every mirror failed for a file; the message lists each URL with its reason."""
