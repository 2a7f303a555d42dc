"""What the tests of error text share: a recognisable value, and the check that it leaked
into no error, exception chain, formatted traceback or log."""

from __future__ import annotations

import traceback
from collections.abc import Iterator

#: A name a driver is made to refuse (think of a password typed into the name field).
MARKER = "Quokka Zebedee"


def chain(error: BaseException) -> list[BaseException]:
    """Every exception reachable through __cause__ and __context__."""
    seen: list[BaseException] = []
    todo = [error]
    while todo:
        current = todo.pop()
        if not any(current is known for known in seen):
            seen.append(current)
            todo += [e for e in (current.__cause__, current.__context__) if e is not None]
    return seen


def _texts(error: BaseException) -> Iterator[str]:
    for linked in chain(error):
        yield from (str(linked), repr(linked), repr(linked.args), repr(vars(linked)))
    yield "".join(traceback.format_exception(error))


def assert_no_marker(error: BaseException, log: str, kept: str) -> None:
    """MARKER in no str/repr/args/attribute of the error or its chain, in no formatted
    traceback and not in ``log``; ``kept`` (the point of the driver's message) still is."""
    for text in [*_texts(error), log]:
        assert MARKER not in text, text
    assert any(kept in str(linked) for linked in chain(error)), chain(error)
