"""Django settings for the tests of customer_core.contrib.django (and the browser test's server).

The SQLite file comes from ``CUSTOMER_CORE_DJANGO_SQLITE`` (a temporary file by
default); the conftest adds a PostgreSQL database as the alias ``postgres`` at run
time, on the server the suite starts itself.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

SECRET_KEY = "tests-only-not-secret"
DEBUG = os.environ.get("CUSTOMER_CORE_DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "djshop.urls"
STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "customer_core.contrib.django",
    "djshop",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

_SQLITE = os.environ.get("CUSTOMER_CORE_DJANGO_SQLITE", "")
if not _SQLITE:
    _FOLDER = tempfile.mkdtemp(prefix="cc-django-")
    atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)
    _SQLITE = str(Path(_FOLDER) / "db.sqlite3")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": _SQLITE,
        # Writers serialize from BEGIN, as the SQLAlchemy adapter's BEGIN IMMEDIATE does.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 10},
    }
}
