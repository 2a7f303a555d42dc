"""A driver's error message cut to what a library error may show: no quoted value.

Database servers quote the value they refused: MySQL/MariaDB ``Duplicate entry
'ada@example.com' for key 'customers_email_unique'`` or ``Incorrect integer value:
'x' for column ...``, PostgreSQL ``invalid input syntax for type integer: "x"``
(and its DETAIL lines list whole rows); asyncpg quotes a parameter it cannot
encode. That value is the caller's input: personal data, or a password typed into
the wrong field. The SQLAlchemy adapter and the Django storage both build a library
error's message and its ``DriverError`` cause from :func:`first_line`, which keeps
the message's first line, the error's class, code, and the names of the
constraint, column or type, and replaces every quoted value with ``'…'``.

A quoted text is kept only when a word naming a schema object (``column``,
``constraint``, ``key``, ``type``, ...) comes just before it, or when it is in
MySQL's backticks (identifiers only). Any other is a value, and its cut runs to the
last quote of its kind in the whole message (servers do not escape quotes inside a
value), except where the MySQL error code tells exactly what follows the value.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import traceback
from types import TracebackType

__all__ = ["clear_frames", "first_line", "strip"]

#: What replaces a quoted value.
PLACEHOLDER = "…"

#: Words after which a quoted text names a schema object, not a value (PostgreSQL's
#: ``column "name" of relation "customers"``, MySQL's ``for key 'customers_email_unique'``,
#: asyncpg's ``<class 'asyncpg.exceptions...'>`` through SQLAlchemy).
_NAMES = (
    "class|collation|column|constraint|database|domain|encoding|extension|function|index"
    "|key|operator|relation|role|schema|sequence|server|socket|table|trigger|type|user|view"
)
#: An opening quote, with the naming word before it when there is one; a ``'`` right
#: after a letter is an apostrophe (MySQL's "Can't connect"), not a quote.
_OPENING = re.compile(rf"(?P<name>\b(?:{_NAMES})\s+)?(?P<quote>(?<!\w)'|[\"`])", re.IGNORECASE)
#: MySQL/MariaDB messages whose value is followed by known words: the value ends at
#: their last occurrence (a value holding the same words comes before it).
_MYSQL_VALUE_ENDS = {1062: "' for key ", 1366: "' for column "}
#: Bytes a server shows unquoted (PostgreSQL's ``invalid byte sequence ...: 0xf0 0x9f``).
_HEX_BYTES = re.compile(r"\b0x[0-9a-f]{2,}(?:\s+0x[0-9a-f]{2,})*", re.IGNORECASE)
#: asyncpg's "query argument $N: <value>" (and "$N in element #K of executemany()
#: sequence: <value>"): the part to keep is up to the number.
_ARGUMENT_VALUE = re.compile(r"(query argument \$\d+)\b.*", re.DOTALL)


def first_line(error: object) -> str:
    """The first line of ``error``'s message, every quoted value replaced by ``'…'``.

    A MySQL-family error (``args == (code, message)``) keeps PyMySQL's
    ``(code, "message")`` form; of an error with other arguments after its message,
    only the message is read.
    """
    args: tuple[object, ...] = getattr(error, "args", ())
    match args:
        case (int() as code, str() as message):
            return str((code, _line(message, _MYSQL_VALUE_ENDS.get(code))))
    if len(args) > 1 and isinstance(args[0], str) and type(error).__str__ is BaseException.__str__:
        # str() would be the arguments' repr, the others quoting the message again (an
        # adapted asyncpg error carries asyncpg's): the message alone.
        return _line(args[0], None)
    return _line(str(error), None)


def _line(text: str, value_end: str | None) -> str:
    """``text`` without values, cut to its first line (values go first: one may hold a
    line break, after which the first line would end inside it)."""
    text = _ARGUMENT_VALUE.sub(r"\1", text)
    text = _HEX_BYTES.sub(PLACEHOLDER, _without_quoted_values(text, value_end))
    return text.split("\n", 1)[0].strip()


def _without_quoted_values(text: str, value_end: str | None) -> str:
    kept: list[str] = []
    position = 0
    while (opening := _OPENING.search(text, position)) is not None:
        quote, start = opening.group("quote"), opening.start("quote")
        if opening.group("name") or quote == "`":
            end = text.find(quote, start + 1)
            end = len(text) if end < 0 else end + 1
            kept.append(text[position:end])
        else:
            end = _value_end(text, start, quote, value_end)
            kept.append(f"{text[position:start]}{quote}{PLACEHOLDER}{quote}")
        position = end
    kept.append(text[position:])
    return "".join(kept)


def _value_end(text: str, start: int, quote: str, value_end: str | None) -> int:
    """Where the value opened at ``start`` ends (past its closing quote): at the last
    ``value_end`` when the message has one, else past the last ``quote`` in the text,
    else at the text's end (a value cut short by the server)."""
    if value_end is not None and (anchor := text.rfind(value_end, start + 1)) >= 0:
        return anchor + 1
    closing = text.rfind(quote, start + 1)
    return len(text) if closing < 0 else closing + 1


def strip(error: BaseException) -> None:
    """Empty ``error`` and its chain once a library error has been built from it.

    The object outlives the translation: a context manager it passed through keeps it
    in its ``__exit__`` frame, which the library error's traceback holds. So its message
    (a quoted value) and chain go, and the traceback's returned calls lose their local
    variables (the statement's parameters, the row's values), keeping their lines.
    Call it last: it leaves ``str(error)`` empty.

    Only ``error`` and the exceptions it was raised *from* (``__cause__``: the driver's)
    are emptied. A ``__context__`` link is cut, not followed: it may be an exception the
    caller was handling when it called the library, which is the caller's to keep.
    """
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None:
            continue
        todo.append(current.__cause__)
        clear_frames(current.__traceback__)
        current.args = ()
        current.__cause__ = current.__context__ = current.__traceback__ = None


#: Generators and coroutines: clearing a suspended one's frame closes it (3.11, 3.12).
_SUSPENDABLE = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR


def clear_frames(tb: TracebackType | None, modules: tuple[str, ...] = ()) -> None:
    """The finished calls in ``tb`` lose their local variables; their lines stay.

    With ``modules`` (dotted-name prefixes such as ``"customer_core."``), only the calls
    of those modules. Calls still running keep theirs. Every frame after the first was
    left by the exception, so it is finished; the first is where the exception was
    caught, which may be a generator or coroutine that goes on (clearing it would close
    it on 3.11 and 3.12), so it is left alone.
    """
    for index, (frame, _) in enumerate(traceback.walk_tb(tb)):
        if index == 0 and frame.f_code.co_flags & _SUSPENDABLE:
            continue
        if modules and not str(frame.f_globals.get("__name__", "")).startswith(modules):
            continue
        with contextlib.suppress(RuntimeError):  # a call still running
            frame.clear()
