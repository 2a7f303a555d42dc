"""The state machines of :mod:`customer_core.testing.stateful` on the in-memory adapter."""

from __future__ import annotations

import pytest

from customer_core import Argon2Hasher, CustomerCore
from customer_core.testing import FrozenClock, Harness
from customer_core.testing.stateful import make_agreement_machine, make_invariant_machine

pytestmark = pytest.mark.memory

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def memory_harness() -> Harness:
    """A fresh, empty in-memory core with a frozen clock."""
    clock = FrozenClock()
    core = CustomerCore.in_memory(clock=clock, password_hasher=CHEAP_HASHER)
    return Harness(core=core, orders=core.orders, clock=clock)


# Random call sequences keep every domain invariant of the in-memory adapter.
TestMemoryInvariants = make_invariant_machine(memory_harness).TestCase

# Two in-memory cores given the same calls answer alike: the adapter is
# deterministic, which the agreement machine needs of its reference.
TestMemoryAgreement = make_agreement_machine(memory_harness, memory_harness).TestCase
