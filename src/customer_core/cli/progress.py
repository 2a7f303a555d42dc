"""A progress report for long runs: a redrawn bar on a terminal, a line per tenth in a log.

Standard library only: the bar is one ``\\r``-rewritten line, which is all a
batch job needs, and it keeps the command free of a UI dependency.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["ProgressReport"]

BAR_WIDTH = 30
# A terminal redraw at most this often; a 1-customer batch size must not flood the screen.
REDRAW_SECONDS = 0.1
LOG_STEPS = 10


class ProgressReport:
    """Called as ``report(done, total)``; :meth:`close` ends the bar's line."""

    def __init__(self, stream: TextIO, *, label: str, interactive: bool | None = None) -> None:
        self._stream = stream
        self._label = label
        self._interactive = stream.isatty() if interactive is None else interactive
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._logged_step = -1
        self._drawn = False

    def __call__(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` are finished."""
        if self._interactive:
            self._draw(done, total)
        else:
            self._log(done, total)

    def _draw(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self._drawn_at < REDRAW_SECONDS:
            return
        self._drawn_at = now
        share = done / total if total else 1.0
        filled = round(BAR_WIDTH * share)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"\r{self._label} [{bar}] {done}/{total} {share:4.0%}{self._eta(done, total)}"
        self._stream.write(line)
        self._stream.flush()
        self._drawn = True

    def _eta(self, done: int, total: int) -> str:
        elapsed = time.monotonic() - self._started
        if not done or done >= total:
            return " " * 12
        seconds = int(elapsed * (total - done) / done)
        return f" ETA {seconds // 60:02d}:{seconds % 60:02d}  "

    def _log(self, done: int, total: int) -> None:
        step = LOG_STEPS * done // total if total else LOG_STEPS
        if step == self._logged_step:
            return
        self._logged_step = step
        print(f"{self._label}: {done}/{total}", file=self._stream, flush=True)

    def close(self) -> None:
        """End the bar's line so the next message starts on its own."""
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False
