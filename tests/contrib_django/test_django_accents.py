"""Accent-insensitive search on the Django storage: PostgreSQL's accent indexes serve it.

The contract suite (``TestAccents`` in test_django_contract.py) proves the results
on SQLite and PostgreSQL; this proves the speed path: Django's query spells the
expression of ``create_performance_indexes``' accent trigram indexes closely
enough for the planner to use them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connections
from django_support import empty_tables

from customer_core.adapters.sqlalchemy._accents import PG_ACCENT_INDEXES
from customer_core.contrib.django._repositories import search_filter
from customer_core.contrib.django.models import Customer as CustomerRow
from customer_core.ports import CustomerQuery

pytestmark = [pytest.mark.postgres, pytest.mark.sql]

INDEXES = ("customers_accents_name_trgm_index", "customers_accents_email_trgm_index")


@pytest.fixture
def indexed(django_postgres: str) -> Iterator[str]:
    """The Django PostgreSQL alias with pg_trgm and the accent indexes (dropped afterwards)."""
    empty_tables(django_postgres)
    with connections[django_postgres].cursor() as cursor:
        cursor.execute("create extension if not exists pg_trgm")
        for statement in PG_ACCENT_INDEXES:
            cursor.execute(statement)
    yield django_postgres
    with connections[django_postgres].cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"drop index if exists {name}")


def test_django_accent_search_uses_the_accent_indexes(indexed: str) -> None:
    """EXPLAIN of the storage's own search filter (no sort) names both accent indexes."""
    query = CustomerQuery(
        text="alvarez",
        blocked=None,
        repeat=None,
        sort="id",
        descending=False,
        offset=0,
        limit=15,
        ignore_accents=True,
    )
    # Only a bitmap scan is left to the planner: one of the trigram indexes, if it can.
    with connections[indexed].cursor() as cursor:
        cursor.execute("set enable_seqscan = off")
        cursor.execute("set enable_indexscan = off")
    try:
        matches = CustomerRow.objects.using(indexed).filter(search_filter(query))
        plan = matches.order_by().explain()
    finally:
        with connections[indexed].cursor() as cursor:
            cursor.execute("reset enable_seqscan")
            cursor.execute("reset enable_indexscan")
    for name in INDEXES:
        assert name in plan
