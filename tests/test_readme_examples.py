"""Every ```python block of the README is a complete program, and it runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[tuple[str, str]]:
    """``(id, code)`` per block; the id is the README heading above it and its line number."""
    text = README.read_text()
    blocks = []
    for match in BLOCK.finditer(text):
        before = text[: match.start()]
        headings = re.findall(r"^#+ (.+)$", before, re.MULTILINE)
        line = before.count("\n") + 1
        heading = re.sub(r"[^A-Za-z0-9_.]+", "-", headings[-1] if headings else "top").strip("-")
        blocks.append((f"{heading}-L{line}", match.group(1)))
    return blocks


BLOCKS = python_blocks()


def test_the_readme_has_an_example_for_each_public_component() -> None:
    code = "\n".join(block for _, block in BLOCKS)
    components = [
        "Library",
        "ParallelScanner",
        "ScanResult",
        "EventBus",
        "ScanProgressEvent",
        "SQLiteAssetRepository",
        "batch_insert",
        "MemoryThumbnailCache",
        "DiskThumbnailCache",
        "ThumbnailService",
        "VirtualAssetGrid",
        "JustifiedLayout",
        "PaginatedAssetLoader",
        "PageResult",
        "AssetListViewModel",
        "WeakAssetCache",
        "MemoryMonitor",
        "_core.walk",
        "_core.probe",
    ]
    missing = [name for name in components if not re.search(rf"\b{re.escape(name)}\b", code)]
    assert not missing, f"no README example uses {missing}"


@pytest.mark.parametrize("code", [code for _, code in BLOCKS], ids=[i for i, _ in BLOCKS])
def test_readme_example_runs(code: str, tmp_path: Path) -> None:
    # a fresh interpreter per block (self-contained), in an empty folder; temp files go there too
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
