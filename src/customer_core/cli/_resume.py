"""The resume file of ``recalculate-ltv``: the last customer id whose batch committed.

It is replaced atomically (write a temporary file beside it, flush it to disk,
rename it over the old one), so an interruption at any instant leaves either
the previous checkpoint or the new one, never half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from customer_core.cli._exits import CliError, ExitCode

__all__ = ["ResumeFile"]

VERSION = 1


class ResumeFile:
    """Where a run records its progress, and where the next run finds it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> int:
        """The last id done by an earlier run; 0 when there is no file (a fresh start)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return 0
        except OSError as error:
            raise CliError(
                ExitCode.BAD_FILE, f"cannot read resume file {self.path}: {error}"
            ) from None
        try:
            data = json.loads(text)
            last_id = data["last_id"]
        except (ValueError, TypeError, KeyError):
            last_id = None
        if isinstance(last_id, bool) or not isinstance(last_id, int) or last_id < 0:
            raise CliError(
                ExitCode.BAD_FILE,
                f"{self.path} is not a resume file of recalculate-ltv; delete it to start over",
            )
        return last_id

    def write(self, last_id: int) -> None:
        """Record ``last_id`` atomically."""
        payload = json.dumps({"version": VERSION, "last_id": last_id}) + "\n"
        directory = self.path.parent
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=directory)
        except OSError as error:
            raise CliError(
                ExitCode.BAD_FILE, f"cannot write resume file {self.path}: {error}"
            ) from None
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(payload)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            # Even on Ctrl-C: never leave temporary files behind.
            Path(temporary).unlink(missing_ok=True)
            raise

    def remove(self) -> None:
        """Forget the progress: the run finished, the next one starts from the first customer."""
        self.path.unlink(missing_ok=True)
