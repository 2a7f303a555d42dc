"""``customer-core demo``: the library's story, told on a SQLite file or a given database."""

from __future__ import annotations

import argparse
import importlib.util

from customer_core import _demo as story
from customer_core.cli._database import engine_of, open_core, shown, translated
from customer_core.cli._exits import CliError, ExitCode
from customer_core.cli._masking import masked

__all__ = ["demo"]

#: Tables the demo creates, as the host and as the library; any of them means "not empty".
DEMO_TABLES = frozenset({"customers", "addresses", "customer_notes", "orders", "users"})


def demo(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    if args.url is None:
        # Without SQLAlchemy the story runs in memory; with it, on a fresh SQLite file.
        story.run()
        return ExitCode.OK
    if importlib.util.find_spec("sqlalchemy") is None:
        raise CliError(
            ExitCode.MISSING_DEPENDENCY,
            "--url needs SQLAlchemy: pip install 'customer-core[sqlalchemy]'",
        )
    _require_empty(args.url)
    url: str = args.url
    with translated(url):
        # The story names the database it runs on: never with its password.
        story.run(url, say=lambda text: print(masked(text, url)))
    return ExitCode.OK


def _require_empty(url: str) -> None:
    """The demo plays the host too (orders, users): it needs a database of its own."""
    from sqlalchemy import inspect

    core = open_core(url, existing=False)
    with translated(url):
        taken = DEMO_TABLES & set(inspect(engine_of(core)).get_table_names())
    engine_of(core).dispose()
    if taken:
        raise CliError(
            ExitCode.USAGE,
            f"the demo needs an empty database; {shown(url)} already has"
            f" {', '.join(sorted(taken))}",
        )
