"""RFM on the asyncio front: the summary a coroutine, the scores an async iterator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from itertools import islice

from customer_core._segment import Segment
from customer_core.aio._bridge import run_sync
from customer_core.rfm import RfmScore
from customer_core.services import CustomerAnalytics

__all__ = ["AsyncCustomerAnalytics"]

#: Scores taken from the sync iterator per trip into the bridge's greenlet.
BATCH = 500


class AsyncCustomerAnalytics:
    """:class:`~customer_core.services.CustomerAnalytics` on the event loop.

    ``rfm()`` is an async iterator over the one sync stream: each batch of scores is
    read in a greenlet (its I/O awaited on the loop), so memory stays bounded and
    the loop is never blocked. Leaving an ``async for`` early (``break``) and
    ``aclose()`` end the read transaction.
    """

    __slots__ = ("_service",)

    def __init__(self, service: CustomerAnalytics) -> None:
        self._service = service

    async def rfm(self, *, segment: Segment | str | None = None) -> AsyncIterator[RfmScore]:
        """See :meth:`CustomerAnalytics.rfm`: every scored customer, by id ascending.

        A bad ``segment`` raises when the iteration starts.
        """
        scores = self._service.rfm(segment=segment)
        try:
            while batch := await run_sync(_take, scores):
                for score in batch:
                    yield score
        finally:
            close = getattr(scores, "close", None)
            if close is not None:
                await run_sync(close)

    async def rfm_summary(self, *, segment: Segment | str | None = None) -> dict[str, int]:
        """See :meth:`CustomerAnalytics.rfm_summary`: label → number of customers."""
        return await run_sync(self._service.rfm_summary, segment=segment)


def _take(scores: Iterator[RfmScore]) -> list[RfmScore]:
    return list(islice(scores, BATCH))
