"""Faults injected into distributed scans, for tests: picklable hooks and probes that a Dask
worker runs (``albumen.distributed.worker.ChunkHook`` and ``ProbeFile``).

They coordinate through marker files in a folder every worker can see (the tests run the
workers on this machine), created with ``O_EXCL`` so exactly one attempt wins each, never
through timing.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumen import _core

if TYPE_CHECKING:
    from albumen.distributed.chunks import ScanChunk

__all__ = ["HoldAfter", "KillWorkerOnFirstAttempt", "RaiseOnFile", "claim"]

RELEASE_FILE = "release"  # HoldAfter: "go" lets held chunks write, anything else fails them


def claim(marker: Path) -> bool:
    """Create ``marker``; True for the one caller that created it."""
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    os.close(fd)
    return True


@dataclass(frozen=True)
class KillWorkerOnFirstAttempt:
    """SIGKILL the worker process the first time a chunk of ``folder`` reaches ``stage``
    (``"probed"``: before its transaction; ``"written"``: after it committed). The next
    attempt passes."""

    markers: str
    folder: bytes
    stage: str = "probed"

    def __call__(self, stage: str, chunk: ScanChunk) -> None:
        marker = Path(self.markers) / f"killed-{chunk.id}"
        if stage == self.stage and chunk.folder == self.folder and claim(marker):
            os.kill(os.getpid(), signal.SIGKILL)


@dataclass(frozen=True)
class HoldAfter:
    """Let the first ``count`` chunks through ``stage``; hold every later one there (each
    writes ``held-<chunk id>``) until the file ``release`` appears: ``go`` lets them go on,
    anything else makes them raise. A held chunk gives up after ``timeout`` seconds."""

    markers: str
    count: int
    stage: str = "probed"
    timeout: float = 300.0

    def __call__(self, stage: str, chunk: ScanChunk) -> None:
        if stage != self.stage:
            return
        folder = Path(self.markers)
        if any(claim(folder / f"pass-{i}") for i in range(self.count)):
            return
        (folder / f"held-{chunk.id}").write_text(chunk.id)
        release = folder / RELEASE_FILE
        deadline = time.monotonic() + self.timeout
        while not release.exists():  # waits on the file the test writes, not on a clock
            if time.monotonic() > deadline:
                raise TimeoutError("held chunk never released")
            time.sleep(0.02)
        if release.read_text().strip() != "go":
            raise RuntimeError("held chunk released to fail")


@dataclass(frozen=True)
class RaiseOnFile:
    """Probe with the Rust probe, but raise for the files named ``name``."""

    name: str

    def __call__(self, root: Path, rel: str) -> dict[str, Any]:
        if rel.rpartition("/")[2] == self.name:
            raise RuntimeError(f"injected failure on {self.name}")
        return _core.probe_file(root, rel)
