import ast
from pathlib import Path

import albumen
import pytest
from albumen import _core


def test_media_types_table() -> None:
    table = {ext: (kind, mime, family) for ext, kind, mime, family in _core.media_types()}
    assert table["jpg"] == ("photo", "image/jpeg", "jpeg")
    assert table["mov"] == ("video", "video/quicktime", "video")
    assert table["heic"][2] == table["hif"][2] == "heif"
    assert table["dng"][2] == table["cr3"][2] == "raw"
    assert all(ext == ext.lower() and not ext.startswith(".") for ext in table)
    families = {"jpeg", "heif", "avif", "raw", "tiff", "png", "webp", "gif", "video"}
    assert {family for _, _, family in table.values()} == families
    assert all((kind == "video") == (family == "video") for kind, _, family in table.values())


# the plan's components (DESIGN.md): all importable from the top-level package
PLAN_COMPONENTS = {
    "ParallelScanner",
    "ScanResult",
    "EventBus",
    "ScanProgressEvent",
    "SQLiteAssetRepository",
    "MemoryThumbnailCache",
    "DiskThumbnailCache",
    "ThumbnailService",
    "ThumbnailGenerator",
    "VirtualAssetGrid",
    "JustifiedLayout",
    "PageResult",
    "PaginatedAssetLoader",
    "AssetListViewModel",
    "WeakAssetCache",
    "MemoryMonitor",
    "Library",
}


def test_every_public_name_resolves() -> None:
    assert set(albumen.__all__) >= PLAN_COMPONENTS | {"__version__"}
    assert len(set(albumen.__all__)) == len(albumen.__all__)
    for name in albumen.__all__:
        value = getattr(albumen, name)
        assert value is not None, name
        if name != "__version__":  # every other export is a class or a function
            assert value.__name__ == name, name
            assert value.__module__.startswith("albumen"), name
    namespace: dict[str, object] = {}
    exec("from albumen import *", namespace)
    assert set(albumen.__all__) <= set(namespace)
    assert sorted(albumen.__all__) == dir(albumen)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        albumen.no_such_thing  # noqa: B018


def test_type_checkers_see_every_public_name() -> None:
    """The lazy exports are re-exported under TYPE_CHECKING, so mypy knows each one."""
    tree = ast.parse(Path(albumen.__file__).read_text())
    guarded = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
    )
    reexported = {
        alias.asname
        for node in guarded.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if alias.asname == alias.name
    }
    assert reexported == set(albumen.__all__) - {"__version__"}
