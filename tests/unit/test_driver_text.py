"""first_line: a driver's message with its quoted values cut, its point kept (the real
servers' messages are in tests/integration/test_sql_error_values.py; here the shapes a
value can take to slip through: quotes, line breaks, the words that follow a value)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator

import pytest

from customer_core._driver_text import clear_frames, first_line

SECRET = "s3cret"


class MySQLError(Exception):
    """PyMySQL's and asyncmy's shape: ``args == (code, message)``."""


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            MySQLError(1062, f"Duplicate entry '{SECRET}' for key 'customers_email_unique'"),
            """(1062, "Duplicate entry '…' for key 'customers_email_unique'")""",
        ),
        (  # the value holds the words that follow it, and quotes
            MySQLError(1062, f"Duplicate entry 'o'{SECRET}' for key 'x' for key 'email_unique'"),
            """(1062, "Duplicate entry '…' for key 'email_unique'")""",
        ),
        (
            MySQLError(1366, f"Incorrect integer value: '{SECRET}' for column `c` at row 1"),
            """(1366, "Incorrect integer value: '…' for column `c` at row 1")""",
        ),
        (
            MySQLError(1366, "Incorrect string value: '\\xF0\\x9F\\x98\\x80s3...' for column `c`"),
            """(1366, "Incorrect string value: '…' for column `c`")""",
        ),
        (
            MySQLError(1292, f"Truncated incorrect DOUBLE value: '{SECRET}' for key 'k'"),
            """(1292, "Truncated incorrect DOUBLE value: '…'")""",
        ),
        (
            MySQLError(2003, "Can't connect to MySQL server on 'db' ([Errno 111] refused)"),
            """(2003, "Can't connect to MySQL server on '…' ([Errno 111] refused)")""",
        ),
        (
            MySQLError(1146, "Table 'db.orders' doesn't exist"),
            """(1146, "Table 'db.orders' doesn't exist")""",
        ),
        (
            Exception(f'invalid input syntax for type integer: "{SECRET}"'),
            'invalid input syntax for type integer: "…"',
        ),
        (  # a line break inside the value: the first line must not end inside it
            Exception(f'invalid input syntax for type integer: "a\n{SECRET}"\nDETAIL: x'),
            'invalid input syntax for type integer: "…"',
        ),
        (
            Exception(f'value "{SECRET}" is out of range for type integer'),
            'value "…" is out of range for type integer',
        ),
        (
            Exception('invalid byte sequence for encoding "UTF8": 0xf0 0x9f 0x98'),
            'invalid byte sequence for encoding "UTF8": …',
        ),
        (
            Exception(
                'duplicate key value violates unique constraint "customers_email_unique"\n'
                f"DETAIL:  Key (email)=({SECRET}) already exists."
            ),
            'duplicate key value violates unique constraint "customers_email_unique"',
        ),
        (
            Exception('null value in column "name" of relation "customers" violates not-null'),
            'null value in column "name" of relation "customers" violates not-null',
        ),
        (
            Exception(
                "<class 'asyncpg.exceptions.InvalidTextRepresentationError'>: "
                f'invalid input syntax for type uuid: "{SECRET}"'
            ),
            "<class 'asyncpg.exceptions.InvalidTextRepresentationError'>: "
            'invalid input syntax for type uuid: "…"',
        ),
        (
            Exception(f"invalid input for query argument $2: '{SECRET}' (expected str, got int)"),
            "invalid input for query argument $2",
        ),
        (
            UnicodeEncodeError("utf-8", f"{SECRET}\ud800", 6, 7, "surrogates not allowed"),
            "'…' in position 6: surrogates not allowed",
        ),
    ],
)
def test_a_quoted_value_is_cut_and_the_rest_kept(error: BaseException, expected: str) -> None:
    assert first_line(error) == expected


def _raises_with_a_local() -> None:
    secret_row = ("a row value",)  # noqa: F841 - what an error tracker would read
    raise ValueError("refused")


def test_clear_frames_empties_finished_calls_and_spares_a_generator_going_on() -> None:
    """A call the exception left loses its locals; the generator that caught it and goes
    on yielding is not closed (frame.clear() would close it on 3.11 and 3.12)."""

    def catcher() -> Iterator[object]:
        try:
            _raises_with_a_local()
        except ValueError as error:
            caught = error
        yield caught
        yield "still going"

    running = catcher()
    error = next(running)
    assert isinstance(error, ValueError)
    frames = [frame for frame, _ in traceback.walk_tb(error.__traceback__)]
    assert "secret_row" in frames[-1].f_locals
    clear_frames(error.__traceback__)
    assert "secret_row" not in frames[-1].f_locals
    assert next(running) == "still going"
