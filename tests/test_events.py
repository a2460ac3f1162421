from __future__ import annotations

import dataclasses
import logging
import threading

import pytest
from albumen import EventBus, ScanCompletedEvent, ScanProgressEvent


def test_handlers_run_in_subscription_order() -> None:
    bus = EventBus()
    calls: list[str] = []
    bus.subscribe(ScanProgressEvent, lambda e: calls.append(f"first {e.processed}"))
    bus.subscribe(ScanProgressEvent, lambda e: calls.append(f"second {e.processed}"))
    assert bus.publish(ScanProgressEvent(3, 10)) == 2
    assert calls == ["first 3", "second 3"]


def test_only_handlers_of_the_event_type_run() -> None:
    bus = EventBus()
    progress: list[object] = []
    done: list[object] = []
    bus.subscribe(ScanProgressEvent, progress.append)
    bus.subscribe(ScanCompletedEvent, done.append)
    bus.publish(ScanProgressEvent(1, 2))
    assert len(progress) == 1
    assert done == []


def test_subscribing_to_a_base_class_receives_subclasses() -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(object, seen.append)
    bus.publish(ScanProgressEvent(1, 1))
    bus.publish(ScanCompletedEvent(root="/x"))
    assert [type(e) for e in seen] == [ScanProgressEvent, ScanCompletedEvent]


def test_a_raising_handler_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    calls: list[int] = []

    def boom(event: ScanProgressEvent) -> None:
        raise RuntimeError("handler exploded")

    bus.subscribe(ScanProgressEvent, boom)
    bus.subscribe(ScanProgressEvent, lambda e: calls.append(e.processed))
    with caplog.at_level(logging.ERROR, logger="albumen.events"):
        ok = bus.publish(ScanProgressEvent(5, 5))
    assert calls == [5]
    assert ok == 1
    assert "handler exploded" in caplog.text


def test_publish_without_subscribers_is_fine() -> None:
    assert EventBus().publish(ScanProgressEvent(0, 0)) == 0


def test_unsubscribe() -> None:
    bus = EventBus()
    seen: list[object] = []
    bus.subscribe(ScanProgressEvent, seen.append)
    assert bus.unsubscribe(ScanProgressEvent, seen.append)
    assert not bus.unsubscribe(ScanProgressEvent, seen.append)
    bus.publish(ScanProgressEvent(1, 1))
    assert seen == []


def test_subscribe_rejects_non_callables() -> None:
    with pytest.raises(TypeError):
        EventBus().subscribe(ScanProgressEvent, "not callable")  # type: ignore[arg-type]


def test_events_are_frozen_values() -> None:
    event = ScanProgressEvent(processed=1, total=2)
    assert event == ScanProgressEvent(1, 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.processed = 3  # type: ignore[misc]
    done = ScanCompletedEvent(root="/photos", files=3, added=3)
    assert done.root == "/photos"
    assert done.removed == 0


def test_publish_and_subscribe_from_many_threads() -> None:
    bus = EventBus()
    lock = threading.Lock()
    counts = {"n": 0}

    def handler(event: ScanProgressEvent) -> None:
        with lock:
            counts["n"] += 1

    def worker() -> None:
        bus.subscribe(ScanProgressEvent, handler)
        for i in range(200):
            bus.publish(ScanProgressEvent(i, 200))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # every publish ran every handler subscribed before it; at least the thread's own one
    assert counts["n"] >= 8 * 200
    assert bus.publish(ScanProgressEvent(0, 0)) == 8
