"""Scale-out benchmarks (issue 11), each against a reference measured in the same run:

- PostgreSQL upsert throughput (rows/s) of new, changed and unchanged records, against the
  SQLite store's on the same records (real probe records of the benchmark corpus, written in
  batches of one chunk);
- a fresh scan of the corpus (10,000 files x ``ALBUMEN_BENCH_SCALE``) on a Dask
  ``LocalCluster`` of 2 worker processes into PostgreSQL, against the single-process scan into
  SQLite. On this 2-core machine the cluster cannot win (the same cores probe, plus a database
  server, a scheduler and pickling); the ratio and the per-chunk overhead are what the model in
  docs/scale-out.md is built from.

The server is a throwaway cluster with ``synchronous_commit=off`` (fsync on): a commit does not
wait for its WAL flush, as SQLite's ``synchronous=NORMAL`` in WAL mode does not. Nothing is
gated (the machine is shared); the numbers are printed and recorded for the report.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from albumen import _core
from albumen.library import Library
from albumen.store.postgres import PostgresAssetStore
from albumen.store.sqlite import SQLiteAssetRepository
from albumen.testing.postgres import TemporaryPostgres

from benches.conftest import BUILD, COUNT, SCALE, measure

GROUP = "scale-out"
BATCH = 500  # records per transaction: one chunk
RESULTS: dict[str, Any] = {"files": COUNT, "scale": SCALE}


@pytest.fixture(scope="module")
def server() -> Iterator[TemporaryPostgres]:
    with TemporaryPostgres(settings={"synchronous_commit": "off"}) as pg:
        yield pg


@pytest.fixture(scope="module")
def records(bench_corpus: Path) -> list[dict[str, Any]]:
    files, _errors = _core.walk(bench_corpus)
    out: list[dict[str, Any]] = []
    for batch in _core.probe(bench_corpus, [f[0] for f in files]):
        out += batch
    return sorted(out, key=lambda r: os.fsencode(r["path"]))


def changed(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same files, edited: new content hash and mtime (what a rescan writes)."""
    return [{**r, "id": f"{r['id']}-edited", "mtime_ns": r["mtime_ns"] + 1} for r in records]


def write(store: Any, records: list[dict[str, Any]]) -> None:
    for i in range(0, len(records), BATCH):
        store.upsert(records[i : i + BATCH])


class Stores:
    """Fresh stores for a round: SQLite in a new folder, PostgreSQL as a new library."""

    def __init__(self, server: TemporaryPostgres, tmp: Path) -> None:
        self.url = server.create_database(f"upserts_{uuid.uuid4().hex[:8]}")
        self.tmp = tmp
        self.open: list[Any] = []

    def new(self, backend: str) -> Any:
        name = uuid.uuid4().hex
        store: Any
        if backend == "sqlite":
            (self.tmp / name).mkdir()
            store = SQLiteAssetRepository(self.tmp / name / "library.db")
        else:
            store = PostgresAssetStore(self.url, f"/bench/{name}".encode())
        self.open.append(store)
        return store

    def close(self) -> None:
        for store in self.open:
            store.close()


@pytest.fixture(scope="module")
def stores(server: TemporaryPostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    made = Stores(server, tmp_path_factory.mktemp("bench-upserts"))
    yield made
    made.close()


LABEL = {"postgres": "PostgreSQL", "sqlite": "SQLite"}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("kind", ["new", "changed", "unchanged"])
def test_upsert_throughput(
    benchmark: Any, stores: Stores, records: list[dict[str, Any]], backend: str, kind: str
) -> None:
    edited = changed(records)

    def setup() -> tuple[tuple[Any, list[dict[str, Any]]], dict[str, Any]]:
        store = stores.new(backend)
        if kind == "new":
            return (store, records), {}
        write(store, records)
        return (store, edited if kind == "changed" else records), {}

    benchmark.pedantic(write, setup=setup, rounds=3, iterations=1)
    seconds = float(benchmark.stats.stats.min)
    rate = len(records) / seconds
    RESULTS[f"upsert_{kind}_{backend}_rows_per_s"] = round(rate)
    label = f"{LABEL[backend]} upsert, {kind} rows ({len(records)})"
    reference = f"SQLite upsert, {kind} rows ({len(records)})"
    vs: dict[str, float | None] = {reference: None} if backend == "postgres" else {}
    measure(GROUP, label, seconds, vs=vs, rows_per_second=round(rate))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    import logging

    from distributed import Client, LocalCluster

    started = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as local,
        Client(local) as client,
    ):
        RESULTS["cluster_start_seconds"] = round(time.perf_counter() - started, 3)
        yield client


