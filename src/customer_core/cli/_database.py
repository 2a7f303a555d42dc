"""Opening the database a command names, with an operator-facing error for each way it fails.

The checks run before any work, in the order an operator would fix them: is
SQLAlchemy installed, does the URL parse, is the driver installed, does the
database exist and answer, are the tables there.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from customer_core._core import CustomerCore
from customer_core.cli._exits import CliError, ExitCode
from customer_core.cli._masking import shown
from customer_core.errors import StorageError, StorageUnavailable

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.engine import URL

    from customer_core.adapters.sqlalchemy import OrdersTable, SQLAlchemyStorage

__all__ = [
    "LIBRARY_TABLES",
    "engine_of",
    "open_core",
    "parse_url",
    "require_columns",
    "require_tables",
    "shown",
]

LIBRARY_TABLES = ("customers", "addresses", "customer_notes", "customer_events")
# A server that does not answer should fail the command in seconds, not hang it.
CONNECT_TIMEOUT_SECONDS = 10
DRIVER_HINTS = {
    "postgresql": "pip install 'customer-core[postgres]' and use postgresql+psycopg://...",
    "mysql": "pip install 'customer-core[mysql]' and use mysql+pymysql://...",
    "mariadb": "pip install 'customer-core[mysql]' and use mariadb+pymysql://...",
}


def parse_url(url: str) -> URL:
    """The parsed URL; a usage-level error if SQLAlchemy, the dialect or its driver is missing."""
    try:
        from sqlalchemy import exc
        from sqlalchemy.engine import make_url
    except ImportError:
        raise CliError(
            ExitCode.MISSING_DEPENDENCY,
            "SQL databases need SQLAlchemy: pip install 'customer-core[sqlalchemy]'",
        ) from None
    try:
        parsed = make_url(url)
        dialect = parsed.get_dialect()
    except exc.ArgumentError as error:
        raise CliError(ExitCode.BAD_URL, f"bad database URL {shown(url)!r}: {error}") from None
    except ValueError:  # make_url's int() of the port
        raise CliError(
            ExitCode.BAD_URL, f"bad database URL {shown(url)!r}: the port is not a number"
        ) from None
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise CliError(
            ExitCode.BAD_URL,
            f"bad database URL {shown(url)!r}: port {parsed.port} is not between 1 and 65535",
        )
    try:
        dialect.import_dbapi()
    except ImportError as error:
        hint = DRIVER_HINTS.get(parsed.get_backend_name(), "install the driver the URL names")
        message = f"the driver for {parsed.drivername!r} is not installed ({error.name}): {hint}"
        raise CliError(ExitCode.MISSING_DEPENDENCY, message) from None
    return parsed


def open_core(
    url: str,
    *,
    orders: OrdersTable | None = None,
    existing: bool = True,
    default_region: str | None = None,
) -> CustomerCore:
    """A core on ``url``, connected once to prove the database answers.

    With ``existing``, a SQLite file that does not exist is an error rather
    than silently created empty (only ``init-db`` creates databases).
    """
    parsed = parse_url(url)
    if existing:
        _require_sqlite_file(parsed, url)
    with translated(url):
        core = CustomerCore.from_url(
            url, orders=orders, default_region=default_region, **_engine_options(parsed)
        )
        with engine_of(core).connect():
            pass
    return core


def _engine_options(parsed: URL) -> dict[str, Any]:
    if parsed.get_backend_name() == "sqlite" or "connect_timeout" in parsed.query:
        return {}
    return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}}


def _require_sqlite_file(parsed: URL, url: str) -> None:
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database or database == ":memory:":
        return
    if database.startswith("file:") or Path(database).exists():
        return
    raise CliError(
        ExitCode.NO_SCHEMA,
        f"no SQLite database at {database}: create it with `customer-core init-db {shown(url)}`",
    )


def storage_of(core: CustomerCore) -> SQLAlchemyStorage:
    """The SQL storage of a core that :func:`open_core` built."""
    from customer_core.adapters.sqlalchemy import SQLAlchemyStorage

    storage = core.storage
    assert isinstance(storage, SQLAlchemyStorage)
    return storage


def engine_of(core: CustomerCore) -> Engine:
    """The engine of a core that :func:`open_core` built."""
    return storage_of(core).engine


@contextmanager
def translated(url: str) -> Iterator[None]:
    """Turn the library's storage errors into operator-facing ones."""
    from sqlalchemy import exc

    try:
        yield
    except StorageUnavailable as error:
        raise CliError(
            ExitCode.UNREACHABLE, f"cannot reach the database at {shown(url)}: {_cause(error)}"
        ) from None
    except exc.SQLAlchemyError as error:
        # The adapter translates what happens inside the library; this is the CLI's own SQL.
        from customer_core.adapters.sqlalchemy._errors import translate

        translated_error = translate(error)
        if isinstance(translated_error, StorageUnavailable):
            message = f"cannot reach the database at {shown(url)}: {_cause(translated_error)}"
            raise CliError(ExitCode.UNREACHABLE, message) from None
        raise CliError(ExitCode.STORAGE, str(translated_error)) from None
    except StorageError as error:
        raise CliError(ExitCode.STORAGE, str(error)) from None


def _cause(error: Exception) -> str:
    """The first line of the driver's message, without the library's prefix."""
    text = str(error).removeprefix("storage unavailable: ").strip()
    return text.splitlines()[0] if text else type(error).__name__


def require_tables(core: CustomerCore, url: str, names: Sequence[str]) -> None:
    """A ``NO_SCHEMA`` error naming the first missing table."""
    from sqlalchemy import inspect

    with translated(url):
        inspector = inspect(engine_of(core))
        missing = [name for name in names if not inspector.has_table(name)]
    if missing:
        hint = (
            f"create the library's tables with `customer-core init-db {shown(url)}`"
            if set(missing) & set(LIBRARY_TABLES)
            else "check the table name"
        )
        raise CliError(
            ExitCode.NO_SCHEMA, f"the database has no {', '.join(missing)} table: {hint}"
        )


def require_columns(core: CustomerCore, url: str, table: str, columns: dict[str, str]) -> None:
    """A ``NO_SCHEMA`` error naming a missing column; ``columns`` maps option → column."""
    from sqlalchemy import inspect

    with translated(url):
        present = {column["name"] for column in inspect(engine_of(core)).get_columns(table)}
    for option, name in columns.items():
        if name not in present:
            raise CliError(
                ExitCode.NO_SCHEMA,
                f"table {table!r} has no column {name!r} (name the right one with {option})",
            )
