"""``ports.NewCustomers``: new customers a column at a time, read as the rows they hold;
the import hands them to ``CustomerImports.add_many`` so."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from customer_core import CustomerCore
from customer_core.port_defaults import OneByOneImports
from customer_core.ports import NewCustomer, NewCustomers
from customer_core.testing import FrozenClock

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)
HASH = "$2y$04$mgApMypM3qyyQMjMLA9mD.0/A43ysUUOQM.TfbCnfg.gt7UEv1pk."


def _new(n: int) -> NewCustomer:
    return NewCustomer(
        name=f"N{n}",
        email=f"n{n}@example.com",
        password_hash=HASH,
        phone=None if n % 2 else "+442079460958",
        avatar=None,
        is_blocked=n % 3 == 0,
        created_at=NOW,
        updated_at=NOW,
    )


def test_columns_read_as_the_rows_they_were_made_of() -> None:
    """Index, slice, iteration, length and equality are those of the list of rows."""
    rows = [_new(n) for n in range(5)]
    new = NewCustomers.of(rows)
    assert len(new) == 5
    assert list(new) == rows
    assert [new[i] for i in range(-5, 5)] == rows + rows
    assert isinstance(new[1:4], NewCustomers)
    assert new[1:4] == rows[1:4]
    assert new == rows
    assert NewCustomers.of(new) is new
    assert new.columns["email"] == [row.email for row in rows]
    with pytest.raises(IndexError):
        new[5]


def test_repr_names_no_hash() -> None:
    assert HASH not in repr(NewCustomers.of([_new(1)]))


def test_the_import_hands_add_many_its_customers_a_column_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each batch is a NewCustomers; an adapter taking them one by one stores the same."""
    handed: list[object] = []
    original = OneByOneImports.add_many

    def spy(self: OneByOneImports, customers: list[NewCustomer]) -> int:
        handed.append(customers)
        return original(self, customers)

    monkeypatch.setattr(OneByOneImports, "add_many", spy)
    core = CustomerCore.in_memory(clock=FrozenClock(NOW))
    records = [
        {"name": f"N{n}", "email": f"n{n}@example.com", "password_hash": HASH} for n in range(5)
    ]
    assert core.customers.import_many(records, batch_size=2) == 5
    assert [type(batch) for batch in handed] == [NewCustomers] * 3
    assert [len(batch) for batch in handed] == [2, 2, 1]
    stored = core.customers.find_by_email("n4@example.com")
    assert stored is not None
    assert (stored.name, stored.created_at, stored.updated_at) == ("N4", NOW, NOW)
