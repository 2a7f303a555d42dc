"""Customer analytics: RFM scores and their summary by label (see :mod:`customer_core.rfm`)."""

from __future__ import annotations

from collections.abc import Iterator

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

    def rfm(self) -> Iterator[RfmScore]:
        """Every scored customer's :class:`~customer_core.rfm.RfmScore`, by customer id ascending.

        A customer without a delivered order is not scored. The iterator reads one
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
        return self._stream()

    def rfm_summary(self) -> dict[str, int]:
        """How many scored customers carry each label, in the label table's order.

        Labels no customer carries are left out. On SQL one statement computes it
        (``NTILE`` windows, ``GROUP BY`` label).
        """
        return self._context.read(lambda tx: dict(tx.analytics.rfm_summary()))

    def _stream(self) -> Iterator[RfmScore]:
        with self._context.storage.transaction(read_only=True, may_lag=True) as tx:
            yield from tx.analytics.rfm()
