"""Times as the index keeps them: capture times are local wall-clock ISO 8601 text with an
optional UTC offset in minutes; ``sort_time`` is milliseconds since the epoch.

This is the one place that turns either into the other.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

__all__ = ["EPOCH", "capture_instant", "epoch_ms", "iso_from_ms", "sort_time_of"]

EPOCH = datetime(1970, 1, 1)
_MS = timedelta(milliseconds=1)


def epoch_ms(value: datetime | date) -> int:
    """Milliseconds on the ``sort_time`` scale: an aware datetime in UTC; a naive one, or a
    date, as wall-clock time taken as UTC (how capture times without an offset are kept)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return (value - EPOCH) // _MS
    return (datetime(value.year, value.month, value.day) - EPOCH) // _MS


def capture_instant(captured_at: str | None, offset_minutes: int | None) -> tuple[datetime, bool]:
    """``(naive datetime, is_utc)`` of a stored capture time: in UTC when its offset is known
    (in the text or in ``offset_minutes``), else its local wall-clock time.

    Raises ``ValueError`` for text that is not ISO 8601 (and for an empty value)."""
    if not captured_at:
        raise ValueError("no capture time")
    local = datetime.fromisoformat(captured_at)
    if local.tzinfo is not None:
        return local.astimezone(timezone.utc).replace(tzinfo=None), True
    if offset_minutes is not None:
        return local - timedelta(minutes=offset_minutes), True
    return local, False


def sort_time_of(
    captured_at: str | None, captured_offset: int | None, mtime_ns: int | None
) -> int | None:
    """The ``sort_time`` of a record: its capture time (in UTC when the offset is known, else
    the local time taken as UTC), else its modification time; None without either."""
    if captured_at:
        try:
            instant, _utc = capture_instant(captured_at, captured_offset)
        except ValueError:
            pass
        else:
            return epoch_ms(instant)
    if mtime_ns is not None:
        return mtime_ns // 1_000_000
    return None


def iso_from_ms(ms: int | None) -> str | None:
    """``YYYY-MM-DD HH:MM:SS`` (UTC) of a ``sort_time``; None for None."""
    if ms is None:
        return None
    return (EPOCH + ms * _MS).strftime("%Y-%m-%d %H:%M:%S")
