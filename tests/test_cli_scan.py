"""`albumen scan` and `albumen ls`, run as a user would."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from albumen.cli import app
from albumen.cli.scan import LS_FIELDS, format_captured, format_mtime
from albumen.store.assets import capture_datetime
from scan_helpers import as_unprivileged_user, hold_scan_lock, jpeg_bytes, write_file
from typer.testing import CliRunner

runner = CliRunner()

# the keys `albumen scan --help` and the README name, all of them and no others
SCAN_KEYS = {
    "root", "files", "added", "updated", "moved", "unchanged", "removed", "errors", "seconds",
    "cancelled",
}  # fmt: skip


def scan_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["scan", *args, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_scan_json_shape(photo_tree: Path) -> None:
    write_file(photo_tree / "broken.jpg", b"")
    data = scan_json(str(photo_tree))
    assert set(data) == SCAN_KEYS
    assert data["root"] == str(photo_tree)
    assert (data["files"], data["added"], data["unchanged"], data["removed"]) == (7, 7, 0, 0)
    errors = data["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0]["path"] == "broken.jpg" and set(errors[0]) == {"path", "error"}
    assert errors[0]["error"]
    assert isinstance(data["seconds"], float)

    again = scan_json(str(photo_tree))
    assert (again["unchanged"], again["added"]) == (7, 0)


def test_scan_prints_a_summary_table(photo_tree: Path) -> None:
    result = runner.invoke(app, ["scan", str(photo_tree)])
    assert result.exit_code == 0, result.output
    for word in ("files", "added", "unchanged", "removed", "errors", "seconds"):
        assert word in result.stdout


def test_scan_summary_names_the_root_unbroken(tmp_path: Path) -> None:
    root = tmp_path / "a-rather-long-folder-name-for-the-photos"
    write_file(root / "a.jpg", jpeg_bytes())
    result = runner.invoke(app, ["scan", str(root)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == f"albumen scan of {root}"


def test_scan_with_library_and_workers(photo_tree: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    data = scan_json(str(photo_tree), "--library", str(lib), "--workers", "2")
    assert data["added"] == 6
    assert (lib / "library.db").is_file()
    assert not (photo_tree / ".albumen").exists()
    result = runner.invoke(app, ["ls", str(photo_tree), "--library", str(lib), "--json"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 6


def test_missing_root_exits_2_with_one_line(tmp_path: Path) -> None:
    for command in ("scan", "ls"):
        result = runner.invoke(app, [command, str(tmp_path / "nope")])
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert "does not exist" in lines[0] and "nope" in lines[0]


def test_unwritable_library_exits_2(photo_tree: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    result = runner.invoke(app, ["scan", str(photo_tree), "--library", str(tmp_path / "file/x")])
    assert result.exit_code == 2
    assert "--library" in result.stderr


def test_scan_while_another_scan_runs_exits_2_with_one_line(photo_tree: Path) -> None:
    (photo_tree / ".albumen").mkdir()
    holder = hold_scan_lock(photo_tree / ".albumen")
    try:
        result = runner.invoke(app, ["scan", str(photo_tree)])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "another albumen scan is running" in lines[0]


def test_ls_before_scan_says_what_to_do(photo_tree: Path) -> None:
    result = runner.invoke(app, ["ls", str(photo_tree)])
    assert result.exit_code == 2
    assert "albumen scan" in result.stderr
    assert not (photo_tree / ".albumen").exists()


def test_ls_json_lines(photo_tree: Path) -> None:
    scan_json(str(photo_tree))
    result = runner.invoke(app, ["ls", str(photo_tree), "--json"])
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 6
    assert all(list(r) == list(LS_FIELDS) for r in records)
    paths = [r["path"] for r in records]
    assert paths == sorted(paths, key=os.fsencode)
    c = next(r for r in records if r["path"] == "2020/01/trip/c.jpeg")
    assert (c["kind"], c["mime"], c["width"], c["height"]) == ("photo", "image/jpeg", 48, 32)
    assert c["make"] == "Canon"
    assert c["size"] == (photo_tree / c["path"]).stat().st_size
    assert c["mtime"].endswith("+00:00")
    assert c["captured_at"].startswith("2020-03-03T10:00:00")
    assert len(c["id"]) == 32

    limited = runner.invoke(app, ["ls", str(photo_tree), "--json", "--limit", "2"])
    assert len(limited.stdout.splitlines()) == 2


def test_ls_table(photo_tree: Path) -> None:
    write_file(photo_tree / "zzz-broken.jpg", b"")
    scan_json(str(photo_tree))
    result = runner.invoke(app, ["ls", str(photo_tree), "--limit", "100"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "c.jpeg" in result.stdout
    assert "7 assets" in result.stdout


@pytest.mark.parametrize("columns", [60, 80, 120, 160])
def test_ls_table_fits_the_terminal(photo_tree: Path, columns: int) -> None:
    # long folder names and error messages fold inside the table; nothing is cut off
    write_file(photo_tree / "corpus/2014/2014-08/Wedding/DSCF2259-truncated.JPG", b"\xff\xd8")
    write_file(photo_tree / "zero.jpg", b"")
    write_file(photo_tree / "odd ones/text_named.mov", b"not a movie")
    exposure = {0x829A: 1 / 250, 0x829D: 4.0, 0x8827: 400, 0x9003: "2024:05:01 10:11:12"}
    camera = {0x010F: "Canon", 0x0110: "Canon EOS R5"}
    write_file(
        photo_tree / "DCIM/100CANON/IMG_0001.JPG", jpeg_bytes(exif=camera, exif_ifd=exposure)
    )
    scan_json(str(photo_tree))
    result = runner.invoke(app, ["ls", str(photo_tree)], env={"COLUMNS": str(columns)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[:-1]  # the table, without the count below it
    assert lines and all(len(line) <= columns for line in lines), result.stdout
    assert all(line[-1] in "┓┃┩│┘" for line in lines), result.stdout
    assert "error" in lines[1]


def test_names_that_look_like_markup_print_as_they_are(tmp_path: Path) -> None:
    root = tmp_path / "photos"
    write_file(root / "[red]x.jpg", jpeg_bytes())
    write_file(root / "[2024] Trip/[bold]broken.jpg", b"x")
    scan = runner.invoke(app, ["scan", str(root)], env={"COLUMNS": "200"})
    assert scan.exit_code == 0, scan.output
    assert "[2024] Trip/[bold]broken.jpg" in scan.stdout  # the errors table
    table = runner.invoke(app, ["ls", str(root)], env={"COLUMNS": "200"})
    assert "[red]x.jpg" in table.stdout and "[2024] Trip/[bold]broken.jpg" in table.stdout


def test_non_utf8_names_in_ls(tmp_path: Path) -> None:
    write_file(os.fsencode(tmp_path) + b"/\xe9t\xe9.jpg", jpeg_bytes())
    scan_json(str(tmp_path))
    line = runner.invoke(app, ["ls", str(tmp_path), "--json"]).stdout.strip()
    record = json.loads(line)
    assert record["path"] == "\ufffdt\ufffd.jpg"
    assert base64.b64decode(record["path_bytes"]) == b"\xe9t\xe9.jpg"
    table = runner.invoke(app, ["ls", str(tmp_path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0
    assert "\ufffdt\ufffd.jpg" in table.stdout


def test_formatting_helpers() -> None:
    assert format_captured(capture_datetime("2023-07-14T18:03:22.120", 120)) == (
        "2023-07-14T18:03:22.120+02:00"
    )
    assert format_captured(capture_datetime("2023-07-14T18:03:22", -210)) == (
        "2023-07-14T18:03:22-03:30"
    )
    assert format_captured(capture_datetime("2023-07-14T18:03:22", None)) == "2023-07-14T18:03:22"
    assert format_captured(None) is None
    assert format_mtime(1_689_350_602_120_000_000) == "2023-07-14T16:03:22.120000+00:00"
    assert format_mtime(None) is None


def test_help_texts_explain() -> None:
    for command, words in (
        ("scan", ("--library", "--workers", "--json", "Index ROOT")),
        ("ls", ("--json", "--limit", "List")),
        ("thumbs", ("--library  -l", "DIR", "{ROOT}", "scans first when the library is empty")),
        ("thumb", ("--library  -l", "{ROOT} {PATH}", "--out", "through the library's caches")),
        ("stats", ("--library  -l", "{ROOT}", "--memory")),
    ):
        result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0
        text = " ".join(result.stdout.split())  # column widths follow the longest option
        for word in words:
            assert " ".join(word.split()) in text, (command, word)
    scan_help = runner.invoke(app, ["scan", "--help"], env={"COLUMNS": "400"}).stdout
    listed = scan_help.split("Print one JSON object (")[1].split(")")[0]
    assert set(listed.split(", ")) == SCAN_KEYS


def test_the_installed_command_runs(photo_tree: Path) -> None:
    exe = Path(sys.executable).parent / "albumen"
    out = subprocess.run(
        [str(exe), "scan", str(photo_tree), "--json"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["files"] == 6
    missing = subprocess.run(
        [str(exe), "scan", str(photo_tree / "nope")], capture_output=True, text=True, timeout=60
    )
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert len(missing.stderr.strip().splitlines()) == 1


def test_unreadable_root_exits_2() -> None:
    cmd = as_unprivileged_user()
    base = Path(tempfile.mkdtemp(prefix="albumen-perm-"))
    os.chmod(base, 0o777)
    root = base / "locked"
    root.mkdir()
    os.chmod(root, 0)
    try:
        out = subprocess.run(
            [*cmd, sys.executable, "-m", "albumen.cli", "scan", str(root), "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.chmod(root, 0o755)
        shutil.rmtree(base, ignore_errors=True)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "cannot read" in lines[0] and "permissions" in lines[0]


def test_library_of_another_user_is_not_called_damaged() -> None:
    # a library this user may read but not write (made by someone else): listed as it is;
    # scanning it says why it cannot, exit 2
    cmd = as_unprivileged_user()
    base = Path(tempfile.mkdtemp(prefix="albumen-perm-"))
    os.chmod(base, 0o755)
    write_file(base / "a.jpg", jpeg_bytes())
    scan_json(str(base))
    lib = base / ".albumen"
    os.chmod(lib, 0o555)
    os.chmod(lib / "library.db", 0o444)
    try:
        listed = subprocess.run(
            [*cmd, sys.executable, "-m", "albumen.cli", "ls", str(base), "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        out = subprocess.run(
            [*cmd, sys.executable, "-m", "albumen.cli", "scan", str(base), "--json"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.chmod(lib, 0o755)
        shutil.rmtree(base, ignore_errors=True)
    assert listed.returncode == 0, listed.stderr
    assert [json.loads(line)["path"] for line in listed.stdout.splitlines()] == ["a.jpg"]
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "readonly" in lines[0] and "run as a user who may" in lines[0]
    assert "damaged" not in lines[0]


def test_root_inside_a_folder_the_user_cannot_enter_exits_2() -> None:
    cmd = as_unprivileged_user()
    outer = Path(tempfile.mkdtemp(prefix="albumen-perm-"))
    (outer / "private" / "photos").mkdir(parents=True)
    os.chmod(outer, 0o755)
    os.chmod(outer / "private", 0o700 if cmd else 0)
    try:
        out = subprocess.run(
            [*cmd, sys.executable, "-m", "albumen.cli", "scan", str(outer / "private/photos")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.chmod(outer / "private", 0o755)
        shutil.rmtree(outer, ignore_errors=True)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert "cannot read" in lines[0] and "photos" in lines[0]


def test_ls_counts_one_asset_in_the_singular(tmp_path: Path) -> None:
    write_file(tmp_path / "only.jpg", jpeg_bytes())
    assert runner.invoke(app, ["scan", str(tmp_path), "--json"]).exit_code == 0
    result = runner.invoke(app, ["ls", str(tmp_path)], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert result.stdout.strip().splitlines()[-1] == "1 asset"
