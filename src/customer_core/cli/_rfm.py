"""``customer-core rfm``: the RFM summary table (customers per label), computed in the database."""

from __future__ import annotations

import argparse
import json

from customer_core.cli._database import open_core, require_tables, translated
from customer_core.cli._exits import ExitCode
from customer_core.rfm import LABELS

__all__ = ["rfm", "summary_text"]


def rfm(args: argparse.Namespace) -> int:
    """Run the command; returns the exit code."""
    core = open_core(args.url)
    require_tables(core, args.url, ["customers"])
    with translated(args.url):
        summary = core.analytics.rfm_summary(segment=args.segment)
    print(json.dumps(summary, indent=2) if args.json else summary_text(summary))
    return ExitCode.OK


def summary_text(summary: dict[str, int]) -> str:
    """Every label in the table's order with its customers and share, then the total.

    >>> print(summary_text({"Champions": 1, "Hibernating": 3}))  # doctest: +ELLIPSIS
    label               customers   share
    Champions                   1   25.0%
    Loyal                       0    0.0%
    ...
    Hibernating                 3   75.0%
    scored                      4
    """
    scored = sum(summary.values())
    lines = [f"{'label':<18} {'customers':>10} {'share':>7}"]
    for label in LABELS:
        count = summary.get(label, 0)
        share = count / scored if scored else 0.0
        lines.append(f"{label:<18} {count:>10} {share:>7.1%}")
    lines.append(f"{'scored':<18} {scored:>10}")
    return "\n".join(lines)
