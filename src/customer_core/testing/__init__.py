"""Test support for host applications and third-party adapters.

- :class:`FrozenClock`: a clock that only moves when told to.
- :class:`Harness` and :class:`OrderRecorder`: what an adapter's test module
  hands the contract suite (:mod:`customer_core.testing.contract`).
- :mod:`customer_core.testing.strategies`: hypothesis strategies for valid inputs.
"""

from __future__ import annotations

from customer_core.testing._harness import FrozenClock, Harness, OrderRecorder

__all__ = ["FrozenClock", "Harness", "OrderRecorder"]
