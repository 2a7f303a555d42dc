"""Bulk import of existing customers (a migration): validate everything, then write once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


def import_customers(
    context: Context, records: Iterable[Mapping[str, object]], *, batch_size: int = 1000
) -> int:
    """Validate every record, then insert them all in one transaction; returns how many."""
    fields = Fields()
    size = fields.check("batch_size", rules.positive(MAX_BATCH), batch_size)
    fields.done()
    now = context.now()
    customers = [_record(context, index, record, now) for index, record in enumerate(records)]
    _refuse_repeats(customers)
    with context.storage.transaction() as tx:
        for start in range(0, len(customers), size):
            batch = customers[start : start + size]
            taken = tx.customers.existing_emails([customer.email for customer in batch])
            if taken:
                index = start + next(i for i, c in enumerate(batch) if c.email in taken)
                raise ValidationError.single(f"{index}.email", "is already taken")
            tx.customers.add_many(batch)
    return len(customers)


def _record(context: Context, index: int, record: object, now: datetime) -> NewCustomer:
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


def _refuse_repeats(customers: Sequence[NewCustomer]) -> None:
    first_seen: dict[str, int] = {}
    for index, customer in enumerate(customers):
        earlier = first_seen.setdefault(customer.email, index)
        if earlier != index:
            message = f"repeats the e-mail of record {earlier}"
            raise ValidationError.single(f"{index}.email", message)
