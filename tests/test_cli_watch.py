"""`albumen watch`, run as a user would: in a process of its own, stopped with Ctrl-C. The test
waits on the lines the command prints for each applied batch, never on a clock."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from albumen.cli import app
from scan_helpers import hold_scan_lock, jpeg_bytes, write_file
from typer.testing import CliRunner
from watch_helpers import TIMEOUT

PHOTO = jpeg_bytes(size=(40, 30))


class Command:
    """``albumen watch ...`` in a process of its own, its stdout read line by line."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "albumen.cli", "watch", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # a process started in the background may inherit an ignored SIGINT: undo that
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        assert self.proc.stdout is not None
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line)
        self.lines.put(None)

    def line(self) -> str:
        line = self.lines.get(timeout=TIMEOUT)
        assert line is not None, f"the command ended: {self.proc.wait()} {self.stderr()}"
        return line

    def json_line(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.line())
        return data

    def interrupt(self) -> tuple[int, list[str], str]:
        """Ctrl-C; returns the exit status, the lines printed after it and stderr."""
        self.proc.send_signal(signal.SIGINT)
        status = self.proc.wait(timeout=TIMEOUT)
        rest = []
        while (line := self.lines.get(timeout=TIMEOUT)) is not None:
            rest.append(line)
        return status, rest, self.stderr()

    def stderr(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def watch_command() -> Iterator[list[Command]]:
    started: list[Command] = []
    yield started
    for command in started:
        command.kill()


def test_watch_json_follows_changes_and_ends_with_a_summary_on_ctrl_c(
    tmp_path: Path, watch_command: list[Command]
) -> None:
    root = tmp_path / "photos"
    write_file(root / "a.jpg", PHOTO + b"1")
    cmd = Command(str(root), "--json", "--no-thumbnails")
    watch_command.append(cmd)
    catch_up = cmd.json_line()  # printed once the folder is watched
    assert (catch_up["type"], catch_up["added"]) == ("catch_up", 1)

    write_file(root / "b.jpg", PHOTO + b"2")
    batch = cmd.json_line()
    assert batch["type"] == "batch" and batch["added"] == 1
    assert set(batch) == {
        "type", "events", "files", "added", "updated", "moved", "unchanged", "removed",
        "errors", "seconds",
    }  # fmt: skip
    os.rename(root / "b.jpg", root / "c.jpg")
    while (batch := cmd.json_line())["moved"] == 0:
        pass

    status, rest, err = cmd.interrupt()
    assert status == 0, err
    assert "Traceback" not in err
    summary = json.loads(rest[-1])
    assert summary["type"] == "summary" and summary["root"] == str(root)
    assert (summary["added"], summary["moved"], summary["removed"]) == (2, 1, 0)
    listed = CliRunner().invoke(app, ["ls", str(root), "--json"])
    assert sorted(json.loads(line)["path"] for line in listed.stdout.splitlines()) == [
        "a.jpg",
        "c.jpg",
    ]


def test_watch_prints_a_line_per_batch_and_a_table_at_the_end(
    tmp_path: Path, watch_command: list[Command]
) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    cmd = Command(str(root), "--library", str(tmp_path / "lib"))
    watch_command.append(cmd)
    assert cmd.proc.stderr is not None
    assert cmd.proc.stderr.readline().startswith(f"watching {root} (0 files indexed")
    write_file(root / "x/a.jpg", PHOTO)
    assert "1 added" in cmd.line()
    status, rest, err = cmd.interrupt()
    assert status == 0, err
    table = "".join(rest)
    for word in ("batches", "added", "removed", "thumbnails generated", "watched for"):
        assert word in table
    assert not (root / ".albumen").exists()


def test_watch_refuses_a_busy_library_and_a_missing_root(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["watch", str(tmp_path / "nope")])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("albumen: error: ") and len(missing.stderr.splitlines()) == 1

    root = tmp_path / "photos"
    write_file(root / "a.jpg", PHOTO)
    (root / ".albumen").mkdir()
    holder = hold_scan_lock(root / ".albumen")
    try:
        busy = runner.invoke(app, ["watch", str(root)])
    finally:
        holder.kill()
        holder.wait()
    assert busy.exit_code == 2
    assert "another albumen scan is running" in busy.stderr
