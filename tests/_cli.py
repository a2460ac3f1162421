"""``albumen`` commands run in the test process (typer's CliRunner), returned the way
``subprocess.run`` returns them: fast enough to run many. Tests that need a process of their own
(a possible hang, a signal, another user, stderr written by C code) use ``subprocess``."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload

from albumen.cli import app
from typer.testing import CliRunner

_runner = CliRunner()


@contextlib.contextmanager
def _cwd(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@overload
def run_cli(
    *args: str,
    cwd: Path | None = ...,
    env: dict[str, str] | None = ...,
    binary: Literal[False] = ...,
) -> subprocess.CompletedProcess[str]: ...
@overload
def run_cli(
    *args: str, cwd: Path | None = ..., env: dict[str, str] | None = ..., binary: Literal[True]
) -> subprocess.CompletedProcess[bytes]: ...
def run_cli(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, binary: bool = False
) -> subprocess.CompletedProcess[Any]:
    """Run ``albumen ARGS`` in this process. A traceback (any exception but an exit) is
    raised, as it would be printed by the real command."""
    with _cwd(cwd):
        result = _runner.invoke(app, list(args), env=env)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if binary:
        return subprocess.CompletedProcess(
            args, result.exit_code, result.stdout_bytes, result.stderr_bytes
        )
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)
