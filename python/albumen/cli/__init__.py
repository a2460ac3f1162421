"""The ``albumen`` command line: one module per command group, each registering its commands on
the typer app of ``albumen.cli.application``.

Start-up costs what the command line needs and no more. ``main`` (the ``albumen`` console
script) answers ``--version`` without importing the CLI framework, and imports only the module
of the command being run (``COMMANDS``); ``albumen --help``, no command or an unknown one load
every command module of this package. ``albumen.cli.app`` is the complete application (for
tests and code that drives the CLI). A new command module is found without being listed; list
its commands in ``COMMANDS`` so that running one imports nothing else.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # as `typing` has it, which `albumen --version` does not import
if TYPE_CHECKING:  # the CLI framework too is imported only when a command line needs it
    from collections.abc import Iterable, Sequence
    from typing import Any

    import typer

__all__ = ["COMMANDS", "app", "load", "main"]

#: command -> the module that defines it
COMMANDS: dict[str, str] = {
    "scan": "albumen.cli.scan",
    "ls": "albumen.cli.scan",
    "stats": "albumen.cli.stats",
    "thumbs": "albumen.cli.thumbs",
    "thumb": "albumen.cli.thumbs",
    "watch": "albumen.cli.watch",
    "view": "albumen.cli.view",
}

# modules of this package that define no command
_NOT_COMMANDS = {"application", "common", "__main__"}


def command_modules() -> list[str]:
    """Every command module of this package."""
    import pkgutil

    return sorted(
        f"{__name__}.{m.name}"
        for m in pkgutil.iter_modules(__path__)
        if m.name not in _NOT_COMMANDS
    )


def load(commands: Iterable[str] | None = None) -> typer.Typer:
    """The typer app with the modules of ``commands`` imported (default: every command)."""
    import importlib

    from albumen.cli.application import app

    modules = command_modules() if commands is None else sorted({COMMANDS[c] for c in commands})
    for module in modules:
        importlib.import_module(module)
    return app


def _command_of(args: Sequence[str]) -> str | None:
    """The command a command line runs (its first argument that is not an option: the app
    itself takes no option with a value), when it is a known one."""
    for arg in args:
        if arg == "--":
            return None
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> None:
    """The ``albumen`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        from albumen._core import __version__

        print(f"albumen {__version__}")
        return
    command = _command_of(args)
    load(None if command is None else [command])(args=args, prog_name="albumen")


def __getattr__(name: str) -> Any:
    if name == "app":  # the complete application
        return load()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
