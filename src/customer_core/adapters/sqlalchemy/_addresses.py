"""Addresses in SQL. The one-default invariant is the service's; it locks the customer first."""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime

import attrs

from customer_core.adapters.sqlalchemy._guard import check_lengths, inserted_id
from customer_core.adapters.sqlalchemy._rows import address_from
from customer_core.errors import AddressNotFound
from customer_core.model import Address, AddressType
from customer_core.ports import NewAddress
from sqlalchemy import Connection, Table, delete, insert, select, update

__all__ = ["SQLAlchemyAddressRepository"]


def _column_values(values: Mapping[str, object]) -> dict[str, object]:
    """Model values as column values (the enum as its plain string)."""
    return {k: (v.value if isinstance(v, AddressType) else v) for k, v in values.items()}


class SQLAlchemyAddressRepository:
    """An :class:`~customer_core.ports.AddressRepository` on one connection."""

    def __init__(self, connection: Connection, table: Table) -> None:
        self._conn = connection
        self._a = table

    def add(self, address: NewAddress) -> Address:
        """Insert and return the address."""
        values = _column_values(attrs.asdict(address, recurse=False))
        check_lengths(self._conn.dialect, self._a, values)
        statement = insert(self._a).values(values)
        if self._conn.dialect.insert_returning:
            return address_from(self._conn.execute(statement.returning(*self._a.c)).one())
        result = self._conn.execute(statement)
        return self._get(inserted_id(result))

    def find(self, address_id: int) -> Address | None:
        """The address with this id, or None."""
        row = self._conn.execute(select(self._a).where(self._a.c.id == address_id)).first()
        return None if row is None else address_from(row)

    def list(self, customer_id: int, type: AddressType | None = None) -> builtins.list[Address]:
        """The customer's addresses (of one type if given): defaults first, then by id."""
        a = self._a.c
        query = select(self._a).where(a.customer_id == customer_id)
        if type is not None:
            query = query.where(a.type == AddressType(type).value)
        query = query.order_by(a.is_default.desc(), a.id.asc())
        return [address_from(row) for row in self._conn.execute(query)]

    def update(self, address_id: int, changes: Mapping[str, object]) -> Address:
        """Write the given columns and return the address."""
        values = _column_values(changes)
        check_lengths(self._conn.dialect, self._a, values)
        if not values:
            return self._get(address_id)
        statement = update(self._a).where(self._a.c.id == address_id).values(values)
        if self._conn.dialect.update_returning:
            row = self._conn.execute(statement.returning(*self._a.c)).first()
            if row is None:
                raise AddressNotFound(address_id)
            return address_from(row)
        self._conn.execute(statement)
        return self._get(address_id)

    def clear_default(self, customer_id: int, type: AddressType, updated_at: datetime) -> None:
        """Unset the default flag of the customer's addresses of this type."""
        a = self._a.c
        statement = (
            update(self._a)
            .where(a.customer_id == customer_id, a.type == AddressType(type).value, a.is_default)
            .values(is_default=False, updated_at=updated_at)
        )
        self._conn.execute(statement)

    def remove(self, address_id: int) -> None:
        """Delete the address."""
        self._conn.execute(delete(self._a).where(self._a.c.id == address_id))

    def _get(self, address_id: int) -> Address:
        address = self.find(address_id)
        if address is None:
            raise AddressNotFound(address_id)
        return address
