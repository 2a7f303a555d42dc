"""Bulk import of existing customers (a migration): validate everything, then write once.

Each record goes through :func:`_record`, the general path that runs every
rule and words every error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from customer_core import rules
from customer_core.errors import ValidationError
from customer_core.ports import NewCustomer
from customer_core.rules import Fields
from customer_core.services.context import Context

__all__ = ["import_customers"]

REQUIRED = ("name", "email", "password_hash")
OPTIONAL = ("phone", "avatar", "is_blocked", "created_at")
MAX_BATCH = 100_000
# A file with a million bad rows should not make an error of a million entries.
MAX_REPORTED = 1000


def import_customers(
    context: Context, records: Iterable[Mapping[str, object]], *, batch_size: int = 1000
) -> int:
    """Validate every record, then insert them all in one transaction; returns how many.

    Every bad record is reported (up to :data:`MAX_REPORTED` fields), so an
    operator can fix a whole file in one go.
    """
    fields = Fields()
    size = fields.check("batch_size", rules.positive(MAX_BATCH), batch_size)
    fields.done()
    now = context.now()
    quick = _quick_record(context.default_region, now)
    errors: dict[str, str] = {}
    customers: list[NewCustomer] = []
    for index, record in enumerate(records):
        customer = quick(record)
        if customer is None:
            try:
                customer = _record(context, index, record, now)
            except ValidationError as error:
                _gather(errors, error.errors)
                continue
        customers.append(customer)
    if errors:
        raise ValidationError(errors)
    emails = [customer.email for customer in customers]
    _gather(errors, _repeats(emails))
    if errors:
        raise ValidationError(errors)
    with context.storage.transaction() as tx:
        # One call for all: the storage reads legacy mixed-case rows once, not once a batch.
        taken = tx.imports.existing_emails(emails)
        if taken:
            for index, email in enumerate(emails):
                if email in taken:
                    _gather(errors, {f"{index}.email": "is already taken"})
        if errors:
            raise ValidationError(errors)
        for start in range(0, len(customers), size):
            tx.imports.add_many(customers[start : start + size])
    return len(customers)


def _gather(errors: dict[str, str], more: Mapping[str, str]) -> None:
    for field, message in more.items():
        if len(errors) < MAX_REPORTED:
            errors[field] = message


def _record(context: Context, index: int, record: object, now: datetime) -> NewCustomer:
    """The general path: every rule through :class:`Fields`, every error worded."""
    fields = Fields(prefix=f"{index}.")
    if not isinstance(record, Mapping):
        raise ValidationError.single(str(index), "must be a mapping")
    for key in record:
        if key not in REQUIRED + OPTIONAL:
            hint = "; import takes password_hash, never a password" if key == "password" else ""
            fields.errors[f"{index}.{key}"] = f"is not a field of a customer{hint}"
    for key in REQUIRED:
        if key not in record:
            fields.errors[f"{index}.{key}"] = "is required"
    fields.done()
    region = context.default_region
    created = record.get("created_at")
    new = NewCustomer(
        name=fields.check("name", rules.name, record["name"]),
        email=fields.check("email", rules.email, record["email"]),
        password_hash=fields.check("password_hash", rules.password_hash, record["password_hash"]),
        phone=fields.check("phone", rules.phone_rule(region), record.get("phone")),
        avatar=fields.check("avatar", rules.avatar, record.get("avatar")),
        is_blocked=fields.check("is_blocked", rules.flag, record.get("is_blocked", False)),
        created_at=now if created is None else fields.check("created_at", rules.timestamp, created),
        updated_at=now,
    )
    fields.done()
    return new


def _quick_record(region: str | None, now: datetime) -> Callable[[object], NewCustomer | None]:
    """No quick pass: every record takes :func:`_record`.

    A one-pass short cut of the rules was here; it did not earn its keep on the
    import benchmark (docs/performance.md), so it was removed. Until
    ``import_customers`` stops asking it, this answers "ask :func:`_record`"
    for every record.
    """
    return _general_path


def _general_path(record: object) -> None:
    """ "Ask :func:`_record`"."""
    return


def _repeats(emails: Sequence[str]) -> dict[str, str]:
    """``"<index>.email"`` of each e-mail a record before it has."""
    if len(set(emails)) == len(emails):
        return {}
    first_seen: dict[str, int] = {}
    errors: dict[str, str] = {}
    for index, email in enumerate(emails):
        earlier = first_seen.setdefault(email, index)
        if earlier != index:
            errors[f"{index}.email"] = f"repeats the e-mail of record {earlier}"
    return errors
