"""``customer-core import``: bulk-import customers with existing password hashes from a CSV file.

The file is streamed: the header is checked before the database is touched,
then each row becomes a record as :meth:`~customer_core.services.CustomerRegistry.import_many`
asks for it, which validates and writes them batch by batch in one
transaction. Memory does not grow with the file beyond what ``import_many``
keeps per row (its e-mail) and the few places where a row does not start on
the line after the previous one (:class:`LineMap`). A bad row does not stop
the reading: every bad row is reported by CSV line number, and nothing is
imported; a row the CSV reader cannot read (a malformed file) ends the import,
with nothing imported either.
"""

from __future__ import annotations

import argparse
import csv
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn, TextIO

from customer_core.cli._database import open_core, require_tables, shown, translated
from customer_core.cli._exits import CliError, ExitCode
from customer_core.errors import ValidationError
from customer_core.services._importer import MAX_REPORTED as LIBRARY_CAP
from customer_core.services._importer import OPTIONAL, REPEATED_EMAIL, REQUIRED

__all__ = ["LineMap", "import_csv", "read_records"]

TRUE = frozenset({"1", "true", "t", "yes", "y"})
FALSE = frozenset({"0", "false", "f", "no", "n"})
MAX_REPORTED = 50
_REPEAT_PREFIX = REPEATED_EMAIL.partition("{index}")[0]


class LineMap:
    """Record index → the CSV line the record starts on, without a number per row.

    Rows normally start on consecutive lines; only where one does not (a
    quoted cell spanning lines, a blank line) is a break point kept.
    """

    def __init__(self) -> None:
        self._indexes: list[int] = []
        self._lines: list[int] = []

    def add(self, index: int, line: int) -> None:
        """Record that record ``index`` (the next one, in order) starts on ``line``."""
        if self._indexes and line - self._lines[-1] == index - self._indexes[-1]:
            return
        self._indexes.append(index)
        self._lines.append(line)

    def line(self, index: int) -> int:
        """The line record ``index`` starts on; 0 for an index never added."""
        point = bisect_right(self._indexes, index) - 1
        if point < 0:
            return 0
        return self._lines[point] + index - self._indexes[point]


def import_csv(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    path: Path = args.file
    with _opened(path) as stream:
        reader = csv.reader(stream)
        header = _header(path, reader)
        core = open_core(args.url, default_region=args.default_region)
        require_tables(core, args.url, ["customers"])
        lines = LineMap()
        records = read_records(path, reader, header, lines)
        try:
            with translated(args.url):
                count = core.customers.import_many(records, batch_size=args.batch_size)
        except ValidationError as error:
            _refuse(path, sorted(_located(error.errors, lines)), capped=_capped(error))
    print(f"imported {count} customers from {path} into {shown(args.url)}")
    return ExitCode.OK


def _opened(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise CliError(ExitCode.BAD_FILE, f"cannot open {path}: {error.strerror}") from None


@contextmanager
def _readable(path: Path, reader: Iterator[list[str]]) -> Iterator[None]:
    """The reader's own errors as ``BAD_FILE``."""
    try:
        yield
    except csv.Error as error:
        line = getattr(reader, "line_num", 0)
        raise CliError(ExitCode.BAD_FILE, f"{path}, line {line}: {error}") from None
    except UnicodeDecodeError:
        raise CliError(ExitCode.BAD_FILE, f"{path} is not UTF-8 text") from None


def _header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    with _readable(path, reader):
        header = [name.strip() for name in next(reader, [])]
    _check_header(path, header)
    return header


def read_records(
    path: Path, reader: Iterator[list[str]], header: Sequence[str], lines: LineMap
) -> Iterator[dict[str, object]]:
    """Each data row after the header as a record, noting in ``lines`` where it starts.

    ``BAD_FILE`` for a row the reader cannot read or with more cells than the header.
    """
    # line_num counts physical lines read so far, so a row starts one past the previous
    # end (a quoted cell may span lines; every blank line is a row of its own, skipped).
    line_num: int = getattr(reader, "line_num", 0)
    index = 0
    with _readable(path, reader):
        for cells in reader:
            start, line_num = line_num + 1, getattr(reader, "line_num", 0)
            if cells:
                lines.add(index, start)
                index += 1
                yield _record(path, start, header, cells)


def _capped(error: ValidationError) -> bool:
    return len(error.errors) >= LIBRARY_CAP


def _refuse(path: Path, problems: Sequence[tuple[int, str, str]], *, capped: bool) -> NoReturn:
    lines = tuple(f"line {line}: {field}: {message}" for line, field, message in problems)
    shown_lines = lines[:MAX_REPORTED]
    if len(lines) > MAX_REPORTED:
        shown_lines += (f"... and {len(lines) - MAX_REPORTED} more",)
    if capped:
        shown_lines += (f"(the library reports the first {LIBRARY_CAP} problems only)",)
    bad_rows = len({line for line, _, _ in problems})
    noun = "row" if bad_rows == 1 else "rows"
    count = f"at least {bad_rows}" if capped else str(bad_rows)
    raise CliError(
        ExitCode.INVALID_DATA,
        f"nothing was imported: {count} bad {noun} in {path}",
        details=shown_lines,
    )


def _located(errors: Mapping[str, str], lines: LineMap) -> Iterator[tuple[int, str, str]]:
    """``"<index>.<field>"`` keys turned into (CSV line, field, message)."""
    for key, message in errors.items():
        index, _, field = key.partition(".")
        line = lines.line(int(index)) if index.isdigit() else 0
        yield line, field or key, _worded(message, lines)


def _worded(message: str, lines: LineMap) -> str:
    """The library's "repeats the e-mail of record N" as the line of record N."""
    earlier = message.removeprefix(_REPEAT_PREFIX)
    if earlier != message and earlier.isdigit():
        return f"repeats the e-mail of line {lines.line(int(earlier))}"
    return message


def _check_header(path: Path, names: Sequence[str]) -> None:
    if not names:
        raise CliError(ExitCode.BAD_FILE, f"{path} is empty; it needs a header line")
    unknown = [name for name in names if name not in REQUIRED + OPTIONAL]
    missing = [name for name in REQUIRED if name not in names]
    repeated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        hint = " (import takes password_hash, never a password)" if "password" in unknown else ""
        problems.append(f"unknown column(s) {', '.join(unknown)}{hint}")
    if repeated:
        problems.append(f"repeated column(s) {', '.join(repeated)}")
    if problems:
        expected = ",".join(REQUIRED) + "[," + ",".join(OPTIONAL) + "]"
        raise CliError(
            ExitCode.BAD_FILE,
            f"{path}: {'; '.join(problems)}; the columns are {expected}",
        )


def _record(
    path: Path, line: int, header: Sequence[str], cells: Sequence[str]
) -> dict[str, object]:
    if len(cells) > len(header):
        raise CliError(
            ExitCode.BAD_FILE,
            f"{path}, line {line}: more cells than header columns"
            " (quote cells that hold commas, such as Argon2 hashes)",
        )
    record: dict[str, object] = {}
    for name, text in zip(header, [*cells, *[""] * (len(header) - len(cells))], strict=True):
        if name in REQUIRED:
            record[name] = text
        elif text.strip():  # an empty optional cell means "not given"
            record[name] = _flag(text) if name == "is_blocked" else text
    return record


def _flag(text: str) -> object:
    """The usual spellings of a boolean; anything else goes on for the library to refuse."""
    lowered = text.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return text
