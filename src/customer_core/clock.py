"""Clocks: the system's, and the rule that stored times are whole UTC seconds."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["SystemClock", "as_utc", "stored_time"]


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` in UTC; a naive one is taken to be UTC already (as Laravel writes it)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def stored_time(moment: datetime) -> datetime:
    """``moment`` as every storage keeps it: UTC, truncated to whole seconds."""
    if moment.tzinfo is UTC and not moment.microsecond:
        return moment  # already stored form: a bulk import meets it once per record
    return as_utc(moment).replace(microsecond=0)
