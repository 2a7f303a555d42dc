"""Output that may lose its reader (``customer-core ... | head -1``) without stopping the work.

A write job must not stop half-way because nobody reads its progress any
more: a closed pipe on stdout or stderr is not a reason to leave half the
customers recalculated (and, worse, exit 0 as if all were done). So while a
command runs, both streams are wrapped: the first ``BrokenPipeError`` points
the stream's file descriptor at ``/dev/null`` (what the Python documentation
advises for SIGPIPE) and the command goes on, its exit code saying whether the
work was done. The redirection also keeps the interpreter's final flush from
failing after the command returned.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

__all__ = ["ReaderSafeStream", "reader_safe_output"]


class ReaderSafeStream:
    """A text stream whose writes and flushes survive the reader going away."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.lost = False
        """True once the reader went away: what was written since is gone."""

    def write(self, text: str) -> int:
        """Write ``text``; after a broken pipe, into ``/dev/null``."""
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._lose()
            return len(text)

    def flush(self) -> None:
        """Flush; a broken pipe redirects the stream instead of failing."""
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._lose()

    def _lose(self) -> None:
        self.lost = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self._stream.fileno())
            finally:
                os.close(devnull)
            self._stream.flush()  # what the pipe refused now goes to /dev/null
        except (OSError, ValueError, io.UnsupportedOperation):
            pass  # a stream with no descriptor of its own (a test's capture)

    def __getattr__(self, name: str) -> Any:
        # isatty, fileno, encoding...: the wrapped stream answers.
        return getattr(self._stream, name)


@contextmanager
def reader_safe_output() -> Iterator[tuple[ReaderSafeStream, ReaderSafeStream]]:
    """``sys.stdout`` and ``sys.stderr`` wrapped in :class:`ReaderSafeStream` meanwhile."""
    stdout, stderr = sys.stdout, sys.stderr
    safe_out, safe_err = ReaderSafeStream(stdout), ReaderSafeStream(stderr)
    sys.stdout, sys.stderr = safe_out, safe_err
    try:
        yield safe_out, safe_err
    finally:
        # Flushed here, so that a pipe closed after the last write fails no exit-time flush.
        safe_out.flush()
        safe_err.flush()
        sys.stdout, sys.stderr = stdout, stderr
