"""Alembic sees no difference between the library's MetaData and what create_schema() built.

A host that manages its schema with Alembic can include the library's tables
in its MetaData: autogenerate must not propose migrations for them.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from customer_core.adapters.sqlalchemy import SQLAlchemyStorage, engine_from_url


def _diff(engine: sa.Engine, metadata: sa.MetaData) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def test_autogenerate_finds_no_difference(fresh_database_url: str) -> None:
    """compare_metadata (types and server defaults included) is empty after create_schema()."""
    engine = engine_from_url(fresh_database_url)
    try:
        storage = SQLAlchemyStorage(engine)
        storage.create_schema()
        assert _diff(engine, storage.metadata) == []
    finally:
        engine.dispose()


def test_host_metadata_is_shared(fresh_database_url: str) -> None:
    """The library's tables live on a MetaData the host passes in, beside the host's own."""
    metadata = sa.MetaData()
    sa.Table("widgets", metadata, sa.Column("id", sa.Integer, primary_key=True))
    engine = engine_from_url(fresh_database_url)
    try:
        storage = SQLAlchemyStorage(engine, metadata=metadata)
        assert {"customers", "addresses", "customer_notes", "widgets"} <= set(metadata.tables)
        metadata.create_all(engine)
        storage.create_schema()  # everything exists already: nothing to do
        assert _diff(engine, metadata) == []
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
def test_performance_indexes_are_opt_in(fresh_database_url: str) -> None:
    """create_schema() adds no index beyond Laravel's; create_performance_indexes() does."""
    from customer_core.adapters.sqlalchemy import create_performance_indexes

    engine = engine_from_url(fresh_database_url)
    try:
        SQLAlchemyStorage(engine).create_schema()
        names = {ix["name"] for ix in sa.inspect(engine).get_indexes("customers")}
        assert names == {"customers_email_unique"}
        assert create_performance_indexes(engine)
        names = {ix["name"] for ix in sa.inspect(engine).get_indexes("customers")}
        assert "customers_lower_email_index" in names
    finally:
        engine.dispose()
