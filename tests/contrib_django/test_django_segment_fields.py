"""The Django segment compiler turns only the segment fields into lookups."""

from __future__ import annotations

import pytest

from customer_core._segment import Compare
from customer_core.contrib.django._segments import segment_q
from customer_core.errors import ValidationError
from customer_core.segments import C


def test_the_django_compiler_takes_only_segment_fields() -> None:
    """A forged condition on another column (``password``) never becomes a ``Q``."""
    forged = Compare("password", ">", 3)
    with pytest.raises(ValidationError) as raised:
        segment_q(forged)
    assert set(raised.value.errors) == {"segment"}
    assert segment_q(C.total_orders > 3) is not None
