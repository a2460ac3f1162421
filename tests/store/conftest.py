"""The stores every conformance test runs against. A backend joins by adding a factory to
``BACKENDS``: the suite then runs against it unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import postgres_server
import pytest
from albumen.store import AssetStore, open_store

#: backend name -> ``factory(tmp_path) -> AssetStore`` (a fresh, empty store)
BACKENDS: dict[str, Callable[[Path], AssetStore]] = {
    "sqlite": lambda tmp: open_store(tmp),
    # one database, one library per test (keyed by its root): several roots side by side
    "postgres": lambda tmp: open_store(tmp, postgres_server.database("conformance"), root=tmp),
}


@pytest.fixture(params=sorted(BACKENDS))
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AssetStore]:
    made = BACKENDS[request.param](tmp_path)
    try:
        yield made
    finally:
        made.close()


def record(path: str | bytes, **fields: Any) -> dict[str, Any]:
    """A probe record as ``albumen._core.probe`` makes them (missing fields are unknown)."""
    rec: dict[str, Any] = {
        "path": path,
        "id": f"id-{path!r}",
        "kind": "photo",
        "mime": "image/jpeg",
        "size": 1234,
        "mtime_ns": 1_600_000_000_000_000_000,
    }
    rec.update(fields)
    return rec
