"""Capture times and sort times: the one conversion every store and query uses."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from albumen.store.records import derive_folder
from albumen.store.times import capture_instant, epoch_ms, iso_from_ms, sort_time_of


def test_derived_folder() -> None:
    assert derive_folder(b"a/b/c.jpg") == b"a/b"
    assert derive_folder(b"c.jpg") == b""


def test_sort_time_is_utc_when_the_offset_is_known_else_local_time() -> None:
    # 2023-07-14T18:03:22.120 at +02:00 is 16:03:22.120 UTC
    utc = sort_time_of("2023-07-14T16:03:22.120", 0, None)
    assert utc == 1689350602120
    assert sort_time_of("2023-07-14T18:03:22.120", 120, None) == utc
    assert sort_time_of("2023-07-14T18:03:22.120+02:00", None, None) == utc
    assert sort_time_of("2023-07-14T11:03:22.120", -300, None) == utc
    # unknown offset: local time taken as UTC
    assert sort_time_of("2023-07-14T18:03:22", None, None) == 1689357802000
    # the mtime fallback
    assert sort_time_of(None, None, 1_689_350_602_120_000_000) == utc
    assert sort_time_of("garbage", None, 7_000_000) == 7
    assert sort_time_of(None, None, None) is None


def test_capture_instant() -> None:
    assert capture_instant("2023-07-14T18:03:22", 120) == (datetime(2023, 7, 14, 16, 3, 22), True)
    assert capture_instant("2023-07-14T18:03:22-01:00", None) == (
        datetime(2023, 7, 14, 19, 3, 22),
        True,
    )
    assert capture_instant("2023-07-14T18:03:22", None) == (datetime(2023, 7, 14, 18, 3, 22), False)
    with pytest.raises(ValueError):
        capture_instant("not a time", None)
    with pytest.raises(ValueError):
        capture_instant(None, None)


def test_epoch_ms_and_back() -> None:
    assert epoch_ms(date(1970, 1, 2)) == 86_400_000
    assert epoch_ms(datetime(1970, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) == 0
    assert epoch_ms(datetime(2023, 7, 14, 16, 3, 22, 120_000)) == 1689350602120
    assert iso_from_ms(1689350602120) == "2023-07-14 16:03:22"
    assert iso_from_ms(None) is None
