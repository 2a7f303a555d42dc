"""``customer-core import``: bulk-import customers with existing password hashes from a CSV file.

The file is checked whole before the database is touched: every row is
validated on a scratch in-memory core (the same rules), so the operator gets
*every* bad row in one report, by CSV line number, rather than one per attempt.
Then :meth:`~customer_core.services.CustomerRegistry.import_many` writes all
rows in one transaction, or none (e-mails already in the database are caught
there).
"""

from __future__ import annotations

import argparse
import csv
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import attrs

from customer_core.cli.database import open_core, require_tables, shown, translated
from customer_core.cli.exits import CliError, ExitCode
from customer_core.core import CustomerCore
from customer_core.errors import ValidationError

__all__ = ["Row", "import_csv", "read_rows", "row_problems"]

REQUIRED = ("name", "email", "password_hash")
OPTIONAL = ("phone", "avatar", "is_blocked", "created_at")
TRUE = frozenset({"1", "true", "t", "yes", "y"})
FALSE = frozenset({"0", "false", "f", "no", "n"})
MAX_REPORTED = 50


@attrs.frozen
class Row:
    """One customer record and the CSV line it starts on."""

    line: int
    record: dict[str, object]


def import_csv(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    path: Path = args.file
    rows = read_rows(path)
    problems = row_problems(rows, args.default_region)
    if problems:
        _refuse(path, problems)
    core = open_core(args.url, default_region=args.default_region)
    require_tables(core, args.url, ["customers"])
    count = _import(core, args, rows)
    print(f"imported {count} customers from {path} into {shown(args.url)}")
    return ExitCode.OK


def _import(core: CustomerCore, args: argparse.Namespace, rows: Sequence[Row]) -> int:
    try:
        with translated(args.url):
            return core.customers.import_many(
                [row.record for row in rows], batch_size=args.batch_size
            )
    except ValidationError as error:
        _refuse(args.file, sorted(_located(error.errors, rows)))


def _refuse(path: Path, problems: Sequence[tuple[int, str, str]]) -> NoReturn:
    lines = tuple(f"line {line}: {field}: {message}" for line, field, message in problems)
    shown_lines = lines[:MAX_REPORTED]
    if len(lines) > MAX_REPORTED:
        shown_lines += (f"... and {len(lines) - MAX_REPORTED} more",)
    bad_rows = len({line for line, _, _ in problems})
    noun = "row" if bad_rows == 1 else "rows"
    raise CliError(
        ExitCode.INVALID_DATA,
        f"nothing was imported: {bad_rows} bad {noun} in {path}",
        details=shown_lines,
    )


def _located(errors: Mapping[str, str], rows: Sequence[Row]) -> Iterator[tuple[int, str, str]]:
    """``"<index>.<field>"`` keys turned into (CSV line, field, message)."""
    for key, message in errors.items():
        index, _, field = key.partition(".")
        line = rows[int(index)].line if index.isdigit() and int(index) < len(rows) else 0
        yield line, field or key, message


def read_rows(path: Path) -> list[Row]:
    """Every data row of the CSV file, with the line it starts on; ``BAD_FILE`` if malformed."""
    try:
        stream = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise CliError(ExitCode.BAD_FILE, f"cannot open {path}: {error.strerror}") from None
    with stream:
        reader = csv.reader(stream)
        try:
            return list(_rows(path, reader))
        except csv.Error as error:
            raise CliError(ExitCode.BAD_FILE, f"{path}, line {reader.line_num}: {error}") from None
        except UnicodeDecodeError:
            raise CliError(ExitCode.BAD_FILE, f"{path} is not UTF-8 text") from None


def _rows(path: Path, reader: Iterator[list[str]]) -> Iterator[Row]:
    # line_num counts physical lines read so far, so a row starts one past the previous end
    # (a quoted cell may span lines; every blank line is a row of its own, skipped here).
    header = [name.strip() for name in next(reader, [])]
    _check_header(path, header)
    line_num: int = getattr(reader, "line_num", 0)
    for cells in reader:
        start, line_num = line_num + 1, getattr(reader, "line_num", 0)
        if cells:
            yield _row(path, start, header, cells)


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


def _row(path: Path, line: int, header: Sequence[str], cells: Sequence[str]) -> Row:
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
    return Row(line=line, record=record)


def _flag(text: str) -> object:
    """The usual spellings of a boolean; anything else goes on for the library to refuse."""
    lowered = text.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return text


def row_problems(rows: Sequence[Row], default_region: str | None) -> list[tuple[int, str, str]]:
    """Every rule each row breaks, as (line, field, message), without touching the database."""
    scratch = CustomerCore.in_memory(default_region=default_region)
    first_line: dict[str, int] = {}
    problems: list[tuple[int, str, str]] = []
    for row in rows:
        try:
            scratch.customers.import_many([row.record])
        except ValidationError as error:
            problems.extend(
                _row_problem(row, key, message, first_line) for key, message in error.errors.items()
            )
        else:
            first_line[str(row.record["email"]).strip().lower()] = row.line
    return problems


def _row_problem(
    row: Row, key: str, message: str, first_line: Mapping[str, int]
) -> tuple[int, str, str]:
    field = key.partition(".")[2] or key
    if field == "email" and message == "is already taken":
        earlier = first_line.get(str(row.record.get("email", "")).strip().lower())
        if earlier is not None:
            message = f"repeats the e-mail of line {earlier}"
    return row.line, field, message
