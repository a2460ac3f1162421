"""Shared fixtures: small photo trees and a generated corpus with its manifest."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import postgres_server
import pytest
from scan_helpers import jpeg_bytes, write_file


@pytest.fixture(scope="session", autouse=True)
def _postgres_server_removed_at_the_end() -> Iterator[None]:
    """The throwaway PostgreSQL cluster (started by the first test that needs it) goes when
    the session ends."""
    yield
    postgres_server.stop()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A real Dask cluster for the session: 2 single-threaded worker processes."""
    import logging

    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@pytest.fixture
def make_jpeg() -> Callable[..., Path]:
    """``make_jpeg(path, color=..., exif=...)`` writes a small real JPEG and returns its path."""

    def make(path: Path, **kwargs: Any) -> Path:
        write_file(path, jpeg_bytes(**kwargs))
        return path

    return make


@pytest.fixture
def photo_tree(tmp_path: Path) -> Path:
    """A small tree: 6 photos in nested folders with distinct content, plus files to ignore."""
    root = tmp_path / "photos"
    for i, rel in enumerate(
        [
            "a.jpg",
            "B.JPG",
            "2020/01/trip/c.jpeg",
            "2020/01/trip/d.Jpg",
            "2021/e.jpg",
            "2021/deep/er/f.jpg",
        ]
    ):
        write_file(
            root / rel,
            jpeg_bytes(
                color=(i * 40 % 256, 100, 200),
                exif={0x010F: "Canon", 0x0110: f"Model {i}", 0x0112: 1 + i % 8},
                exif_ifd={0x9003: f"2020:0{1 + i}:0{1 + i} 10:00:00"},
            ),
        )
    write_file(root / "notes.txt", b"not a photo")
    write_file(root / ".hidden.jpg", jpeg_bytes())
    write_file(root / ".secret/x.jpg", jpeg_bytes())
    return root


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A generated corpus of 400 photos (plus broken, hidden and other files) and its
    manifest."""
    from albumen.testing.corpus import generate_corpus

    root = tmp_path_factory.mktemp("corpus")
    manifest = generate_corpus(root, 400, seed=7)
    return root, manifest
