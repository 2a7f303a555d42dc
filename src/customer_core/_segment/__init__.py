"""Segments' logic: the value type, its parser, its in-memory meaning.

The public face is :mod:`customer_core.segments`.

Adapters and services import from here: :func:`resolve` against the core's
clock, then :func:`matches` (memory) or the SQL adapter's compiler.
"""

from __future__ import annotations

from customer_core._segment._builder import C, Field, Fields
from customer_core._segment._check import checked_tree
from customer_core._segment._evaluate import conditions, matches, needs_countries, resolve
from customer_core._segment._fields import FIELDS, Kind, refuse
from customer_core._segment._nodes import (
    And,
    Between,
    Compare,
    Contains,
    Flag,
    In,
    IsNull,
    Not,
    OlderThan,
    Or,
    Segment,
    Within,
)
from customer_core._segment._parse import parse

__all__ = [
    "FIELDS",
    "And",
    "Between",
    "C",
    "Compare",
    "Contains",
    "Field",
    "Fields",
    "Flag",
    "In",
    "IsNull",
    "Kind",
    "Not",
    "OlderThan",
    "Or",
    "Segment",
    "Within",
    "as_segment",
    "conditions",
    "matches",
    "needs_countries",
    "parse",
    "refuse",
    "resolve",
]


def as_segment(value: object) -> Segment | None:
    """A service's ``segment=`` argument: a Segment (its whole tree checked), its text form
    (parsed), or None; anything else, or a tree the builder would not make, is a
    ValidationError on ``"segment"``."""
    if value is None:
        return value
    if isinstance(value, Segment):
        # Built in Python (or forged): checked whole, as the parser checks a text.
        return checked_tree(value)
    if isinstance(value, str):
        return parse(value)
    raise refuse("must be a Segment (customer_core.segments) or its text form")
