"""Integrations with frameworks; each subpackage needs its framework installed.

- :mod:`customer_core.contrib.django`: a Django app (``customer-core[django]``).
"""

from __future__ import annotations

__all__: list[str] = []
