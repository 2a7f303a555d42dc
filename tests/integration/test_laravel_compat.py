"""The library on databases Laravel created: read, search, authenticate, write, recalculate.

Each test builds a database from Laravel's exact DDL (SQLite, PostgreSQL,
MariaDB), fills it the way the Laravel app would (naive UTC timestamps, 0/1
booleans, ``$2y$`` bcrypt hashes, mixed-case e-mails, free-text countries),
and then works on it through :class:`CustomerCore`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import bcrypt
import pytest
import sqlalchemy as sa
from laravel_ddl import build_laravel_database

from customer_core import (
    BcryptHasher,
    CustomerBlocked,
    CustomerCore,
    DuplicateEmail,
    ValidationError,
)
from customer_core.adapters.sqlalchemy import OrdersTable, engine_from_url
from customer_core.testing import FrozenClock

PASSWORD = "secret-password"
WEIRD_NAME = "Percent 100%_off\\ Ltd"


def _laravel_hash(password: str) -> str:
    """A ``$2y$`` hash as PHP's password_hash writes it (low cost: the format is what matters).

    ``$2y$`` and ``$2b$`` are the same algorithm; pyca bcrypt only generates the latter.
    """
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4, prefix=b"2b")).decode()
    return "$2y$" + hashed.removeprefix("$2b$")


def _seed(engine: sa.Engine, backend: str) -> None:
    """Rows as the Laravel app writes them."""
    flag: Any = (lambda b: b) if backend == "postgres" else (lambda b: int(b))
    ts = "2024-03-01 10:00:00"
    customers = [
        (1, "Ada Lovelace", "Ada@Example.COM", "+44 20 7946 0958", False, "10.10", ts),
        (2, "Blocked Bob", "bob@example.com", None, True, "0", None),
        (3, WEIRD_NAME, "weird@example.com", None, False, "0", ts),
    ]
    orders = [
        (1, 1, "delivered", "10.10", "2024-03-02 10:00:00"),
        (2, 1, "delivered", "5.05", "2024-03-03 10:00:00"),
        (3, 1, "pending", "1.00", "2024-03-04 10:00:00"),
        (4, 1, "cancelled", "99.00", "2024-03-05 10:00:00"),
    ]
    with engine.begin() as c:
        c.execute(
            sa.text(
                "insert into users (id, name, email, password, created_at, updated_at)"
                " values (1, 'Admin', 'admin@shop.test', :pw, :ts, :ts)"
            ),
            {"pw": _laravel_hash("admin-password"), "ts": ts},
        )
        for cid, name, email, phone, blocked, ltv, created in customers:
            c.execute(
                sa.text(
                    "insert into customers (id, name, email, phone, password, is_blocked,"
                    " lifetime_value, total_orders, created_at, updated_at) values"
                    " (:id, :name, :email, :phone, :pw, :blocked, :ltv, 0, :ts, :ts)"
                ),
                {
                    "id": cid, "name": name, "email": email, "phone": phone,
                    "pw": _laravel_hash(PASSWORD), "blocked": flag(blocked), "ltv": ltv,
                    "ts": created,
                },
            )  # fmt: skip
        c.execute(
            sa.text(
                "insert into addresses (customer_id, type, is_default, full_name, phone,"
                " address_line1, city, state, zip_code, country, created_at, updated_at) values"
                " (1, 'shipping', :yes, 'Ada L', '020 7946 0958', '12 St James''s Sq', 'London',"
                " 'London', 'SW1Y 4JH', 'United Kingdom', :ts, :ts)"
            ),
            {"yes": flag(True), "ts": ts},
        )
        for oid, cid, status, amount, placed in orders:
            c.execute(
                sa.text(
                    "insert into orders (id, customer_id, status, total_amount, created_at,"
                    " updated_at) values (:id, :cid, :status, :amount, :ts, :ts)"
                ),
                {"id": oid, "cid": cid, "status": status, "amount": amount, "ts": placed},
            )
        if backend == "postgres":
            # Laravel inserted explicit ids above; keep the sequences ahead of them.
            for table in ("users", "customers", "orders"):
                c.exec_driver_sql(
                    f"select setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (select max(id) from {table}))"
                )


@pytest.fixture
def laravel_engine(fresh_database_url: str, backend: str) -> Iterator[sa.Engine]:
    """A Laravel-created, Laravel-filled database on ``backend``."""
    engine = engine_from_url(fresh_database_url)
    build_laravel_database(engine, backend)
    _seed(engine, backend)
    yield engine
    engine.dispose()


@pytest.fixture
def core(laravel_engine: sa.Engine) -> CustomerCore:
    """A core on the Laravel database, writing Laravel-compatible ``$2y$`` hashes.

    ``create_schema()`` adds the library's own ``customer_events`` (the timeline), as a
    host upgrading to 0.2 does; Laravel's tables are left as they are.
    """
    core = _laravel_core(laravel_engine)
    core.create_schema()
    return core


def _laravel_core(engine: sa.Engine) -> CustomerCore:
    return CustomerCore.from_engine(
        engine,
        orders=OrdersTable("orders"),
        clock=FrozenClock(),
        password_hasher=BcryptHasher(rounds=4),
    )


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_reads_rows_laravel_wrote(core: CustomerCore) -> None:
    """Laravel's rows read leniently: exact money, aware UTC times, NULL times, odd countries."""
    ada = core.customers.get(1)
    assert ada.email == "Ada@Example.COM"
    assert ada.lifetime_value == Decimal("10.10")
    assert ada.created_at == _utc("2024-03-01 10:00:00")
    assert ada.phone == "+44 20 7946 0958"
    bob = core.customers.get(2)
    assert bob.is_blocked is True
    assert bob.created_at is None
    assert bob.lifetime_value == Decimal("0.00")
    [address] = core.addresses.list(1)
    assert address.country == "United Kingdom"
    assert address.is_default is True


