"""What the tests of error text share: a recognisable value, and the check that it leaked
into no error, exception chain, formatted traceback, frame of the driver, or log."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from types import FrameType

#: A name a driver is made to refuse (think of a password typed into the name field).
MARKER = "Quokka Zebedee"
#: Modules whose frames in a reachable traceback below the library's call (so not holding
#: the caller's own arguments) must keep no value: SQLAlchemy's, Django's, the drivers'.
DRIVER_MODULES = {
    "sqlalchemy", "django", "psycopg", "pymysql", "asyncpg", "asyncmy", "aiosqlite", "sqlite3"
}  # fmt: skip


def _frames(error: BaseException) -> Iterator[FrameType]:
    tb = error.__traceback__
    while tb is not None:
        yield tb.tb_frame
        tb = tb.tb_next


def reachable(error: BaseException) -> list[BaseException]:
    """Every exception reachable from ``error``: through __cause__ and __context__, and
    through the local variables of its traceback's frames (a context manager's
    ``__exit__`` keeps the exception it was handed)."""
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if not any(current is known for known in seen):
            seen.append(current)
            todo += [e for e in (current.__cause__, current.__context__) if e is not None]
            for frame in _frames(current):
                todo += [v for v in frame.f_locals.values() if isinstance(v, BaseException)]
    return seen


def _texts(error: BaseException) -> Iterator[str]:
    # The frames the error left through hold the caller's own arguments.
    call = [id(frame) for frame in _frames(error)]
    for linked in reachable(error):
        yield from (str(linked), repr(linked), repr(linked.args), repr(vars(linked)))
        for frame in _frames(linked):
            module = frame.f_globals.get("__name__", "").split(".")[0]
            if module in DRIVER_MODULES and id(frame) not in call:
                yield repr(frame.f_locals)
    yield "".join(traceback.format_exception(error))


def assert_no_marker(error: BaseException, log: str, kept: str) -> None:
    """MARKER in no str/repr/args/attribute of any exception reachable from the error, no
    driver frame's locals, no formatted traceback, and not in ``log``; ``kept`` (the
    point of the driver's message) still is in the error's chain."""
    for text in [*_texts(error), log]:
        assert MARKER not in text, text
    assert any(kept in str(linked) for linked in reachable(error)), reachable(error)
