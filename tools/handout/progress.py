"""Progress of a build while lessons run: which lesson, which cell, how long so far.

On a terminal each running lesson has a tqdm bar; elsewhere (a CI log, a pipe) each cell
that starts is one plain log line, so that a log shows where a slow or stuck lesson was.
"""

from __future__ import annotations

import logging
import sys
import time

from tqdm import tqdm

logger = logging.getLogger(__name__)


class Progress:
    """Reports lessons and cells as they start, and writes result lines around the bars.

    Parameters
    ----------
    bars : bool
        Draw tqdm bars on standard error (for a terminal) rather than log lines.
    """

    def __init__(self, bars: bool):
        self.bars = bars
        self._running: dict[str, tuple[float, int, tqdm | None]] = {}
        self._rows: dict[str, int] = {}  # terminal row of each running lesson's bar

    @classmethod
    def for_stream(cls, stream=None) -> Progress:
        """Bars when ``stream`` (default standard error) is a terminal, else log lines."""
        stream = stream or sys.stderr
        return cls(bars=hasattr(stream, "isatty") and stream.isatty())

    def started(self, name: str, cells: int) -> None:
        """A lesson with ``cells`` cells started running."""
        bar = None
        if self.bars:
            row = min(set(range(len(self._rows) + 1)) - set(self._rows.values()))
            self._rows[name] = row
            bar = tqdm(
                total=cells,
                desc=name,
                unit="cell",
                position=row,
                leave=False,
                file=sys.stderr,
                bar_format="{desc}: cell {n_fmt}/{total_fmt} |{bar}| {elapsed}",
            )
        self._running[name] = (time.perf_counter(), cells, bar)

    def cell(self, name: str, index: int) -> None:
        """Cell ``index`` (0-based) of a running lesson started."""
        started, cells, bar = self._running[name]
        if bar is not None:
            bar.update(index + 1 - bar.n)
        else:
            elapsed = time.perf_counter() - started
            logger.info("%s: cell %d/%d, %.1f s", name, index + 1, cells, elapsed)

    def finished(self, name: str) -> None:
        """A lesson stopped running, whether it passed or failed."""
        _, _, bar = self._running.pop(name)
        self._rows.pop(name, None)
        if bar is not None:
            bar.close()

    def write(self, line: str, stream=None) -> None:
        """Print a line on ``stream`` (default standard output) without breaking the bars."""
        stream = stream or sys.stdout
        if self.bars:
            tqdm.write(line, file=stream)
        else:
            print(line, file=stream, flush=True)
