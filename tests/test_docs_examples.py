"""The documentation site (docs/, built by `make docs`): every ```python block of a guide is
a complete program and runs, every ```sh block of the CLI guide runs in order on a generated
folder, and the reference names every public name of the package."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import albumen
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
BLOCK = re.compile(r"^```(python|sh)\n(.*?)^```$", re.DOTALL | re.MULTILINE)
PAGES = sorted(p for p in DOCS.rglob("*.md") if p.name != "DESIGN.md")


def blocks(kind: str) -> list[tuple[str, str]]:
    """``(id, code)`` of every ``kind`` block: the id is the page and the block's line."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in BLOCK.finditer(text):
            if match.group(1) == kind:
                line = text[: match.start()].count("\n") + 1
                found.append((f"{page.relative_to(DOCS).with_suffix('')}-L{line}", match.group(2)))
    return found


def _env(tmp_path: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "TMPDIR": str(tmp_path),
        "HOME": str(tmp_path),
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
    }


PYTHON = blocks("python")


@pytest.mark.parametrize("code", [c for _, c in PYTHON], ids=[i for i, _ in PYTHON])
def test_docs_example_runs(code: str, tmp_path: Path) -> None:
    # a fresh interpreter per block (self-contained), in an empty folder
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_the_cli_guide_runs_in_order(tmp_path: Path) -> None:
    from albumen.testing.corpus import generate_corpus

    generate_corpus(tmp_path / "photos", 30)
    script = "\n".join(code for _, code in blocks("sh"))
    assert "albumen scan photos" in script
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "first.jpg").read_bytes()[:2] == b"\xff\xd8"


def test_the_reference_documents_every_public_name() -> None:
    directives = set(re.findall(r"^::: (\S+)", "\n".join(p.read_text() for p in PAGES), re.M))
    documented = {d.rsplit(".", 1)[-1] for d in directives}
    core_members = set(
        re.findall(r"^\s+- (\w+)$", (DOCS / "reference" / "core.md").read_text(), re.M)
    )
    missing = [
        name
        for name in albumen.__all__
        if name not in documented | core_members and name != "__version__"
    ]
    assert not missing, f"no reference entry for {missing}"
    for directive in directives:  # each one names the module that defines it
        module, _, name = directive.rpartition(".")
        if module.startswith("albumen.") and name[:1].isupper():
            assert getattr(__import__(module, fromlist=[name]), name) is not None