def test_mixed_case_email_found_and_reserved(core: CustomerCore) -> None:
    """A legacy ``Ada@Example.COM`` is found by its lower-case form and blocks a duplicate."""
    found = core.customers.find_by_email("ada@example.com")
    assert found is not None
    assert found.id == 1
    with pytest.raises(DuplicateEmail):
        core.customers.register(name="Ada Two", email="ADA@example.com", password=PASSWORD)
    with pytest.raises(DuplicateEmail):
        core.customers.change_email(3, "ada@EXAMPLE.com")


def test_import_reports_a_legacy_mixed_case_email_as_taken(core: CustomerCore) -> None:
    """Importing ``ADA@EXAMPLE.COM`` over the legacy ``Ada@Example.COM`` names that record."""
    hashed = _laravel_hash(PASSWORD)
    records = [
        {"name": "New", "email": "new@example.com", "password_hash": hashed},
        {"name": "Ada", "email": "ADA@EXAMPLE.COM", "password_hash": hashed},
    ]
    with pytest.raises(ValidationError) as caught:
        core.customers.import_many(records)
    assert caught.value.errors == {"1.email": "is already taken"}
    assert core.customers.find_by_email("new@example.com") is None


def test_authenticates_laravel_bcrypt_hashes(core: CustomerCore) -> None:
    """``$2y$`` hashes Laravel wrote verify; a blocked customer is refused after the check."""
    assert core.customers.authenticate("ada@example.com", PASSWORD).id == 1
    with pytest.raises(CustomerBlocked):
        core.customers.authenticate("bob@example.com", PASSWORD)


SEARCHES = [
    ("100%_", [3]),
    ("%", [3]),
    ("\\", [3]),
    ("_", [3]),
    ("ADA", [1]),
    ("example.com", [1, 2, 3]),
]


@pytest.mark.parametrize(("text", "expected"), SEARCHES)
def test_search_matches_literally_on_laravel_rows(
    core: CustomerCore, text: str, expected: list[int]
) -> None:
    """Search text is a literal, case-insensitive substring of name or e-mail."""
    page = core.customers.search(text)
    assert [item.customer.id for item in page.items] == expected
    assert page.total == len(expected)


def test_search_counts_all_orders(core: CustomerCore) -> None:
    """``orders_count`` counts every order in the host's table, whatever its status."""
    counts = {item.customer.id: item.orders_count for item in core.customers.search().items}
    assert counts == {1: 4, 2: 0, 3: 0}


