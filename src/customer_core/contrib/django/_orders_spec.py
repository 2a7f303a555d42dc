"""DjangoOrders: where the host keeps its orders, as a model or a table (names only)."""

from __future__ import annotations

from typing import Any

import attrs

from customer_core.errors import ValidationError

__all__ = ["DjangoOrders"]


@attrs.frozen
class DjangoOrders:
    """The host's orders, read only: a model class or a table name, and the column names.

    With a model, the field names given are resolved to its table's columns when
    the storage first reads (the model need not be ready when this is built). An
    order counts for the lifetime value when its status is ``delivered``, for
    ``last_order_at`` unless ``cancelled``; ``placed_at`` is the order's time.
    """

    source: type[Any] | str = "orders"
    customer_id: str = attrs.field(default="customer_id", kw_only=True)
    status: str = attrs.field(default="status", kw_only=True)
    total_amount: str = attrs.field(default="total_amount", kw_only=True)
    placed_at: str = attrs.field(default="created_at", kw_only=True)
    delivered: str = attrs.field(default="delivered", kw_only=True)
    cancelled: str = attrs.field(default="cancelled", kw_only=True)

    @classmethod
    def of(cls, orders: DjangoOrders | type[Any] | str | None) -> DjangoOrders | None:
        """``orders`` as a spec: a model class or a table name with the default columns."""
        if orders is None or isinstance(orders, DjangoOrders):
            return orders
        if isinstance(orders, str) or hasattr(orders, "_meta"):
            return cls(orders)
        raise ValidationError.single("orders", "must be a model, a table name or DjangoOrders")

    def table(self) -> tuple[str, dict[str, str]]:
        """The table's name and the column of each role (``customer_id``, ``status``, ...)."""
        roles = ("customer_id", "status", "total_amount", "placed_at")
        if isinstance(self.source, str):
            return self.source, {role: getattr(self, role) for role in roles}
        meta = self.source._meta
        columns = {}
        for role in roles:
            name = getattr(self, role)
            field = meta.get_field(name)
            columns[role] = field.column
        return meta.db_table, columns
