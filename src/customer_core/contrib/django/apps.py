"""The Django app configuration of customer_core."""

from __future__ import annotations

from django.apps import AppConfig

__all__ = ["CustomerCoreConfig"]


class CustomerCoreConfig(AppConfig):
    """The app ``customer_core.contrib.django``; its label is ``customer_core``."""

    name = "customer_core.contrib.django"
    label = "customer_core"
    verbose_name = "Customers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Give every new SQLite connection the unicode ``cc_lower`` the queries use."""
        from django.db.backends.signals import connection_created

        from customer_core.contrib.django._sqlite import install_functions

        connection_created.connect(install_functions, dispatch_uid="customer_core_cc_lower")
