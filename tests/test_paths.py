"""One path convention (issue 13): every path albumen returns is a ``str`` relative to the root,
decoded like ``os.fsdecode`` with the raw bytes at hand, and every API that takes a path
accepts ``str``, ``bytes`` and ``os.PathLike``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from albumen import AssetQuery, Library, ParallelScanner, _core
from albumen.paths import FailedPath, relative_bytes
from scan_helpers import jpeg_bytes, write_file

RAW_DIR = b"caf\xe9"  # Latin-1 bytes: not UTF-8
RAW_NAME = b"\xff\xfe photo.jpg"
RAW_PATH = RAW_DIR + b"/" + RAW_NAME


@pytest.fixture
def odd_tree(tmp_path: Path) -> Path:
    """A folder with a good photo under a non-UTF-8 name, a broken one, and a plain one."""
    root = tmp_path / "photos"
    write_file(os.fsencode(root) + b"/" + RAW_PATH, jpeg_bytes())
    write_file(os.fsencode(root) + b"/" + RAW_DIR + b"/broken \xe9.jpg", b"\xff\xd8 nope")
    write_file(root / "plain.jpg", jpeg_bytes(color=(1, 2, 3)))
    return root


def _is_relative_str(path: object) -> bool:
    return isinstance(path, str) and not os.path.isabs(path)


def test_every_returned_path_is_a_relative_str_with_its_bytes(odd_tree: Path) -> None:
    broken = os.fsdecode(RAW_DIR + b"/broken \xe9.jpg")
    # the Rust core
    files, _ = _core.walk(odd_tree)
    assert {p for p, _, _ in files} == {os.fsdecode(RAW_PATH), broken, "plain.jpg"}
    # the scanner: records and errors alike (errors were absolute Paths)
    result = ParallelScanner().scan(odd_tree)
    assert all(_is_relative_str(r["path"]) for r in result.assets)
    assert result.errors == [FailedPath(broken, result.errors[0].message)]
    assert result.errors[0].path_bytes == RAW_DIR + b"/broken \xe9.jpg"
    with Library.open(odd_tree) as lib:
        report = lib.scan()
        assert [e.path for e in report.errors] == [broken]
        assert isinstance(report.errors[0], FailedPath)
        # typed records (were dicts with bytes)
        assets = {a.path: a for a in lib.assets(AssetQuery(include_hidden=True))}
        odd = assets[os.fsdecode(RAW_PATH)]
        assert (odd.path_bytes, odd.folder, odd.name) == (
            RAW_PATH,
            os.fsdecode(RAW_DIR),
            os.fsdecode(RAW_NAME),
        )
        assert os.fsencode(odd.path) == odd.path_bytes
        # gallery rows (were bytes)
        page = lib.finder().page(AssetQuery(), 1, 10)
        rows = {row.path: row for row in page}
        assert set(rows) == set(assets)
        assert rows[odd.path].path_bytes == RAW_PATH and rows[odd.path].folder == odd.folder
        # the path a library hands out goes straight back into the core (bytes too)
        for handed_out in (odd.path, odd.path_bytes):
            probed = _core.probe_file(odd_tree, handed_out)
            assert probed["path"] == odd.path and probed["id"] == odd.id
        assert _core.probe_file(os.fsencode(odd_tree), Path(odd.path))["id"] == odd.id


def test_every_path_argument_takes_str_bytes_and_pathlike(odd_tree: Path) -> None:
    for root in (str(odd_tree), os.fsencode(odd_tree), odd_tree):
        assert len(ParallelScanner().scan(root).assets) == 2
        with Library.open(root) as lib:
            lib.scan()
            for folder in (os.fsdecode(RAW_DIR), RAW_DIR, Path(os.fsdecode(RAW_DIR))):
                found = [a.path_bytes for a in lib.assets(AssetQuery(folder=folder))]
                assert RAW_PATH in found
            for path in (os.fsdecode(RAW_PATH), RAW_PATH, Path(os.fsdecode(RAW_PATH))):
                assert lib.asset(path).path_bytes == RAW_PATH
                assert lib.thumbnail(path, 32)[:2] == b"\xff\xd8"
            absolute = os.fsencode(odd_tree) + b"/" + RAW_PATH  # inside the root: fine
            assert lib.asset(absolute).path_bytes == RAW_PATH
    files, _ = _core.walk(os.fsencode(odd_tree), skip=[os.fsencode(odd_tree) + b"/" + RAW_DIR])
    assert [p for p, _, _ in files] == ["plain.jpg"]
    stream = _core.probe(odd_tree, [RAW_PATH, Path("plain.jpg"), "plain.jpg"])
    assert sorted(r["path"] for batch in stream for r in batch) == sorted(
        [os.fsdecode(RAW_PATH), "plain.jpg", "plain.jpg"]
    )


def test_relative_bytes_normalises_and_keeps_paths_inside_the_root(tmp_path: Path) -> None:
    assert relative_bytes("./a//b/") == b"a/b"
    assert relative_bytes(b"") == relative_bytes(".") == b""
    assert relative_bytes(tmp_path / "x" / "y.jpg", tmp_path) == b"x/y.jpg"
    for outside in ("../x.jpg", "a/../../x.jpg"):
        with pytest.raises(ValueError, match="outside"):
            relative_bytes(outside, tmp_path)
    with pytest.raises(ValueError, match="outside"):
        relative_bytes("/elsewhere/x.jpg", tmp_path)
    with pytest.raises(ValueError, match="relative to the library root"):
        relative_bytes("/elsewhere/x.jpg")


def test_store_and_thumbnail_parts_take_any_path(odd_tree: Path) -> None:
    from albumen import AssetSource, SQLiteAssetFinder, SQLiteAssetRepository

    with Library.open(odd_tree) as lib:
        lib.scan()
    db = os.fsencode(odd_tree / ".albumen" / "library.db")
    with SQLiteAssetRepository(db) as repo:
        assert repo.count() == 3
    with SQLiteAssetFinder.open(db) as finder:
        assert finder.count(AssetQuery(include_hidden=True)) == 3
    source = AssetSource(str(odd_tree / "plain.jpg"))  # type: ignore[arg-type]
    assert isinstance(source.path, Path) and source.extension == "jpg"
