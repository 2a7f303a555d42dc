"""get_core's calls join the host's ``transaction.atomic()`` block, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import transaction
from django_support import empty_tables
from djshop.models import Order

from customer_core import Argon2Hasher
from customer_core.contrib.django import get_core
from customer_core.errors import DuplicateEmail, ValidationError

CHEAP_HASHER = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


class HostFailure(Exception):
    """The host's own write failed after the library's."""


@pytest.fixture
def alias(django_alias: str) -> str:
    empty_tables(django_alias)
    return django_alias


def core_on(alias: str):  # type: ignore[no-untyped-def]
    return get_core(using=alias, orders=Order, password_hasher=CHEAP_HASHER)


def test_host_rollback_undoes_the_library_writes(alias: str) -> None:
    """A registration inside the host's block is gone when the host's block fails."""
    core = core_on(alias)

    def host_request() -> None:
        with transaction.atomic(using=alias):
            ada = core.customers.register(name="Ada", email="ada@x.io", password="pw-123456")
            Order.objects.using(alias).create(
                customer_id=ada.id, status="delivered", total_amount=5
            )
            raise HostFailure

    with pytest.raises(HostFailure):
        host_request()
    assert core.customers.search().total == 0
    assert not Order.objects.using(alias).exists()


def test_a_failed_call_keeps_the_host_transaction_usable(alias: str) -> None:
    """A DuplicateEmail rolls back to the call's savepoint; the host's earlier writes commit."""
    core = core_on(alias)
    with transaction.atomic(using=alias):
        ada = core.customers.register(name="Ada", email="ada@example.com", password="pw-123456")
        Order.objects.using(alias).create(customer_id=ada.id, status="delivered", total_amount=7)
        with pytest.raises(DuplicateEmail):
            core.customers.register(name="Eve", email="ADA@example.com", password="pw-123456")
        with pytest.raises(ValidationError):
            core.customers.register(name="", email="bad", password="x")
        recalculated = core.ltv.recalculate(ada.id)
    assert recalculated.lifetime_value == 7
    assert core.customers.get(ada.id).lifetime_value == 7
    assert Order.objects.using(alias).count() == 1


def test_the_library_sees_the_host_uncommitted_orders(alias: str) -> None:
    """Orders the host wrote in its open block count for a recalculation in the same block."""
    core = core_on(alias)
    ada = core.customers.register(name="Ada", email="ada@example.com", password="pw-123456")

    def host_request() -> None:
        with transaction.atomic(using=alias):
            for amount in (10, 20):
                Order.objects.using(alias).create(
                    customer_id=ada.id, status="delivered", total_amount=amount
                )
            assert core.ltv.recalculate(ada.id).total_orders == 2
            raise HostFailure

    with pytest.raises(HostFailure):
        host_request()
    assert core.customers.get(ada.id).total_orders == 0


def test_a_driver_error_leaves_as_a_library_error(alias: str) -> None:
    """An orders table that does not exist is a StorageError; nothing in its chain is
    Django's or the driver's exception, and the host's transaction stays usable."""
    from customer_core.contrib.django._errors import DriverError
    from customer_core.errors import CustomerCoreError, StorageError

    core = get_core(using=alias, orders="no_such_orders", password_hasher=CHEAP_HASHER)
    ada = core.customers.register(name="Ada", email="ada@example.com", password="pw-123456")
    with transaction.atomic(using=alias):
        with pytest.raises(StorageError) as caught:
            core.ltv.recalculate(ada.id)
        assert core.customers.get(ada.id).total_orders == 0
    chain: list[BaseException] = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert all(isinstance(e, CustomerCoreError | DriverError) for e in chain), chain
    assert "no_such_orders" in str(chain[-1])


def test_a_conflict_inside_the_host_block_is_not_retried(alias: str) -> None:
    """Inside ``transaction.atomic()`` a write runs once: a lost lock is the host's to
    retry (its whole block), so the library does not re-run one savepoint of it."""
    from customer_core.errors import StorageConflict

    core = core_on(alias)
    storage = core.storage
    assert not storage.joins_host_transaction  # type: ignore[attr-defined]
    runs: list[int] = []

    def conflicting(tx: object) -> None:
        runs.append(1)
        raise StorageConflict("storage conflict: lock wait timeout")

    context = core.customers._context  # the services' shared context
    with transaction.atomic(using=alias):
        assert storage.joins_host_transaction  # type: ignore[attr-defined]
        with pytest.raises(StorageConflict):
            context.write(conflicting)
    assert runs == [1]
    runs.clear()
    with pytest.raises(StorageConflict):
        context.write(conflicting)
    assert len(runs) == context.retry.attempts
