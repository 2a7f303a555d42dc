"""Lifetime value and repeat-customer detection, computed from the host's orders.

- ``lifetime_value``: the sum of ``total_amount`` of the customer's delivered orders;
- ``total_orders``: how many orders are delivered;
- ``last_order_at``: the latest ``placed_at`` among orders not cancelled;
- a customer is a repeat customer when ``total_orders > 1``.

A recalculation reads the orders *after* locking the customer's row. Two
handlers racing on one customer therefore run one after the other, and the
later one reads orders at least as new as the earlier one did: the last write
is never older than the last order change that triggered a recalculation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial

from customer_core import rules
from customer_core.errors import ValidationError
from customer_core.model import Customer, OrderTotals
from customer_core.port_defaults import totals_of
from customer_core.ports import Transaction
from customer_core.rules import Fields
from customer_core.services._context import Context, customer_id_of, locked_customer
from customer_core.timeline import EventType, NewEvent

__all__ = ["LifetimeValue", "Progress"]

Progress = Callable[[int, int], object]
"""Called as ``progress(done, total)`` while ``recalculate_all`` runs."""

MAX_BATCH = 100_000

#: Customers per transaction of :meth:`LifetimeValue.recalculate_many`.
MANY_CHUNK = 1000


class LifetimeValue:
    """Recalculates customers' lifetime value, order count and last order time."""

    def __init__(self, context: Context) -> None:
        self._context = context

    def recalculate(self, customer_id: int) -> Customer:
        """Recompute one customer's totals from its orders; ``CustomerNotFound`` if absent."""
        customer_id = customer_id_of(customer_id)

        def work(tx: Transaction) -> Customer:
            customer = locked_customer(tx, customer_id)
            totals = tx.orders.totals(customer.id)
            saved = tx.totals.save(customer.id, totals, self._context.now())
            data = _change(totals_of(customer), totals_of(saved))
            if data is not None:
                self._context.record(tx, customer.id, EventType.LIFETIME_VALUE_CHANGED, data)
            return saved

        return self._context.write(work)

    def recalculate_many(self, customer_ids: Iterable[int]) -> int:
        """Recompute the customers with these ids, set-based; returns how many exist.

        Each distinct id counts once; ids of no customer (deleted meanwhile, or
        ``0`` and other ids no row can have) are skipped, never an error, and an
        id that is not an integer is a ``ValidationError`` on ``customer_ids.<index>``
        before anything is written. The ids go in ascending order in chunks of
        1 000, one transaction per chunk: each chunk locks its customers, then
        recomputes them all in one statement where the storage allows (two
        statements per chunk on SQL). A failing chunk is rolled back; the chunks
        before it stay done, like ``recalculate_all``'s batches. A chunk that
        loses a deadlock to another transaction (``StorageConflict``: on
        MySQL/MariaDB, a host's transaction inserting orders for customers of the
        chunk) is run again, as every write is (:meth:`Context.write`): it
        recomputes from the orders as they are then, so a retry is always safe.
        """
        if isinstance(customer_ids, str | bytes) or not isinstance(customer_ids, Iterable):
            raise ValidationError.single("customer_ids", "must be a collection of integers")
        fields = Fields()
        checked = [
            fields.check(f"customer_ids.{index}", rules.record_id, value)
            for index, value in enumerate(customer_ids)
        ]
        fields.done()
        wanted = sorted({i for i in checked if i is not None})
        done = 0
        for start in range(0, len(wanted), MANY_CHUNK):
            chunk = wanted[start : start + MANY_CHUNK]
            done += self._context.write(partial(self._recalculate_ids, chunk))
        return done

    def _recalculate_ids(self, ids: list[int], tx: Transaction) -> int:
        """One chunk of :meth:`recalculate_many`: how many of ``ids`` were customers."""
        before = tx.totals.current(ids)
        found = tx.totals.recalculate_ids(ids, self._context.now())
        self._record_changes(tx, before, tx.totals.current(found))
        return len(found)

    def _next_batch(self, after_id: int, size: int, tx: Transaction) -> tuple[int, int] | None:
        """One batch of :meth:`recalculate_all`: (last id, how many), or None when done."""
        batch = tx.totals.recalculate_changes_after(after_id, size, self._context.now())
        if batch is None:
            return None
        last, handled, before, after = batch
        self._record_changes(tx, before, after)
        return last, handled

    def _record_changes(
        self, tx: Transaction, before: dict[int, OrderTotals], after: dict[int, OrderTotals]
    ) -> None:
        """One ``lifetime_value_changed`` per customer of ``after`` whose stored totals
        changed since ``before``, written in one call (one set-based INSERT on SQL)."""
        now, actor = self._context.now(), self._context.actor_id
        events = []
        for customer_id, totals in after.items():
            old = before.get(customer_id)
            data = None if old is None else _change(old, totals)
            if data is not None:
                events.append(
                    NewEvent(customer_id, EventType.LIFETIME_VALUE_CHANGED, actor, data, now)
                )
        if events:
            tx.events.append_many(events)

    def recalculate_all(
        self,
        *,
        batch_size: int = 1000,
        progress: Progress | None = None,
        after_id: int = 0,
        checkpoint: Callable[[int], object] | None = None,
    ) -> int:
        """Recompute every customer, one set-based statement per batch; returns how many.

        Each batch commits on its own, so an interrupted run keeps the
        batches it finished. To resume, pass the last id that ``checkpoint``
        was called with as ``after_id``: only customers with higher ids are done.
        A batch that loses a lock (``StorageConflict``) is run again, as every
        write is (:meth:`Context.write`).
        """
        fields = Fields()
        size = fields.check("batch_size", rules.positive(MAX_BATCH), batch_size)
        start = fields.check("after_id", _non_negative, after_id)
        fields.done()
        # A call that writes reads on the primary too (the routing table, docs/explanation.md).
        total = self._context.read(lambda tx: tx.customers.count(), may_lag=False)
        done, last_id = 0, start
        while True:
            batch = self._context.write(partial(self._next_batch, last_id, size))
            if batch is None:
                return done
            last_id, handled = batch
            done += handled
            if checkpoint is not None:
                checkpoint(last_id)
            if progress is not None:
                # Customers registered meanwhile can push ``done`` past the first count.
                progress(done, max(total, done))


def _change(old: OrderTotals, new: OrderTotals) -> dict[str, object] | None:
    """The data of a ``lifetime_value_changed`` event (old → new of each field), or None
    when nothing changed."""
    if old == new:
        return None
    return {
        "lifetime_value": [str(old.lifetime_value), str(new.lifetime_value)],
        "total_orders": [old.total_orders, new.total_orders],
        "last_order_at": [_iso(old.last_order_at), _iso(new.last_order_at)],
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _non_negative(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise rules.Invalid("must be a non-negative integer")
    return value
