"""Tasks: ``nox -s tests tests-core mypy lint docs`` is what CI runs (through ./dev test).

``tests-core`` and ``mypy`` run on every Python in :data:`PYTHONS` (``tests-core-3.12``,
``mypy-3.13``, ...); the whole suite, lint and the docs on :data:`PYTHON`. nox finds the
interpreters on PATH: with pyenv, ``./dev`` makes every installed version visible.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "tests-core", "mypy", "lint", "docs"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
#: Every Python tested (the in-memory suite and mypy); pyproject's classifiers name exactly these.
PYTHONS = ["3.11", "3.12", "3.13"]
#: What the in-memory suite needs (pyproject's ``test`` group); pycountry checks the country list.
CORE_TEST = ["pytest>=8", "hypothesis>=6.100", "pycountry>=23.12"]
# sqlalchemy-cockroachdb: only to compile the library's statements for CockroachDB (no server).
TEST = [*CORE_TEST, "alembic>=1.13", "pytest-timeout>=2.3", "sqlalchemy-cockroachdb>=2.0"]
# The packaging test builds the wheel and the sdist with the project's build backend.
PACKAGING = ["hatchling>=1.27"]
# The Django app's tests; Selenium drives Debian's chromium through its chromium-driver.
DJANGO = ["django>=4.2", "selenium>=4.20"]
EXAMPLES = ["fastapi>=0.110", "httpx>=0.27", "flask>=3.0", "celery[redis]>=5.3", "redis>=5"]
NOTEBOOK = ["nbclient>=0.10", "ipykernel>=6.29", "nbformat>=5.10", "matplotlib>=3.8"]
DOCS = ["sphinx>=7.3", "myst-parser>=3", "furo>=2024.1", *NOTEBOOK]
# The asyncio front's drivers too: its tests run on aiosqlite, asyncpg and asyncmy.
ALL_EXTRAS = ".[postgres,mysql,cli,async,asyncpg,aiosqlite,asyncmy]"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The whole suite: unit, contract on every backend, integration, docs examples."""
    session.install("-e", ALL_EXTRAS, *TEST, *EXAMPLES, *NOTEBOOK, *PACKAGING, *DJANGO)
    session.run("pytest", *session.posargs)


@nox.session(name="tests-core", python=PYTHONS)
def tests_core(session: nox.Session) -> None:
    """The in-memory core without SQLAlchemy installed: proves it stands alone, on each Python."""
    session.install("-e", ".", *CORE_TEST, *NOTEBOOK, *PACKAGING)
    session.run(
        "python", "-c", "import importlib.util as u; assert u.find_spec('sqlalchemy') is None"
    )
    session.run(
        "pytest", "-m", "not sql and not django", "-p", "no:cacheprovider", *session.posargs
    )


@nox.session(python=PYTHONS)
def mypy(session: nox.Session) -> None:
    """mypy --strict over src and the typing-only tests, against each Python's standard library."""
    session.install("-e", ALL_EXTRAS, "mypy>=1.10", "types-tqdm", "django-stubs>=5", *TEST)
    session.run("mypy", "--python-version", str(session.python))


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff>=0.5")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo story on a SQLite file (the embedded default)."""
    session.install("-e", ".[sqlalchemy]")
    session.run("python", "-m", "customer_core", "demo", *session.posargs)


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the docs with warnings as errors."""
    session.install("-e", ALL_EXTRAS, *DOCS, *CORE_TEST)
    session.run("sphinx-build", "-W", "--keep-going", "-b", "html", "docs", "docs/_build/html")


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """The full benchmark suite, about 8 minutes (not part of CI; the smoke scale is a test).

    Arguments after ``--`` replace the default ``--scale full``.
    """
    session.install("-e", ALL_EXTRAS, *TEST)
    session.run("python", "-m", "benchmarks", *(session.posargs or ["--scale", "full"]))
