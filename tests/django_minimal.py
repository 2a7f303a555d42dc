"""Minimal Django settings for tests that import every public module (the public face,
the docstrings): ``customer_core.contrib.django``'s models need a configured app registry."""

from __future__ import annotations

import importlib.util

__all__ = ["DJANGO_PACKAGE", "django_installed", "django_ready"]

DJANGO_PACKAGE = "customer_core.contrib.django"


def django_installed() -> bool:
    """True when the framework is installed."""
    return importlib.util.find_spec("django") is not None


def django_ready() -> bool:
    """Configure and set up Django if nobody has; False when Django is not installed."""
    if not django_installed():
        return False
    import django
    from django.apps import apps
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=[
                "django.contrib.admin",
                "django.contrib.auth",
                "django.contrib.contenttypes",
                "django.contrib.sessions",
                "django.contrib.messages",
                DJANGO_PACKAGE,
            ],
            DATABASES={},
            USE_TZ=True,
        )
    if not apps.ready:
        django.setup()
    return True
