"""Bulk import of existing customers (a migration): streamed, validated and written in batches
inside one transaction, all or nothing.

The records are read once, in order, and never held whole: each window of
records is validated, probed against the stored e-mails and inserted, then
dropped. What is kept per record is its e-mail (with the index of the record
that first used it) to catch duplicates across batches. After the first bad
record nothing more is inserted, but every later record is still validated, so
the error names every bad record (up to :data:`MAX_REPORTED` fields); raising
it at the end rolls back the batches already inserted.

Each record goes through :func:`_record`, which runs every rule and words every
error (a hand-inlined quick pass measured under 1.3x and was removed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

import attrs

from customer_core import rules
from customer_core.errors import DuplicateEmail, ValidationError
from customer_core.ports import NewCustomer, Transaction
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
        for index, record in enumerate(records):
            if stream.take(index, record):
                stream.flush(tx)
        stream.flush(tx)
        if stream.errors:
            # Raised inside the transaction: the batches already inserted roll back.
            raise ValidationError(stream.errors)
    return stream.stored


@attrs.define
class _Stream:
    """The state of one import: the window of checked customers, the e-mails seen, the errors."""

    context: Context
    size: int
    errors: dict[str, str] = attrs.field(factory=dict)
    stored: int = 0
    _pending: list[tuple[int, NewCustomer]] = attrs.field(factory=list)
    #: E-mail → index of the first record with it: the one key kept per record.
    _first: dict[str, int] = attrs.field(factory=dict)
    _now: datetime = attrs.field(init=False)
    _phone: Callable[[object], str | None] = attrs.field(init=False)
    #: Records checked before a flush; computed once (``take`` runs once per record).
    _window: int = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._now = self.context.now()
        self._phone = rules.phone_rule(self.context.default_region)
        self._window = max(self.size, min(self.size * 10, PROBE_WINDOW))

    def take(self, index: int, record: Mapping[str, object]) -> bool:
        """Check one record; True when the window is full and should be flushed."""
        try:
            customer = _record(index, record, self._now, self._phone)
        except ValidationError as error:
            _gather(self.errors, error.errors)
            return False
        earlier = self._first.setdefault(customer.email, index)
        if earlier != index:
            _gather(self.errors, {f"{index}.email": REPEATED_EMAIL.format(index=earlier)})
            return False
        self._pending.append((index, customer))
        return len(self._pending) >= self._window

    def flush(self, tx: Transaction) -> None:
        """Refuse the e-mails stored customers have; insert the window if all is well so far."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        # Only first uses reach here, and this import's own rows are never their e-mails:
        # whatever the storage knows was stored before the import began.
        self._refuse_taken(tx, pending)
        if self.errors:
            return
        for start in range(0, len(pending), self.size):
            batch = [customer for _, customer in pending[start : start + self.size]]
            try:
                self.stored += tx.imports.add_many(batch)
            except DuplicateEmail:
                # A writer stored one of them after the probe (a lost race): name it.
                self._refuse_taken(tx, pending)
                if not self.errors:
                    raise
                return
            emails = [customer.email for customer in batch]
            tx.events.append_imported(emails, self.context.actor_id, self._now)

    def _refuse_taken(self, tx: Transaction, pending: list[tuple[int, NewCustomer]]) -> None:
        """Report each record whose e-mail a stored customer uses."""
        taken = tx.imports.existing_emails([customer.email for _, customer in pending])
        for index, customer in pending:
            if customer.email in taken:
                _gather(self.errors, {f"{index}.email": "is already taken"})


def _gather(errors: dict[str, str], more: Mapping[str, str]) -> None:
    for field, message in more.items():
        if len(errors) < MAX_REPORTED:
            errors[field] = message


def _record(
    index: int, record: object, now: datetime, phone: Callable[[object], str | None]
) -> NewCustomer:
    """Every rule through :class:`Fields`, every error worded (``phone``: the region's rule)."""
    if not isinstance(record, Mapping):
        raise ValidationError.single(str(index), "must be a mapping")
    keys = record.keys()
    # Set operations on the keys run in C; the common, well-formed record skips both loops.
    if not (keys <= KNOWN_FIELDS and keys >= REQUIRED_FIELDS):
        _refuse_keys(index, keys)
    fields = Fields(prefix=f"{index}.")
    created = record.get("created_at")
    new = NewCustomer(
        name=fields.check("name", rules.name, record["name"]),
        email=fields.check("email", rules.email, record["email"]),
        password_hash=fields.check("password_hash", rules.password_hash, record["password_hash"]),
        phone=fields.check("phone", phone, record.get("phone")),
        avatar=fields.check("avatar", rules.avatar, record.get("avatar")),
        is_blocked=fields.check("is_blocked", rules.flag, record.get("is_blocked", False)),
        created_at=now if created is None else fields.check("created_at", rules.timestamp, created),
        updated_at=now,
    )
    fields.done()
    return new


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
