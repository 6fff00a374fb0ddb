"""The one clock of trustaudit: timestamps in UTC, ISO 8601."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now(timespec: str = "seconds") -> str:
    """Now in UTC as ISO 8601 (``2025-01-31T09:30:00+00:00``), to ``timespec`` ('seconds',
    'microseconds', ...: as ``datetime.isoformat``)."""
    return datetime.now(UTC).isoformat(timespec=timespec)
