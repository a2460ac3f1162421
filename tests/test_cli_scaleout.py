"""The scale-out commands as docs/guides/scale-out.md tells a user to run them on one machine
(PostgreSQL + ``--cluster local:2``), and how they fail: one line on stderr, exit status 2."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import postgres_server
from albumen.library import Library

ALBUMEN = str(Path(sys.executable).parent / "albumen")


def albumen(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ALBUMEN, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", **env},
        check=False,
        timeout=600,
    )


def ls_json(*args: str) -> list[dict[str, Any]]:
    done = albumen("ls", *args, "--json", "--all")
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_the_documented_one_machine_walkthrough_gives_the_default_library(
    corpus: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    root, _manifest = corpus
    url = postgres_server.fresh_database()
    default = albumen("scan", str(root), "--library", str(tmp_path / "sqlite"), "--json")
    assert default.returncode == 0, default.stderr
    scaled = albumen(
        "scan", str(root), "--library", str(tmp_path / "pg"), "--store", url,
        "--cluster", "local:2", "--json",
    )  # fmt: skip
    assert scaled.returncode == 0, scaled.stderr
    a, b = json.loads(default.stdout), json.loads(scaled.stdout)
    cluster = b.pop("cluster")
    assert cluster["chunks"] > 0 and cluster["files_sent"] == a["files"]
    for key in ("files", "added", "updated", "moved", "unchanged", "removed", "errors"):
        assert a[key] == b[key], key
    assert ls_json(str(root), "--library", str(tmp_path / "pg"), "--store", url) == ls_json(
        str(root), "--library", str(tmp_path / "sqlite")
    )
    stats = albumen("stats", str(root), "-l", str(tmp_path / "pg"), "--store", url, "--json")
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["assets"] == a["added"]
    thumbs = albumen(
        "thumbs", str(root), "-l", str(tmp_path / "pg"), "--store", url, "--cluster", "local:2",
        "--size", "64", "--json",
    )  # fmt: skip
    assert thumbs.returncode == 0, thumbs.stderr
    made = json.loads(thumbs.stdout)
    assert made["generated"] + made["failed"] + made["unreadable"] == made["assets"] > 0
    one = sorted(root.rglob("*.JPG"))[0]
    out = tmp_path / "one.jpg"
    thumb = albumen(
        "thumb", str(root), str(one), "--out", str(out), "--size", "64",
        "-l", str(tmp_path / "pg"), "--store", url,
    )  # fmt: skip
    assert thumb.returncode == 0, thumb.stderr
    assert out.read_bytes()[:2] == b"\xff\xd8"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def one_line_failure(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("albumen: error: "), done.stderr
    return lines[0]


def test_an_unreachable_database_is_one_line_and_exit_2(photo_tree: Path) -> None:
    url = f"postgresql://albumen:s3cret@127.0.0.1:{_closed_port()}/photos"
    for command in ("scan", "ls", "stats", "thumbs"):
        line = one_line_failure(albumen(command, str(photo_tree), "--store", url))
        assert "cannot reach the database albumen@127.0.0.1" in line and "s3cret" not in line
    line = one_line_failure(
        albumen("scan", str(photo_tree), "--store", url, "--cluster", "local:1")
    )
    assert "cannot reach the database" in line


def test_an_unreachable_scheduler_is_one_line_and_exit_2(photo_tree: Path) -> None:
    url = postgres_server.fresh_database()
    scheduler = f"tcp://127.0.0.1:{_closed_port()}"
    done = albumen(
        "scan", str(photo_tree), "--store", url, "--cluster", scheduler,
        ALBUMEN_CLUSTER_TIMEOUT="2",
    )  # fmt: skip
    line = one_line_failure(done)
    assert f"cannot reach the Dask scheduler at {scheduler}" in line


def test_cluster_needs_a_postgresql_store(photo_tree: Path) -> None:
    line = one_line_failure(albumen("scan", str(photo_tree), "--cluster", "local:1"))
    assert "--store postgresql://" in line


def test_a_second_scan_is_refused_while_one_runs(photo_tree: Path, tmp_path: Path) -> None:
    url = postgres_server.fresh_database()
    library = str(tmp_path / "lib")
    with Library.open(photo_tree, library, store=url) as lib, lib.store.lock():
        done = albumen(
            "scan", str(photo_tree), "-l", library, "--store", url, "--cluster", "local:1"
        )
    assert "another albumen scan is running" in one_line_failure(done)


def test_listing_a_root_the_database_does_not_hold_says_so(photo_tree: Path) -> None:
    url = postgres_server.fresh_database()
    line = one_line_failure(albumen("ls", str(photo_tree), "--store", url))
    assert "no library at" in line and "--store URL" in line
