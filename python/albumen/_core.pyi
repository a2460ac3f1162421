"""Type stubs for albumen's Rust core. Every function releases the GIL during long work."""

__version__: str

def media_types() -> list[tuple[str, str, str]]:
    """The extension table: ``(extension, kind, mime)`` with lower-case extensions, no dot.

    ``kind`` is ``"photo"`` or ``"video"``.
    """
