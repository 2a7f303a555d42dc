"""``customer-core timeline`` and ``customer-core outbox``: read a timeline, drain the outbox.

``outbox`` claims events in batches, hands each batch to its destination and
acknowledges it only after the destination took it: a run that dies in between
leaves the batch leased, and the next run delivers it again after the lease
(at least once). The destination is a Redis stream (``--publish-to
redis://…``, one ``XADD`` per event in one pipeline) or standard output as
JSON lines (``--print``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from customer_core.cli._database import open_core, require_tables
from customer_core.cli._exits import CliError, ExitCode
from customer_core.timeline import CustomerEvent

__all__ = ["event_json", "outbox", "timeline"]

#: The Redis stream ``outbox --publish-to`` appends to unless ``--stream`` names another.
DEFAULT_STREAM = "customer_core:events"

Publish = Callable[[Sequence[CustomerEvent]], None]


def event_json(event: CustomerEvent) -> dict[str, Any]:
    """An event as a JSON-safe dict (the form printed and published)."""
    return {
        "id": event.id,
        "customer_id": event.customer_id,
        "type": event.type.value,
        "actor_id": event.actor_id,
        "data": event.data,
        "occurred_at": event.occurred_at.isoformat(),
    }


def timeline(args: argparse.Namespace) -> int:
    """Print one page of a customer's timeline, newest first."""
    core = open_core(args.url)
    require_tables(core, args.url, ["customers", "customer_events"])
    page = core.timeline.list(args.customer_id, page=args.page, per_page=args.per_page)
    for event in page.items:
        if args.json:
            print(json.dumps(event_json(event), sort_keys=True))
        else:
            actor = "-" if event.actor_id is None else f"by {event.actor_id}"
            data = json.dumps(event.data, sort_keys=True) if event.data else ""
            print(f"{event.occurred_at.isoformat()}  {event.type.value:<24} {actor:<10} {data}")
    if not args.json:
        print(f"page {page.page} of {page.last_page} ({page.total} events)", file=sys.stderr)
    return int(ExitCode.OK)


def outbox(args: argparse.Namespace) -> int:
    """Claim, publish and acknowledge until nothing is claimable; print how many."""
    core = open_core(args.url)
    require_tables(core, args.url, ["customer_events"])
    publish = _printer() if args.publish_to is None else _redis(args.publish_to, args.stream)
    delivered = 0
    while True:
        claimed = core.timeline.claim(args.batch_size, lease_seconds=args.lease_seconds)
        if not claimed:
            break
        publish(claimed)
        delivered += core.timeline.ack([event.id for event in claimed])
    print(f"published {delivered} events", file=sys.stderr)
    return int(ExitCode.OK)


def _printer() -> Publish:
    def publish(events: Sequence[CustomerEvent]) -> None:
        for event in events:
            print(json.dumps(event_json(event), sort_keys=True))
        sys.stdout.flush()  # taken means written: flushed before the ack

    return publish


def _redis(url: str, stream: str) -> Publish:
    try:
        import redis  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        raise CliError(
            ExitCode.MISSING_DEPENDENCY,
            "--publish-to needs the redis package: pip install redis",
        ) from None
    client = redis.Redis.from_url(url)

    def publish(events: Sequence[CustomerEvent]) -> None:
        pipeline = client.pipeline(transaction=False)
        for event in events:
            pipeline.xadd(stream, {"event": json.dumps(event_json(event), sort_keys=True)})
        try:
            pipeline.execute()
        except redis.RedisError as error:
            # The batch stays leased and unacknowledged: the next run delivers it again.
            raise CliError(ExitCode.UNREACHABLE, f"Redis refused the events: {error}") from None

    return publish
