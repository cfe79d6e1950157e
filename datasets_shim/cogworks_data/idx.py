"""Parsing the IDX format that MNIST-style data sets use."""

from __future__ import annotations

import numpy as np

# The third byte of an IDX magic number names the element type; the lessons only need bytes.
_UNSIGNED_BYTE = 0x08


def parse_idx(content: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse decompressed IDX ``content`` into a writable array of unsigned bytes.

    Parameters
    ----------
    content : bytes
        The whole decompressed file.
    name : str, optional
        What to call the data in error messages.

    Returns
    -------
    numpy.ndarray
        A uint8 array with the shape stored in the header.

    Raises
    ------
    ValueError
        If the header is not that of unsigned-byte IDX data or disagrees with the length.
    """
    if len(content) < 4 or content[:2] != b"\x00\x00" or content[2] != _UNSIGNED_BYTE:
        raise ValueError(f"{name}: not unsigned-byte IDX data")
    ndim = content[3]
    header_size = 4 + 4 * ndim
    shape = tuple(int(d) for d in np.frombuffer(content, dtype=">u4", count=ndim, offset=4))
    if len(content) != header_size + int(np.prod(shape)):
        raise ValueError(f"{name}: header says {shape} but the data has another length")
    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape).copy()
