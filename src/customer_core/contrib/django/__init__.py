"""customer_core in a Django project: add ``"customer_core.contrib.django"`` to ``INSTALLED_APPS``.

- :func:`get_core`: a :class:`~customer_core.CustomerCore` on the Django ORM whose
  calls join the current ``transaction.atomic()`` block (each call in a savepoint);
- :class:`DjangoOrders`: where the host keeps its orders (a model or a table);
- models on the Laravel-compatible tables ``customers``, ``addresses`` and
  ``customer_notes`` and on the library's ``customer_events`` (timeline and outbox)
  and ``customer_password_reset_tokens`` (:mod:`customer_core.contrib.django.models`),
  migrations that create them only where missing, and the admin for customers.

Importing this package needs neither configured settings nor the app registry;
:func:`get_core` and :class:`DjangoStorage` need both (``django.setup()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from customer_core.contrib.django._orders_spec import DjangoOrders

if TYPE_CHECKING:
    from customer_core._core import CustomerCore
    from customer_core.contrib.django._storage import DjangoStorage
    from customer_core.passwords import PasswordHasher
    from customer_core.ports import Clock

__all__ = ["DjangoOrders", "DjangoStorage", "get_core"]


def get_core(
    using: str = "default",
    orders: DjangoOrders | type[Any] | str | None = None,
    *,
    password_hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    default_region: str | None = None,
    cursor_secret: str | bytes | None = None,
) -> CustomerCore[DjangoOrders | None]:
    """A core on the Django database ``using``; every call joins the caller's transaction.

    Outside ``transaction.atomic()`` each call is its own transaction; inside,
    it runs in a savepoint of the caller's: a failed call (``ValidationError``,
    ``DuplicateEmail``) undoes its own writes only, and a rollback of the caller
    undoes the library's. ``orders`` is the host's order model, its table's
    name, or a :class:`DjangoOrders` naming the columns; None means no orders.
    ``cursor_secret`` signs scroll cursors; by default it is derived from
    ``settings.SECRET_KEY`` (the same on every process of the site, never used raw).
    """
    from customer_core._core import CustomerCore
    from customer_core.contrib.django._storage import DjangoStorage

    spec = DjangoOrders.of(orders)
    return CustomerCore(
        DjangoStorage(using, orders=spec),
        orders=spec,
        password_hasher=password_hasher,
        clock=clock,
        default_region=default_region,
        cursor_secret=_site_secret() if cursor_secret is None else cursor_secret,
    )


def _site_secret() -> bytes | None:
    """The cursor secret derived from ``settings.SECRET_KEY`` (None without one: random)."""
    from django.conf import settings

    from customer_core.services._cursor import derived_secret

    key = getattr(settings, "SECRET_KEY", None)
    return (
        derived_secret("Django SECRET_KEY", key) if isinstance(key, str | bytes) and key else None
    )


def __getattr__(name: str) -> Any:
    # DjangoStorage imports the models, which need the app registry: loaded on first use.
    if name == "DjangoStorage":
        from customer_core.contrib.django._storage import DjangoStorage

        return DjangoStorage
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
