"""A progress report for long runs: a tqdm bar on a terminal, a line per tenth in a log.

A log file or a CI console is not a terminal: a redrawn bar there is one endless
line of carriage returns, so away from a terminal the report prints a plain line
at every tenth of the work instead. tqdm is optional (the ``cli`` extra: the
library itself never shows a bar); without it a terminal gets the plain lines too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Never, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["ProgressReport", "has_bar"]

LOG_STEPS = 10


class ProgressReport:
    """Called as ``report(done, total)``; :meth:`close` ends the bar's line."""

    def __init__(self, stream: TextIO, *, label: str, interactive: bool | None = None) -> None:
        self._stream = stream
        self._label = label
        wanted = stream.isatty() if interactive is None else interactive
        self._interactive = wanted and has_bar()
        self._bar: tqdm[Never] | None = None
        self._logged_step = -1

    def __call__(self, done: int, total: int) -> None:
        """Show that ``done`` of ``total`` are finished."""
        if self._interactive:
            self._draw(done, total)
        else:
            self._log(done, total)

    def _draw(self, done: int, total: int) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self._label, unit="customer", file=self._stream)
        self._bar.total = total
        self._bar.update(done - self._bar.n)

    def _log(self, done: int, total: int) -> None:
        step = LOG_STEPS * done // total if total else LOG_STEPS
        if step == self._logged_step:
            return
        self._logged_step = step
        print(f"{self._label}: {done}/{total}", file=self._stream, flush=True)

    def close(self) -> None:
        """End the bar's line so the next message starts on its own."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def has_bar() -> bool:
    """Whether tqdm is installed (``pip install 'customer-core[cli]'``) to draw the bar."""
    try:
        import tqdm  # noqa: F401  (imported only where a terminal wants the bar)
    except ImportError:
        return False
    return True
