"""The Django admin for customers: the library's search and filters, block/unblock through
the services, addresses and notes inline, lifetime value read-only, the timeline.

Every write goes through :func:`~customer_core.contrib.django.get_core`'s services, so
the rules apply, acting as the signed-in staff user (``core.acting_as(user.pk)``: the
timeline says who blocked a customer); the admin's forms themselves change nothing
(every field is read-only, the inlines too).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from customer_core.contrib.django import get_core
from customer_core.contrib.django._repositories import search_filter
from customer_core.contrib.django.models import Address, Customer, CustomerNote
from customer_core.errors import CustomerCoreError
from customer_core.ports import CustomerQuery

__all__ = ["AddressInline", "BlockedFilter", "CustomerAdmin", "NoteInline", "RepeatFilter"]

#: Events the change page shows (the newest); the outbox and ``core.timeline`` have all.
TIMELINE_EVENTS = 20


def _query(
    text: str | None = None, blocked: bool | None = None, repeat: bool | None = None
) -> CustomerQuery:
    return CustomerQuery(
        text=text, blocked=blocked, repeat=repeat, sort="id", descending=False, offset=0, limit=1
    )


class _FlagFilter(admin.SimpleListFilter):
    """A yes/no filter that applies the library's search condition for one flag."""

    flag = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        """Yes and no."""
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        """The customers the library's search returns for this flag."""
        if self.value() not in ("yes", "no"):
            return queryset
        wanted = self.value() == "yes"
        query = _query(blocked=wanted) if self.flag == "blocked" else _query(repeat=wanted)
        return queryset.filter(search_filter(query))


class BlockedFilter(_FlagFilter):
    """Blocked customers, or the others."""

    title = "blocked"
    parameter_name = "blocked"
    flag = "blocked"


class RepeatFilter(_FlagFilter):
    """Repeat customers (more than one delivered order), or the others."""

    title = "repeat customer"
    parameter_name = "repeat"
    flag = "repeat"


class _ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Addresses and notes are written through the services."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Read-only: see :meth:`has_add_permission`."""
        return False


class AddressInline(_ReadOnlyInline):
    """The customer's addresses, defaults first."""

    model = Address
    fields = ("type", "is_default", "full_name", "address_line1", "city", "zip_code", "country")


class NoteInline(_ReadOnlyInline):
    """The customer's notes, newest first."""

    model = CustomerNote
    fields = ("note", "user_id", "created_at")


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Customers: search, the blocked and repeat filters, block and unblock."""

    list_display = ("id", "name", "email", "is_blocked", "lifetime_value", "total_orders")
    list_filter = (BlockedFilter, RepeatFilter)
    search_fields = ("name", "email")  # shows the search box; the library's search runs
    fields = (
        "name",
        "email",
        "phone",
        "avatar",
        "is_blocked",
        "lifetime_value",
        "total_orders",
        "last_order_at",
        "created_at",
        "updated_at",
        "timeline",
    )
    readonly_fields = fields
    inlines = (AddressInline, NoteInline)
    actions = ("block", "unblock")

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Customers register through the services (a password, the rules)."""
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        """The library's search: the text, literally and in any case, in the name or e-mail."""
        text = search_term.strip().lower()
        if not text:
            return queryset, False
        return queryset.filter(search_filter(_query(text=text))), False

    @admin.display(description="Timeline (newest first)")
    def timeline(self, obj: Customer) -> str:
        """The customer's latest events through the library: when, what, by whom, the data."""
        if obj.pk is None:
            return "-"
        page = get_core(using=obj._state.db or "default").timeline.list(
            int(obj.pk), per_page=TIMELINE_EVENTS
        )
        rows = format_html_join(
            "",
            "<li>{} {} by {}: {}</li>",
            (
                (
                    f"{event.occurred_at:%Y-%m-%d %H:%M:%S}",
                    str(event.type),
                    "the customer or the system" if event.actor_id is None else event.actor_id,
                    json.dumps(event.data, ensure_ascii=False),
                )
                for event in page.items
            ),
        )
        return format_html("<ul>{}</ul><p>{} event(s) in all</p>", rows, page.total)

    @admin.action(description="Block the selected customers", permissions=["change"])
    def block(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """``core.customers.block`` for each selected customer."""
        self._each(request, queryset, "block", "blocked")

    @admin.action(description="Unblock the selected customers", permissions=["change"])
    def unblock(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """``core.customers.unblock`` for each selected customer."""
        self._each(request, queryset, "unblock", "unblocked")

    def _each(self, request: HttpRequest, queryset: QuerySet[Any], verb: str, done: str) -> None:
        core = get_core(using=queryset.db)
        # Attributed to the signed-in staff user in the customer's timeline (a user model
        # whose key is no integer, a UUID, cannot be an actor: then unattributed).
        staff = request.user.pk
        if isinstance(staff, int) and not isinstance(staff, bool):
            core = core.acting_as(staff)
        services = core.customers
        changed = 0
        for customer_id in queryset.values_list("id", flat=True):
            try:
                getattr(services, verb)(int(customer_id))
            except CustomerCoreError as error:
                self.message_user(request, f"{customer_id}: {error}", messages.ERROR)
            else:
                changed += 1
        self.message_user(request, f"{changed} customer(s) {done}.", messages.SUCCESS)
