"""``core.using(connection)`` needs a core on SQL: elsewhere a TypeError saying so.

Runs in the core-only session too (no SQLAlchemy installed), where the SQL adapter
cannot even be imported: the error is the same TypeError, not an ImportError.
"""

from __future__ import annotations

import pytest

from customer_core import CustomerCore


@pytest.mark.memory
def test_using_on_a_memory_core_is_a_type_error() -> None:
    """An in-memory core has no transaction to join: TypeError naming what is needed."""
    core = CustomerCore.in_memory()
    with pytest.raises(TypeError, match=r"needs a core on SQL storage.*InMemoryStorage"):
        core.using(object())  # type: ignore[arg-type]
