"""``albumen thumb --out``: never among the photos of ROOT, never over the library's own files,
never over an existing file without --force; ``-`` is the standard output (binary-safe), and
``/dev/null`` or ``/dev/stdout`` just work. PATH is looked up in ROOT first."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _cli import run_cli
from _thumb_media import BLUE, RED, close, colour_at
from PIL import Image

HANG = 120  # a safety net only (the bug was a hang); a passing run takes a second


def albumen(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    return run_cli(*args, cwd=cwd, binary=True)


def albumen_process(*args: str) -> subprocess.CompletedProcess[bytes]:
    """In a process of its own: its standard output is a real file descriptor."""
    return subprocess.run(
        [sys.executable, "-m", "albumen.cli", *args],
        capture_output=True,
        timeout=HANG,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "photos"
    root.mkdir()
    Image.new("RGB", (400, 200), RED).save(root / "a.jpg", quality=95)
    assert albumen("scan", str(root)).returncode == 0
    return root


def one_error_line(done: subprocess.CompletedProcess[bytes]) -> str:
    assert done.returncode == 2, done
    (line,) = done.stderr.decode().strip().splitlines()
    assert line.startswith("albumen: error: ")
    return line


def test_out_onto_the_photo_itself_is_refused_and_the_photo_is_untouched(root: Path) -> None:
    before = (root / "a.jpg").read_bytes()
    line = one_error_line(albumen("thumb", str(root), "a.jpg", "--out", str(root / "a.jpg")))
    assert "inside ROOT" in line
    assert (root / "a.jpg").read_bytes() == before
    # --force does not change that
    one_error_line(albumen("thumb", str(root), "a.jpg", "--force", "-o", str(root / "a.jpg")))
    assert (root / "a.jpg").read_bytes() == before


@pytest.mark.parametrize("target", ["new.jpg", "sub/new.jpg"])
def test_out_anywhere_inside_root_is_refused(root: Path, target: str) -> None:
    (root / "sub").mkdir()
    line = one_error_line(albumen("thumb", str(root), "a.jpg", "--out", str(root / target)))
    assert "never writes among your photos" in line
    assert not (root / target).exists()


def test_out_through_a_symlink_into_root_is_refused(root: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").symlink_to(root)
    out = tmp_path / "elsewhere" / "x.jpg"
    one_error_line(albumen("thumb", str(root), "a.jpg", "--out", str(out)))
    assert not (root / "x.jpg").exists()


@pytest.mark.parametrize("name", ["library.db", "library.db-wal", "scan.lock", "thumbs/ab/c.jpg"])
def test_out_onto_the_librarys_own_files_is_refused(root: Path, name: str) -> None:
    db = (root / ".albumen" / "library.db").read_bytes()
    out = root / ".albumen" / name
    line = one_error_line(albumen("thumb", str(root), "a.jpg", "--force", "--out", str(out)))
    assert "library's own files" in line
    assert (root / ".albumen" / "library.db").read_bytes() == db
    assert albumen("ls", str(root)).returncode == 0


def test_out_onto_the_library_of_another_folder_is_refused(root: Path, tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    assert albumen("scan", str(root), "--library", str(lib)).returncode == 0
    out = lib / "library.db"
    one_error_line(albumen("thumb", str(root), "a.jpg", "-l", str(lib), "-f", "-o", str(out)))
    assert albumen("ls", str(root), "--library", str(lib)).returncode == 0


def test_an_existing_file_needs_force(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "keep.txt"
    out.write_text("precious")
    line = one_error_line(albumen("thumb", str(root), "a.jpg", "--out", str(out)))
    assert "exists: pass --force" in line
    assert out.read_text() == "precious"
    done = albumen("thumb", str(root), "a.jpg", "--out", str(out), "--force")
    assert done.returncode == 0, done.stderr
    assert close(colour_at(out.read_bytes(), 0.5, 0.5), RED)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_dash_writes_the_jpeg_to_stdout(root: Path) -> None:
    done = albumen("thumb", str(root), "a.jpg", "--size", "64", "--out", "-")
    assert done.returncode == 0, done.stderr
    assert Image.open(io.BytesIO(done.stdout)).size == (64, 32)
    assert b"64x32 JPEG" in done.stderr  # the summary goes to stderr, not into the image


def test_dev_stdout_does_not_hang(root: Path, tmp_path: Path) -> None:
    done = albumen_process("thumb", str(root), "a.jpg", "--size", "64", "--out", "/dev/stdout")
    assert done.returncode == 0, done.stderr
    assert Image.open(io.BytesIO(done.stdout)).size == (64, 32)
    # stdout redirected to a file that exists: writing there is what was asked
    with open(tmp_path / "redirected.jpg", "wb") as f:
        subprocess.run(
            [sys.executable, "-m", "albumen.cli", "thumb", str(root), "a.jpg", "-o", "/dev/stdout"],
            stdout=f,
            stderr=subprocess.DEVNULL,
            timeout=HANG,
            check=True,
        )
    assert Image.open(tmp_path / "redirected.jpg").size == (256, 128)


def test_dev_null_is_fine(root: Path) -> None:
    done = albumen("thumb", str(root), "a.jpg", "--out", os.devnull)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b"" and b"JPEG" in done.stdout


def test_a_fifo_nobody_reads_is_one_line(root: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    line = one_error_line(albumen("thumb", str(root), "a.jpg", "--out", str(fifo)))
    assert "nothing reads it" in line


def test_path_is_looked_up_in_root_before_the_current_folder(root: Path, tmp_path: Path) -> None:
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    Image.new("RGB", (400, 200), BLUE).save(cwd / "a.jpg")
    out = tmp_path / "t.jpg"
    done = albumen("thumb", str(root), "a.jpg", "--out", str(out), cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert close(colour_at(out.read_bytes(), 0.5, 0.5), RED)  # R/a.jpg, not ./a.jpg
    # a file only in the current folder is still found
    Image.new("RGB", (400, 200), BLUE).save(cwd / "b.jpg")
    done = albumen("thumb", str(root), "b.jpg", "--out", str(tmp_path / "b.jpg"), cwd=cwd)
    assert done.returncode == 0, done.stderr
    assert close(colour_at((tmp_path / "b.jpg").read_bytes(), 0.5, 0.5), BLUE)