def test_fresh_scan_single_process_sqlite(
    benchmark: Any, bench_corpus: Path, tmp_path: Path
) -> None:
    def setup() -> tuple[tuple[Path], dict[str, Any]]:
        return (tmp_path / uuid.uuid4().hex,), {}

    def run(library_dir: Path) -> Any:
        with Library.open(bench_corpus, library_dir) as lib:
            return lib.scan()

    report = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    assert report.added == COUNT
    RESULTS["scan_sqlite_seconds"] = float(benchmark.stats.stats.min)
    measure(
        GROUP, f"fresh scan, single process into SQLite ({COUNT})", RESULTS["scan_sqlite_seconds"]
    )


def test_fresh_scan_on_a_local_cluster_into_postgres(
    benchmark: Any, bench_corpus: Path, server: TemporaryPostgres, cluster: Any, tmp_path: Path
) -> None:
    from albumen.distributed import scan_on_cluster

    reports: list[Any] = []

    def setup() -> tuple[tuple[str, Path], dict[str, Any]]:
        url = server.create_database(f"scan_{uuid.uuid4().hex[:8]}")
        return (url, tmp_path / uuid.uuid4().hex), {}

    def run(url: str, library_dir: Path) -> Any:
        with Library.open(bench_corpus, library_dir, store=url) as lib:
            report = scan_on_cluster(lib, cluster)
        reports.append(report)
        return report

    report = benchmark.pedantic(run, setup=setup, rounds=3, iterations=1)
    assert report.added == COUNT
    seconds = float(benchmark.stats.stats.min)
    best = min(reports, key=lambda r: r.seconds)
    per_chunk_ms = 1000 * (best.task_seconds - best.probe_seconds) / max(1, best.chunks)
    RESULTS.update(
        scan_cluster_seconds=seconds,
        chunks=best.chunks,
        files_per_chunk=round(COUNT / max(1, best.chunks), 1),
        task_seconds=round(best.task_seconds, 3),
        probe_seconds=round(best.probe_seconds, 3),
        per_chunk_overhead_ms=round(per_chunk_ms, 2),
        probe_ms_per_file=round(1000 * best.probe_seconds / COUNT, 4),
    )
    reference = f"fresh scan, single process into SQLite ({COUNT})"
    measure(
        GROUP,
        f"fresh scan, --cluster local:2 into PostgreSQL ({COUNT})",
        seconds,
        vs={reference: None},
        chunks=best.chunks,
        per_chunk_overhead_ms=round(per_chunk_ms, 2),
    )


def test_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Print the rates and ratios (and write build/bench/scaleout.json)."""
    lines = [f"scale-out benchmarks, {COUNT} files (ALBUMEN_BENCH_SCALE={SCALE:g})"]
    for kind in ("new", "changed", "unchanged"):
        pg = RESULTS.get(f"upsert_{kind}_postgres_rows_per_s")
        lite = RESULTS.get(f"upsert_{kind}_sqlite_rows_per_s")
        if pg and lite:
            lines.append(
                f"  upsert {kind:<9} PostgreSQL {pg:>9,} rows/s   SQLite {lite:>9,} rows/s"
                f"   ({pg / lite:.2f}x)"
            )
    if "scan_cluster_seconds" in RESULTS and "scan_sqlite_seconds" in RESULTS:
        cl, lite = RESULTS["scan_cluster_seconds"], RESULTS["scan_sqlite_seconds"]
        RESULTS["scan_speedup_cluster_vs_sqlite"] = round(lite / cl, 3)
        lines += [
            f"  fresh scan  SQLite, 1 process {lite:7.3f} s   local:2 into PostgreSQL "
            f"{cl:7.3f} s   (speedup {lite / cl:.2f}x; cluster start "
            f"{RESULTS.get('cluster_start_seconds', 0):.1f} s not counted)",
            f"  chunks {RESULTS['chunks']} ({RESULTS['files_per_chunk']} files each), "
            f"per-chunk overhead {RESULTS['per_chunk_overhead_ms']} ms, "
            f"probe {RESULTS['probe_ms_per_file']} ms per file on one core",
        ]
    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "scaleout.json").write_text(json.dumps(RESULTS, indent=2))
    with capsys.disabled():
        print("\n" + "\n".join(lines))
