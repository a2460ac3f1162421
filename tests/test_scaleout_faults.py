"""Faults during a distributed scan, on a real Dask cluster and a real PostgreSQL server: a
worker SIGKILLed mid-chunk, a driver SIGKILLed mid-scan and a resumed run, a database restart,
a probe that raises on one file, two scans at once. Nothing is lost or duplicated, and the
library ends as the single-process scan leaves it.

Every test waits on conditions (marker files the injected hooks write, ledger rows, locks),
never on time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import postgres_server
import psycopg
import pytest
from albumen.distributed import scan_on_cluster
from albumen.errors import DatabaseUnavailableError, LibraryBusyError
from albumen.library import Library
from albumen.testing.faults import HoldAfter, KillWorkerOnFirstAttempt, RaiseOnFile
from scaleout_helpers import (
    assert_same_library,
    camera_photos,
    library_state,
    make_corpus,
    pg_store,
    sqlite_scan,
    wait_for,
)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("faults") / "photos", 800, seed=21)


@pytest.fixture(scope="module")
def reference(photos: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return sqlite_scan(photos, tmp_path_factory.mktemp("faults-sqlite"))[1]


def ledger_rows(url: str) -> int:
    """Chunks in the ledger (0 before the driver has created the schema)."""
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('scan_chunks')").fetchone() == (None,):
            return 0
        row = conn.execute("SELECT count(*) FROM scan_chunks").fetchone()
    return int(row[0]) if row else 0


def a_folder(photos: Path) -> bytes:
    """A folder of the corpus holding photos (where a fault is injected)."""
    return os.fsencode(camera_photos(photos)[0].parent.relative_to(photos))


@pytest.mark.parametrize("stage", ["probed", "written"])
def test_a_worker_killed_on_its_first_attempt_at_a_chunk_loses_and_duplicates_nothing(
    photos: Path, reference: dict[str, Any], dask_client: Any, tmp_path: Path, stage: str
) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    kill = KillWorkerOnFirstAttempt(str(markers), a_folder(photos), stage)
    with Library.open(photos, tmp_path / "lib", store=postgres_server.fresh_database()) as lib:
        report = scan_on_cluster(lib, dask_client, hook=kill)
        assert len(list(markers.glob("killed-*"))) == 1  # the worker was killed, once
        assert_same_library(library_state(lib.store), reference)
    # killed after its commit: the retry found the chunk in the ledger and wrote nothing
    assert report.chunks_retried == (1 if stage == "written" else 0)


DRIVER = """
import sys
from albumen.distributed import scan_on_cluster
from albumen.library import Library
from albumen.testing.faults import HoldAfter

root, library, url, scheduler, markers = sys.argv[1:6]
with Library.open(root, library, store=url) as lib:
    scan_on_cluster(lib, scheduler, hook=HoldAfter(markers, count=int(sys.argv[6])), window=2)
"""


def test_a_killed_driver_leaves_a_sound_store_and_the_next_run_skips_what_it_committed(
    photos: Path, reference: dict[str, Any], dask_client: Any, tmp_path: Path
) -> None:
    url = postgres_server.fresh_database()
    markers = tmp_path / "markers"
    markers.mkdir()
    committed = 5
    driver = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(photos), str(tmp_path / "lib"), url,
         dask_client.scheduler.address, str(markers), str(committed)],
    )  # fmt: skip
    try:
        # both workers hold a chunk each (window 2), after `committed` chunks went through
        wait_for(lambda: ledger_rows(url) == committed, "the first chunks to commit")
        wait_for(lambda: len(list(markers.glob("held-*"))) == 2, "two chunks held")
        driver.send_signal(signal.SIGKILL)
        driver.wait()
    finally:
        (markers / "release").write_text("fail")  # the held chunks give up, writing nothing
        if driver.poll() is None:
            driver.kill()
    with Library.open(photos, tmp_path / "lib", store=url) as lib:
        ledger = pg_store(lib).ledger()
        assert len(ledger) == committed
        done = sum(files for files, _e, _s in ledger.values())
        assert done == lib.store.count() > 0
        # the dead driver's scan lock went with its session
        wait_for(lambda: _lock_is_free(lib), "the dead driver's lock to be released")
        report = scan_on_cluster(lib, dask_client)
        # nothing of the committed chunks was probed again (not even their unreadable files,
        # which a scan retries: the interrupted scan did)
        assert report.files_sent == report.files - done
        assert report.chunks_resumed <= committed
        assert_same_library(library_state(lib.store), reference)
        assert pg_store(lib).ledger() == {}


def _lock_is_free(lib: Library) -> bool:
    try:
        with lib.store.lock():
            return True
    except LibraryBusyError:
        return False


def test_a_database_restart_mid_scan_is_one_clear_error_and_keeps_what_was_committed(
    photos: Path, dask_client: Any, tmp_path: Path
) -> None:
    url = postgres_server.fresh_database()
    markers = tmp_path / "markers"
    markers.mkdir()
    failure: list[BaseException] = []
    with Library.open(photos, tmp_path / "lib", store=url) as lib:

        def drive() -> None:
            try:
                scan_on_cluster(lib, dask_client, hook=HoldAfter(str(markers), count=3), window=2)
            except BaseException as exc:
                failure.append(exc)

        thread = threading.Thread(target=drive)
        thread.start()
        try:
            wait_for(lambda: ledger_rows(url) == 3, "the first chunks to commit")
            wait_for(lambda: len(list(markers.glob("held-*"))) == 2, "two chunks held")
            postgres_server.server().restart()
        finally:
            (markers / "release").write_text("go")  # they write now, to a server that restarted
            thread.join()
    assert len(failure) == 1 and isinstance(failure[0], DatabaseUnavailableError), failure
    assert "lost the connection to the database" in str(failure[0])
    assert "what was committed is kept" in str(failure[0])
    with Library.open(photos, tmp_path / "lib", store=url) as lib:
        ledger = pg_store(lib).ledger()
        assert len(ledger) == 3
        assert lib.store.count() == sum(files for files, _e, _s in ledger.values()) > 0


def test_a_file_whose_probe_raises_is_stored_as_an_error_and_its_chunk_lands(
    photos: Path, reference: dict[str, Any], dask_client: Any, tmp_path: Path
) -> None:
    victim = camera_photos(photos)[3]
    rel = os.fsencode(victim.relative_to(photos))
    with Library.open(photos, tmp_path / "lib", store=postgres_server.fresh_database()) as lib:
        report = scan_on_cluster(lib, dask_client, probe_file=RaiseOnFile(victim.name))
        row = lib.store.get(rel)
        assert row is not None and row["id"] is None
        assert row["error"] == f"probe failed: injected failure on {victim.name}"
        assert (victim.name, row["error"]) in [(Path(p).name, m) for p, m in report.errors]
        state = library_state(lib.store)
    # every other file landed as the single-process scan stores it
    del state["rows"][rel]
    expected = {**reference, "rows": dict(reference["rows"])}
    del expected["rows"][rel]
    assert state["rows"] == expected["rows"] and state["count"] == expected["count"]


def test_two_scans_of_one_library_at_once_are_refused(
    photos: Path, dask_client: Any, tmp_path: Path
) -> None:
    url = postgres_server.fresh_database()
    with (
        Library.open(photos, tmp_path / "a", store=url) as first,
        Library.open(photos, tmp_path / "b", store=url) as second,
        first.store.lock(),
    ):
        with pytest.raises(LibraryBusyError, match="another albumen scan is running"):
            scan_on_cluster(second, dask_client)
        with pytest.raises(LibraryBusyError):
            second.scan()  # the single-process scan of the same library too
