"""The `albumen` command starts with what it needs: `--version` without the CLI framework, a
command with its own module only, and yet every `--help` complete. (How long it takes is a
benchmark gate: benches/bench_startup.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from albumen import cli
from scan_helpers import jpeg_bytes, write_file

# what a command line imports, printed on the way out (stderr), for the tests below
PROBE = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
from albumen.cli import main
main(sys.argv[1:])
"""


def run(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    return done, modules


def commands() -> dict[str, typer.models.CommandInfo]:
    app = cli.load()
    return {
        c.name or (c.callback.__name__ if c.callback else ""): c for c in app.registered_commands
    }


def test_version_imports_no_cli_framework() -> None:
    done, modules = run("--version")
    assert done.returncode == 0 and done.stdout.startswith("albumen ")
    assert not {m.split(".")[0] for m in modules} & {"typer", "rich", "pydantic", "sqlite3"}


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    write_file(tmp_path / "a.jpg", jpeg_bytes())
    done, modules = run("scan", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["added"] == 1
    loaded = {m for m in modules if m.startswith("albumen.cli.")}
    assert loaded == {"albumen.cli.application", "albumen.cli.common", "albumen.cli.scan"}
    heavy = {"rich", "pydantic", "PIL", "watchfiles", "av", "pillow_heif", "psycopg", "dask"}
    assert not {m.split(".")[0] for m in modules} & heavy


def test_every_command_is_listed_with_its_module() -> None:
    registered = commands()
    assert set(registered) == set(cli.COMMANDS)
    for name, info in registered.items():
        assert info.callback is not None and info.callback.__module__ == cli.COMMANDS[name], name
    # and every command module of the package is one of them
    assert set(cli.command_modules()) == set(cli.COMMANDS.values())


def test_the_top_level_help_lists_every_command() -> None:
    done, modules = run("--help")
    assert done.returncode == 0
    for name in cli.COMMANDS:
        assert f" {name} " in done.stdout, name
    assert set(cli.COMMANDS.values()) <= modules


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_command_help_is_complete_when_loaded_alone(name: str) -> None:
    done, modules = run(name, "--help")
    assert done.returncode == 0, done.stderr
    assert {m for m in modules if m.startswith("albumen.cli.")} <= {
        "albumen.cli.application",
        "albumen.cli.common",
        cli.COMMANDS[name],
    }
    # every option and argument of the command, as the complete application knows it
    command = typer.main.get_command(cli.load()).commands[name]  # type: ignore[attr-defined]
    assert command.help and command.help.split("\n")[0][:40] in " ".join(done.stdout.split())
    for param in command.params:
        if getattr(param, "hidden", False):  # left out of --help on purpose
            continue
        for flag in [*param.opts, *param.secondary_opts]:
            shown = flag if flag.startswith("-") else (param.metavar or flag.upper())
            assert shown in done.stdout, (name, flag)


def test_unknown_commands_and_module_runs_still_work() -> None:
    done, _modules = run("nope")
    assert done.returncode == 2 and "nope" in done.stderr
    as_module = subprocess.run(
        [sys.executable, "-m", "albumen.cli", "--version"], capture_output=True, text=True
    )
    assert as_module.returncode == 0 and as_module.stdout.startswith("albumen ")
