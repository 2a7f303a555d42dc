"""Hypothesis state machines that drive a core through random sequences of calls.

Two machines, each built from *harness factories* so that any adapter can run them:

- :func:`make_invariant_machine` checks the domain's invariants after every
  step: one default address per customer and type, e-mails unique regardless
  of case, lifetime values equal to a recomputation from the machine's own
  copy of the orders, and failed calls changing nothing.
- :func:`make_agreement_machine` sends the same calls to a reference harness
  (normally in memory) and a candidate harness and requires identical results
  and identical errors, ids and times included.

A harness factory is a zero-argument callable returning either a fresh, empty
:class:`~customer_core.testing.Harness` or a context manager that yields one
and tears it down on exit (drop the schema, close the engine)::

    @contextlib.contextmanager
    def sqlite_harness() -> Iterator[Harness]:
        clock = FrozenClock()
        core = CustomerCore.from_url("sqlite://", orders=..., clock=clock)
        core.create_schema()
        try:
            yield Harness(core=core, orders=recorder, clock=clock)
        finally:
            engine.dispose()

    TestSQLiteInvariants = make_invariant_machine(sqlite_harness).TestCase

Every example (one run of the machine) calls the factory once. The machines
come with modest default settings; override them with
``Machine.TestCase.settings = hypothesis.settings(...)``.
"""

from __future__ import annotations

from customer_core.testing.stateful._agreement import make_agreement_machine
from customer_core.testing.stateful._common import (
    DEFAULT_SETTINGS,
    HarnessFactory,
    open_harness,
)
from customer_core.testing.stateful._invariants import make_invariant_machine

__all__ = [
    "DEFAULT_SETTINGS",
    "HarnessFactory",
    "make_agreement_machine",
    "make_invariant_machine",
    "open_harness",
]
