"""Output hygiene: names and strings from files never drive the terminal (escape sequences,
carriage returns, bidirectional overrides are shown escaped), every JSON line is valid UTF-8
(a name that is not UTF-8 comes with its exact bytes in base64), and Pillow's warnings stay off
stderr."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest
from _cli import run_cli
from scan_helpers import jpeg_bytes, write_file

#: raw bytes no output of albumen may carry from a file to the terminal
RAW_CONTROLS = ("\x1b", "\x07", "\x08", "\r", "\x9b", "\u202e")


def albumen(*args: str, columns: int = 200) -> subprocess.CompletedProcess[bytes]:
    return run_cli(*args, env={"COLUMNS": str(columns)}, binary=True)


def text(out: bytes) -> str:
    return out.decode("utf-8")  # strict: every output is valid UTF-8


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    write_file(root / "red\x1b[31m\x1b]0;owned\x07.jpg", jpeg_bytes(color=(1, 2, 3)))
    write_file(root / "over\rwrite.jpg", jpeg_bytes(color=(4, 5, 6)))
    write_file(root / "doc\u202egpj.exe.jpg", jpeg_bytes(color=(7, 8, 9)))
    write_file(root / "cam.jpg", jpeg_bytes(exif={0x010F: "Evil\x1b[2J", 0x0110: "M\x08X"}))
    write_file(os.fsencode(root) + b"/caf\xe9\x1b.jpg", jpeg_bytes(color=(10, 11, 12)))
    write_file(root / "broken\x1b[5m.jpg", b"\xff\xd8\xff garbage")
    return root


def test_the_ls_table_shows_control_characters_escaped(hostile: Path) -> None:
    assert albumen("scan", str(hostile)).returncode == 0
    done = albumen("ls", str(hostile))
    assert done.returncode == 0
    out = text(done.stdout)
    for raw in RAW_CONTROLS:
        assert raw not in out, repr(raw)
    assert "red\\x1b[31m\\x1b]0;owned\\x07.jpg" in out
    assert "over\\x0dwrite.jpg" in out and "doc\\u202egpj.exe.jpg" in out
    assert "Evil\\x1b[2J" in out
    assert "caf\ufffd\\x1b.jpg" in out


def test_the_scan_summary_and_thumbs_failures_show_them_escaped(hostile: Path) -> None:
    summary = text(albumen("scan", str(hostile)).stdout)
    assert "broken\\x1b[5m.jpg" in summary
    thumbs = albumen("thumbs", str(hostile))
    for stream in (thumbs.stdout, thumbs.stderr):
        for raw in RAW_CONTROLS:
            assert raw not in text(stream), repr(raw)


def test_json_lines_are_valid_utf8_with_the_exact_bytes_beside(hostile: Path) -> None:
    scan = albumen("scan", str(hostile), "--json")
    report = json.loads(text(scan.stdout))
    assert [e["path"] for e in report["errors"]] == ["broken\x1b[5m.jpg"]  # escaped by JSON
    lines = text(albumen("ls", str(hostile), "--json").stdout).splitlines()
    rows = [json.loads(line) for line in lines]
    for row in rows:
        row["path"].encode("utf-8")  # no lone surrogates
    odd = [row for row in rows if "path_bytes" in row]
    assert len(odd) == 1
    assert odd[0]["path"] == "caf\ufffd\x1b.jpg"
    assert base64.b64decode(odd[0]["path_bytes"]) == b"caf\xe9\x1b.jpg"
    assert all("path_bytes" not in row for row in rows if row is not odd[0])


def test_a_scan_error_on_a_non_utf8_name_has_its_bytes(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write_file(os.fsencode(root) + b"/\xff\xfe.jpg", b"not a jpeg")
    report = json.loads(text(albumen("scan", str(root), "--json").stdout))
    (error,) = report["errors"]
    assert error["path"] == "\ufffd\ufffd.jpg"
    assert base64.b64decode(error["path_bytes"]) == b"\xff\xfe.jpg"
