"""Customer analytics: RFM scores and their summary by label (see :mod:`customer_core.rfm`)."""

from __future__ import annotations

from collections.abc import Iterator

from customer_core._segment import Segment, as_segment, resolve
from customer_core.rfm import RfmScore
from customer_core.services._context import Context

__all__ = ["CustomerAnalytics"]


class CustomerAnalytics:
    """RFM: recency, frequency and monetary quintiles of the customers with a delivered order.

    The scores and labels are :mod:`customer_core.rfm`'s, the same on every storage;
    docs/rfm.md explains them.
    """

    def __init__(self, context: Context) -> None:
        self._context = context

    def rfm(self, *, segment: Segment | str | None = None) -> Iterator[RfmScore]:
        """Every scored customer's :class:`~customer_core.rfm.RfmScore`, by customer id ascending.

        A customer without a delivered order is not scored. ``segment`` (a
        :class:`~customer_core.segments.Segment` or its text) scores the customers in it
        among themselves: the quintiles are over the segment's scored customers, and
        relative times (``within 90d``) are read against the core's clock once. A bad
        segment is a ``ValidationError`` on ``segment``, raised by this call. The iterator reads one
        snapshot in one read-only transaction (on a replica, when there is one),
        streamed where the storage can: memory stays bounded at any size. The
        transaction stays open until the iterator is exhausted or closed (``close()``,
        or leaving a ``for`` loop over a ``contextlib.closing``).

        >>> from customer_core import CustomerCore
        >>> core = CustomerCore.in_memory()
        >>> ada = core.customers.register(name="Ada", email="ada@example.com", password="pw-123456")
        >>> core.orders.record(
        ...     order_id=1, customer_id=ada.id, total_amount="10", status="delivered"
        ... )
        >>> _ = core.ltv.recalculate(ada.id)
        >>> [(s.recency, s.frequency, s.monetary, s.label) for s in core.analytics.rfm()]
        [(1, 1, 1, 'Hibernating')]
        """
        return self._stream(self._segment(segment))

    def rfm_summary(self, *, segment: Segment | str | None = None) -> dict[str, int]:
        """How many scored customers (of ``segment``, as for :meth:`rfm`) carry each label,
        in the label table's order.

        Labels no customer carries are left out. On SQL one statement computes it
        (``NTILE`` windows, ``GROUP BY`` label).
        """
        wanted = self._segment(segment)
        return self._context.read(lambda tx: dict(tx.analytics.rfm_summary(wanted)))

    def _segment(self, segment: object) -> Segment | None:
        """The caller's segment, checked and resolved against the clock (None: everyone)."""
        parsed = as_segment(segment)
        return None if parsed is None else resolve(parsed, self._context.now())

    def _stream(self, segment: Segment | None) -> Iterator[RfmScore]:
        with self._context.storage.transaction(read_only=True, may_lag=True) as tx:
            yield from tx.analytics.rfm(segment)
