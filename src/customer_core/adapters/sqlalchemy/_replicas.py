"""Read replicas: which engine serves a read that tolerates lag, and which are down.

The routing rule itself is one line in :meth:`SQLAlchemyStorage.transaction`: a
transaction opened with ``read_only=True, may_lag=True`` goes to a replica, every
other one to the primary (the table is in docs/explanation.md). This module
keeps the replicas in turn (round robin) and remembers which one failed to open a
transaction, so that the next reads skip it for :data:`DOWN_FOR` seconds instead
of paying a failed connection attempt each.

A replica that cannot be reached is reported through :mod:`logging` (logger
``customer_core.replicas``), not :mod:`warnings`: an outage is a fact of the
running system an operator must see each time it happens, not a defect in the
caller's code that ``warnings`` would show once per call site and then hide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from itertools import count
from threading import Lock

from sqlalchemy import Engine

__all__ = ["DOWN_FOR", "Replicas"]

DOWN_FOR = 5.0
"""Seconds a replica that failed is skipped before the next read tries it again."""

logger = logging.getLogger("customer_core.replicas")


class Replicas:
    """The replica engines of one storage, taken in turn, skipping those recently down."""

    def __init__(
        self, engines: Sequence[Engine], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.engines = tuple(engines)
        self._clock = clock
        self._turn = count()
        self._down_until = [0.0] * len(self.engines)
        self._lock = Lock()

    def __bool__(self) -> bool:
        return bool(self.engines)

    def candidates(self) -> Iterator[int]:
        """The indexes of the replicas to try for the next read, the next one in turn first."""
        if not self.engines:
            return
        start = next(self._turn) % len(self.engines)
        now = self._clock()
        for step in range(len(self.engines)):
            index = (start + step) % len(self.engines)
            if self._down_until[index] <= now:
                yield index

    def down(self, index: int, error: BaseException) -> None:
        """Skip replica ``index`` for :data:`DOWN_FOR` seconds and log why (error class only).

        The URL is shown without its password; the error's message is not (a
        driver's message may quote connection parameters).
        """
        with self._lock:
            self._down_until[index] = self._clock() + DOWN_FOR
        url = self.engines[index].url.render_as_string(hide_password=True)
        logger.warning(
            "read replica %d (%s) is unavailable (%s): reading from the primary for %g s",
            index,
            url,
            type(error).__name__,
            DOWN_FOR,
        )
