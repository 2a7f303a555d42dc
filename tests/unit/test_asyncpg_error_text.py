"""asyncpg quotes a parameter it cannot encode in its message: the library's error must not."""

from __future__ import annotations

import pytest

asyncpg = pytest.importorskip("asyncpg")
sa_asyncpg = pytest.importorskip("sqlalchemy.dialects.postgresql.asyncpg")

from sqlalchemy import exc  # noqa: E402

from customer_core.adapters.sqlalchemy._errors import driver_cause, translate  # noqa: E402

HASH_START = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHN"


@pytest.mark.parametrize(
    "where",
    ["query argument $2:", "query argument $2 in element #3 of executemany() sequence:"],
)
def test_a_parameter_quoted_by_asyncpg_stays_out_of_the_error_and_its_cause(where: str) -> None:
    """The message keeps "query argument $2", never the value asyncpg quoted after it."""
    dbapi = sa_asyncpg.AsyncAdapt_asyncpg_dbapi(asyncpg)
    raw = asyncpg.exceptions.DataError(
        f"invalid input for {where} '{HASH_START}...' (expected str)"
    )
    mapping = dbapi._asyncpg_error_translate
    adapted = next(mapping[kind](raw.args[0], raw) for kind in type(raw).__mro__ if kind in mapping)
    error = exc.DBAPIError.instance(
        "UPDATE customers SET password = $2 WHERE id = $1",
        (1, HASH_START),
        adapted,
        dbapi.Error,
        dialect=sa_asyncpg.dialect(),
    )
    for text in (str(translate(error)), str(driver_cause(error))):
        assert "query argument $2" in text
        assert "argon2" not in text
