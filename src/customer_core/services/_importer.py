"""Bulk import of existing customers (a migration): streamed, validated and written in batches
inside one transaction, all or nothing.

The records are read once, in order, and never held whole: each window of
records is validated, probed against the stored e-mails and inserted, then
dropped. What is kept per record is its e-mail (with the index of the record
that first used it) to catch duplicates across batches. After the first bad
record nothing more is inserted, but every later record is still validated, so
the error names every bad record (up to :data:`MAX_REPORTED` fields); raising
it at the end rolls back the batches already inserted.

The rules are those of :func:`_rules`. A window of plain records is checked a
field at a time (:func:`_by_columns`, the fast path: each field's values in one
list, through the rule's column check where it has one,
:data:`customer_core.rules.COLUMN_CHECKS`, else the rule on each value; no
:class:`Fields` per record); a window with
anything it does not settle (a bad field, a repeated e-mail, a record not a
plain ``dict``) is taken again record by record through :func:`_record`, the
reference, which runs every rule and words every error. So the errors, and
the customers stored, are :func:`_record`'s (tests/unit/test_import_columns.py).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import islice, repeat
from operator import itemgetter
from typing import Any, cast

import attrs

from customer_core import rules
from customer_core.errors import DuplicateEmail, ValidationError
from customer_core.ports import NEW_CUSTOMER_ORDER, NewCustomer, NewCustomers, Transaction
from customer_core.rules import Fields
from customer_core.services._context import Context

__all__ = ["FIELDS", "OPTIONAL", "REPEATED_EMAIL", "REQUIRED", "import_customers"]

#: What a record must carry; every other field of :class:`NewCustomer` but ``updated_at``
#: (always the time of the import) is optional.
REQUIRED = ("name", "email", "password_hash")
OPTIONAL = tuple(
    field.name
    for field in attrs.fields(NewCustomer)
    if field.name not in REQUIRED and field.name != "updated_at"
)
#: Every field a record may carry, in the model's order.
FIELDS = (*REQUIRED, *OPTIONAL)
KNOWN_FIELDS = frozenset(FIELDS)
REQUIRED_FIELDS = frozenset(REQUIRED)
MAX_BATCH = 100_000
# A file with a million bad rows should not make an error of a million entries.
MAX_REPORTED = 1000
#: Records validated before their e-mails are looked up in storage, in one call: the
#: look-up reads legacy mixed-case rows in a table scan, so once per batch of 1 000 would
#: scan a growing table a thousand times in a million-row import. Never fewer than a batch.
PROBE_WINDOW = 10_000
#: The message of a record whose e-mail an earlier record has (``{index}``: the earlier one).
REPEATED_EMAIL = "repeats the e-mail of record {index}"
#: A field's rule and the value a record without the field has.
Rules = dict[str, tuple[Callable[[Any], object], object]]


def import_customers(
    context: Context, records: Iterable[Mapping[str, object]], *, batch_size: int = 1000
) -> int:
    """Validate and insert the records batch by batch in one transaction; returns how many.

    ``records`` may be any iterable, a generator included; it is read once,
    inside the transaction (so a generator should not write through the core).
    Every bad record is reported (up to :data:`MAX_REPORTED` fields), so an
    operator can fix a whole file in one go; on any, nothing is stored.
    """
    fields = Fields()
    size = fields.check("batch_size", rules.positive(MAX_BATCH), batch_size)
    fields.done()
    stream = _Stream(context, size)
    # One attempt, outside the retry policy: the records may be a generator, read only once.
    with context.storage.transaction() as tx:
        unread = iter(records)
        # As many records as would fill the window if all were good: it is then flushed
        # after the same record as if each were checked as it came.
        while chunk := list(islice(unread, stream.room())):
            if stream.take(chunk):
                stream.flush(tx)
        stream.flush(tx)
        if stream.errors:
            # Raised inside the transaction: the batches already inserted roll back.
            raise ValidationError(stream.errors)
    return stream.stored


@attrs.define
class _Stream:
    """The state of one import: the window of checked customers, the e-mails seen, the
    errors."""

    context: Context
    size: int
    errors: dict[str, str] = attrs.field(factory=dict)
    stored: int = 0
    #: The window's checked customers a column at a time (no object per record), and
    #: the index of each.
    _pending: dict[str, list[Any]] = attrs.field(factory=lambda: _no_columns())
    _indexes: list[int] = attrs.field(factory=list)
    #: The index of the next record.
    _next: int = 0
    #: E-mail → index of the first record with it: the one key kept per record.
    _first: dict[str, int] = attrs.field(factory=dict)
    _now: datetime = attrs.field(init=False)
    _rules: Rules = attrs.field(init=False)
    #: Records checked before a flush; computed once (``take`` runs once per record).
    _window: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._now = self.context.now()
        self._rules = _rules(self._now, rules.phone_rule(self.context.default_region))
        self._window = max(self.size, min(self.size * 10, PROBE_WINDOW))

    def room(self) -> int:
        """How many more records fill the window (at least one)."""
        return self._window - len(self._indexes)

    def take(self, records: list[Mapping[str, object]]) -> bool:
        """Check the next records: by columns when all are good, else one by one; True
        when the window is full and should be flushed."""
        start, self._next = self._next, self._next + len(records)
        columns = _by_columns(records, self._rules, self._now)
        if columns is not None:
            emails = columns["email"]
            if len(set(emails)) == len(emails) and self._first.keys().isdisjoint(emails):
                indexes = range(start, self._next)
                self._first.update(zip(emails, indexes, strict=True))
                self._indexes.extend(indexes)
                for field, values in columns.items():
                    self._pending[field].extend(values)
                return len(self._indexes) >= self._window
        for index, record in enumerate(records, start):
            self._take_one(index, record)
        return len(self._indexes) >= self._window

    def _take_one(self, index: int, record: Mapping[str, object]) -> None:
        """Check one record through :func:`_record`: pending, or its errors gathered."""
        try:
            customer = _record(index, record, self._rules, self._now)
        except ValidationError as error:
            _gather(self.errors, error.errors)
            return
        earlier = self._first.setdefault(customer.email, index)
        if earlier != index:
            _gather(self.errors, {f"{index}.email": REPEATED_EMAIL.format(index=earlier)})
            return
        self._indexes.append(index)
        for field, values in self._pending.items():
            values.append(getattr(customer, field))

    def flush(self, tx: Transaction) -> None:
        """Refuse the e-mails stored customers have; insert the window if all is well so far."""
        indexes, self._indexes = self._indexes, []
        pending = NewCustomers(self._pending)
        self._pending = _no_columns()
        if not indexes:
            return
        # Only first uses reach here, and this import's own rows are never their e-mails:
        # whatever the storage knows was stored before the import began.
        emails = pending.columns["email"]
        self._refuse_taken(tx, indexes, emails)
        if self.errors:
            return
        for start in range(0, len(indexes), self.size):
            batch = pending[start : start + self.size]
            try:
                self.stored += tx.imports.add_many(batch)
            except DuplicateEmail:
                # A writer stored one of them after the probe (a lost race): name it.
                self._refuse_taken(tx, indexes, emails)
                if not self.errors:
                    raise
                return
            tx.events.append_imported(batch.columns["email"], self.context.actor_id, self._now)

    def _refuse_taken(self, tx: Transaction, indexes: list[int], emails: list[str]) -> None:
        """Report each record whose e-mail a stored customer uses."""
        taken = tx.imports.existing_emails(emails)
        if not taken:
            return
        for index, email in zip(indexes, emails, strict=True):
            if email in taken:
                _gather(self.errors, {f"{index}.email": "is already taken"})


def _no_columns() -> dict[str, list[Any]]:
    return {field: [] for field in NEW_CUSTOMER_ORDER}


def _gather(errors: dict[str, str], more: Mapping[str, str]) -> None:
    for field, message in more.items():
        if len(errors) < MAX_REPORTED:
            errors[field] = message


def _rules(now: datetime, phone: Callable[[object], str | None]) -> Rules:
    """Each field's rule, in the model's order, and its value when a record lacks it
    (``phone``: the region's rule; a record without ``created_at`` was created ``now``).
    Every field of :class:`NewCustomer` but ``updated_at`` (always ``now``)."""

    def created(value: object) -> datetime:
        return now if value is None else rules.timestamp(value)

    found: Rules = {
        "name": (rules.name, None),
        "email": (rules.email, None),
        "password_hash": (rules.password_hash, None),
        "phone": (phone, None),
        "avatar": (rules.avatar, None),
        "is_blocked": (rules.flag, False),
        "created_at": (created, None),
    }
    return {f.name: found[f.name] for f in attrs.fields(NewCustomer) if f.name != "updated_at"}


def _record(index: int, record: object, rules_: Rules, now: datetime) -> NewCustomer:
    """Every rule through :class:`Fields`, every error worded: the reference."""
    if not isinstance(record, Mapping):
        raise ValidationError.single(str(index), "must be a mapping")
    keys = record.keys()
    # Set operations on the keys run in C; the common, well-formed record skips both loops.
    if not (keys <= KNOWN_FIELDS and keys >= REQUIRED_FIELDS):
        _refuse_keys(index, keys)
    fields = Fields(prefix=f"{index}.")
    values = {
        field: fields.check(field, rule, record.get(field, missing))
        for field, (rule, missing) in rules_.items()
    }
    fields.done()
    return NewCustomer(**values, updated_at=now)  # type: ignore[arg-type]


def _by_columns(
    records: Sequence[object], rules_: Rules, now: datetime
) -> dict[str, list[Any]] | None:
    """What :func:`_record` makes of each record, a column per field of
    :class:`NewCustomer` (no object per record), or None: "ask :func:`_record`".

    Only plain ``dict`` records with known keys and every required one are taken;
    each field's values are checked in one list (:func:`_column`).
    """
    if set(map(type, records)) != {dict}:
        return None
    plain = cast(Sequence[dict[str, object]], records)
    if not (all(map(KNOWN_FIELDS.issuperset, plain)) and all(map(REQUIRED_FIELDS.issubset, plain))):
        return None
    count = len(plain)
    columns: dict[str, list[Any]] = {}
    for field, (rule, missing) in rules_.items():
        checked = _column(rule, _values(plain, field, missing))
        if checked is None:
            return None
        columns[field] = checked
    columns["updated_at"] = [now] * count
    return columns


def _values(records: Sequence[dict[str, object]], field: str, missing: object) -> list[object]:
    """``[record.get(field, missing) for record in records]``, in C loops when the field is
    in every record or in none (the common cases)."""
    present = sum(map(operator.contains, records, repeat(field)))
    if present == len(records):
        return list(map(itemgetter(field), records))
    if present == 0:
        return [missing] * len(records)
    return [record.get(field, missing) for record in records]


def _column(rule: Callable[[Any], object], values: list[object]) -> list[Any] | None:
    """``[rule(value) for value in values]``, or None when the rule refuses one."""
    first = values[0]
    if (first is None or type(first) is bool) and all(map(operator.is_, values, repeat(first))):
        # A field no record has, or one flag for all: the rule once.
        once = _each(rule, [first])
        return None if once is None else once * len(values)
    check = rules.COLUMN_CHECKS.get(rule)
    checked = None if check is None else check(values)
    return _each(rule, values) if checked is None else checked


def _each(rule: Callable[[Any], object], values: list[object]) -> list[Any] | None:
    try:
        return [rule(value) for value in values]
    except rules.Invalid:
        return None


def _refuse_keys(index: int, keys: Iterable[object]) -> None:
    """The error for a record with keys no customer has, or without a required one."""
    errors: dict[str, str] = {}
    for key in keys:
        if key not in KNOWN_FIELDS:
            hint = "; import takes password_hash, never a password" if key == "password" else ""
            errors[f"{index}.{key}"] = f"is not a field of a customer{hint}"
    for key in REQUIRED:
        if key not in keys:
            errors[f"{index}.{key}"] = "is required"
    raise ValidationError(errors)
