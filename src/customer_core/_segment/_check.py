"""The whole-tree check of a segment a caller hands in: only what the builder makes.

``C`` and the parser check each condition as they build it, but a ``Segment`` is
a plain attrs value: ``attrs.evolve(segment, field="password")`` or a subclass
makes one they never saw, and ``C`` joins any number of conditions (3 000 of them
overflow every recursive walk). :func:`checked_tree` walks the tree without
recursion and refuses, as a ValidationError on ``"segment"``, any node that is
not one of the builder's classes, any field, operator or value the builder
would refuse, and a tree larger than the parser takes.
"""

from __future__ import annotations

from customer_core._segment import _nodes as nodes
from customer_core._segment._fields import (
    FIELDS,
    Kind,
    checked_days,
    checked_value,
    kind_of,
    refuse,
)
from customer_core._segment._parse import MAX_CONDITIONS, MAX_DEPTH

__all__ = ["MAX_TREE_DEPTH", "MAX_VALUES", "checked_tree"]

#: The deepest tree the parser builds: a left-nested chain of its conditions under its
#: nesting of ``not`` and parentheses.
MAX_TREE_DEPTH = MAX_CONDITIONS + MAX_DEPTH

#: The most ``in_`` values a whole segment holds: each is a bound parameter, and a query
#: past a database's limit (65 535 on PostgreSQL and MySQL) would fail there. A text the
#: parser takes (10 000 characters) cannot hold more either.
MAX_VALUES = 10_000

_JOINS = (nodes.And, nodes.Or, nodes.Not)


def checked_tree(segment: nodes.Segment) -> nodes.Segment:
    """``segment`` itself when every node is one the builder makes; ValidationError else."""
    conditions = values = 0
    stack: list[tuple[object, int]] = [(segment, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise refuse(f"nested more than {MAX_TREE_DEPTH} deep")
        if type(node) in _JOINS:
            children = node.children()  # type: ignore[attr-defined]
            stack.extend((child, depth + 1) for child in children)
            continue
        conditions += 1
        if conditions > MAX_CONDITIONS:
            raise refuse(f"more than {MAX_CONDITIONS} conditions")
        _check_condition(node)
        if type(node) is nodes.In:
            values += len(node.values)
            if values > MAX_VALUES:
                raise refuse(f"more than {MAX_VALUES} values in all its in_ conditions")
    return segment


def _check_condition(node: object) -> None:
    """Refuse a condition the builder would not have made (class, field, operator, value)."""
    field = getattr(node, "field", None)
    if not isinstance(field, str) or field not in FIELDS:
        raise refuse("a condition on an unknown field")
    kind = type(node)
    if kind is nodes.Flag:
        if FIELDS[field] is not Kind.FLAG:
            raise refuse(f"{field} is not a condition by itself")
    elif kind is nodes.Compare:
        op = getattr(node, "op", None)
        if op not in nodes.COMPARISONS:
            raise refuse(f"{field}: unknown operator")
        kind_of(field, op)
        _same(field, node.value)  # type: ignore[attr-defined]
    elif kind is nodes.Between:
        kind_of(field, "between")
        _same(field, node.low)  # type: ignore[attr-defined]
        _same(field, node.high)  # type: ignore[attr-defined]
    elif kind is nodes.In:
        _check_in(field, node.values)  # type: ignore[attr-defined]
    elif kind is nodes.Contains:
        kind_of(field, "contains")
        _same(field, node.text)  # type: ignore[attr-defined]
    elif kind is nodes.IsNull:
        kind_of(field, "is null")
    elif kind in (nodes.Within, nodes.OlderThan):
        kind_of(field, "within" if kind is nodes.Within else "older_than")
        days = node.days  # type: ignore[attr-defined]
        if type(days) is not int or checked_days(field, days) != days:
            raise refuse(f"{field}: days must be a whole number")
    else:
        raise refuse(f"{type(node).__name__} is not a segment's node")


def _check_in(field: str, values: object) -> None:
    kind_of(field, "in")
    if type(values) is not tuple or not 0 < len(values) <= nodes.MAX_IN_VALUES:
        raise refuse(f"{field}: in_ takes 1 to {nodes.MAX_IN_VALUES} values")
    for value in values:
        _same(field, value)


def _same(field: str, value: object) -> None:
    """Refuse ``value`` unless the field's rule keeps it as it is (same type, same value)."""
    checked = checked_value(field, value)
    if type(checked) is not type(value) or checked != value:
        raise refuse(f"{field}: a value the field's rule does not keep as it is")
