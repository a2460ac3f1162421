import albumen
from albumen import _core


def test_version_comes_from_cargo() -> None:
    assert albumen.__version__ == _core.__version__
    assert albumen.__version__.count(".") == 2


def test_media_types_table() -> None:
    table = {ext: (kind, mime) for ext, kind, mime in _core.media_types()}
    assert table["jpg"] == ("photo", "image/jpeg")
    assert table["mov"][0] == "video"
    assert all(ext == ext.lower() and not ext.startswith(".") for ext in table)
