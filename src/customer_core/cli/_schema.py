"""``customer-core init-db``: create the library's tables where they are missing."""

from __future__ import annotations

import argparse

from customer_core.cli._database import LIBRARY_TABLES, engine_of, open_core, shown, translated
from customer_core.cli._exits import ExitCode

__all__ = ["init_db"]


def init_db(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code. Existing tables are never altered."""
    from sqlalchemy import inspect

    core = open_core(args.url, existing=False)
    with translated(args.url):
        before = set(inspect(engine_of(core)).get_table_names())
        core.create_schema()
    created = [name for name in LIBRARY_TABLES if name not in before]
    kept = [name for name in LIBRARY_TABLES if name in before]
    where = shown(args.url)
    if created:
        print(f"created {', '.join(created)} on {where}")
    if kept:
        print(f"left unchanged (already there): {', '.join(kept)}")
    return ExitCode.OK