def test_addresses_follow_the_default_rule(core: CustomerCore) -> None:
    """New addresses on a Laravel customer keep exactly one default per type."""
    billing = core.addresses.add(
        1, type="billing", full_name="Ada", phone="+442079460958", address_line1="1 Road",
        city="London", state="London", zip_code="N1", country="gb",
    )  # fmt: skip
    assert billing.is_default
    assert billing.country == "GB"
    moved = core.addresses.add(
        1, type="shipping", full_name="Ada", phone="+442079460958", address_line1="2 Road",
        city="Leeds", state="Yorks", zip_code="LS1", country="GB", is_default=True,
    )  # fmt: skip
    shipping = core.addresses.list(1, "shipping")
    assert [a.id for a in shipping if a.is_default] == [moved.id]
    assert len(shipping) == 2


def test_note_authors_must_be_users(core: CustomerCore) -> None:
    """Notes by the Laravel admin are stored; an unknown author is a ValidationError."""
    note = core.notes.add(1, author_id=1, text="  called about an order  ")
    assert note.text == "called about an order"
    with pytest.raises(ValidationError) as raised:
        core.notes.add(1, author_id=999, text="ghost")
    assert "author_id" in raised.value.errors
    assert [n.id for n in core.notes.list(1)] == [note.id]


def test_recalculates_lifetime_value_from_laravel_orders(core: CustomerCore) -> None:
    """Delivered orders sum up, cancelled ones never count for the last order time."""
    ada = core.ltv.recalculate(1)
    assert ada.lifetime_value == Decimal("15.15")
    assert ada.total_orders == 2
    assert ada.last_order_at == _utc("2024-03-04 10:00:00")
    assert core.ltv.recalculate_all(batch_size=2) == 3
    assert core.customers.get(1) == ada
    assert core.customers.get(3).lifetime_value == Decimal("0.00")


def test_library_writes_laravel_formats(
    core: CustomerCore, laravel_engine: sa.Engine, backend: str
) -> None:
    """What the library writes, Laravel reads: ``Y-m-d H:i:s`` text on SQLite, 0/1 flags."""
    new = core.customers.register(name="Neo", email="Neo@Example.com", password=PASSWORD)
    with laravel_engine.connect() as c:
        row = c.execute(
            sa.text("select email, password, created_at, is_blocked from customers where id = :i"),
            {"i": new.id},
        ).one()
    assert row.email == "neo@example.com"
    assert row.password.startswith("$2y$")
    if backend == "sqlite":
        assert row.created_at == "2026-01-01 12:00:00"
        assert row.is_blocked == 0
    else:
        assert row.created_at == datetime(2026, 1, 1, 12, 0, 0)


def _shape(engine: sa.Engine, skip: str = "") -> dict[str, Any]:
    """Every table's columns, keys, indexes and checks, as reflected (but ``skip``'s)."""
    inspector = sa.inspect(engine)
    shape: dict[str, Any] = {}
    for table in sorted(set(inspector.get_table_names()) - {skip}):
        shape[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                for c in inspector.get_columns(table)
            ],
            "pk": inspector.get_pk_constraint(table)["constrained_columns"],
            "fks": sorted(str(fk) for fk in inspector.get_foreign_keys(table)),
            "indexes": sorted(str(ix) for ix in inspector.get_indexes(table)),
            "uniques": sorted(str(u) for u in inspector.get_unique_constraints(table)),
        }
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            shape["sqlite_master"] = c.exec_driver_sql(
                "select name, sql from sqlite_master where tbl_name != ? order by name", (skip,)
            ).all()
    return shape


@pytest.mark.filterwarnings("ignore:Could not instantiate type:sqlalchemy.exc.SAWarning")
def test_create_schema_leaves_laravel_tables_unchanged(laravel_engine: sa.Engine) -> None:
    """create_schema() on a Laravel database changes no table, index, key or row of
    Laravel's; it only adds the library's own ``customer_events`` and the password-reset
    tokens' table."""
    core = _laravel_core(laravel_engine)
    before = _shape(laravel_engine)
    rows_before = core.customers.search().total
    core.create_schema()
    core.create_schema()
    after = _shape(laravel_engine, skip="customer_password_reset_tokens")
    assert after.pop("customer_events")["pk"] == ["id"]
    if "sqlite_master" in after:
        after["sqlite_master"] = [
            row for row in after["sqlite_master"] if not row[0].startswith("customer_events")
        ]
    assert after == before
    assert sa.inspect(laravel_engine).has_table("customer_password_reset_tokens")
    assert core.customers.search().total == rows_before
