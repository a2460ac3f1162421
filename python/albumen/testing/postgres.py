"""A throwaway PostgreSQL server for tests, benchmarks and trying scale-out on one machine.

    with TemporaryPostgres() as pg:
        url = pg.create_database("albumen")   # postgresql://postgres@127.0.0.1:PORT/albumen

It runs ``initdb`` and ``pg_ctl`` from an installed PostgreSQL (Debian: ``apt-get install
postgresql``; the binaries live in ``/usr/lib/postgresql/<version>/bin``, or name the folder in
``ALBUMEN_PG_BINDIR``) on a cluster in a temporary folder, listening on 127.0.0.1 at a free port
and on a Unix socket in that folder, with trust authentication. ``initdb`` refuses to run as
root, so as root the server runs as the ``postgres`` user (``runuser``), which then owns the
folder. ``stop()`` removes everything.

Only the PostgreSQL programs are used (no Python driver), so this module imports nothing beyond
the standard library.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["FAST_SETTINGS", "PostgresNotInstalledError", "TemporaryPostgres", "find_bindir"]

#: Settings for a server whose data does not matter after a crash (tests).
FAST_SETTINGS: Mapping[str, str] = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}

_SERVER_USER = "postgres"


class PostgresNotInstalledError(RuntimeError):
    """No PostgreSQL server programs were found."""


def find_bindir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``: ``ALBUMEN_PG_BINDIR``, the newest
    ``/usr/lib/postgresql/*/bin``, or the ``PATH``."""
    named = os.environ.get("ALBUMEN_PG_BINDIR")
    if named:
        return Path(named)
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresNotInstalledError(
        "PostgreSQL is not installed (initdb not found): apt-get install postgresql, "
        "or name its bin folder in ALBUMEN_PG_BINDIR"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TemporaryPostgres:
    """A PostgreSQL cluster in a temporary folder (see the module docs). ``settings`` are
    written to its ``postgresql.conf`` (``FAST_SETTINGS`` by default)."""

    def __init__(
        self,
        *,
        settings: Mapping[str, str] | None = None,
        bindir: str | os.PathLike[str] | None = None,
    ) -> None:
        self.bindir = Path(bindir) if bindir is not None else find_bindir()
        self.settings = dict(FAST_SETTINGS if settings is None else settings)
        self.as_root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
        self.folder: Path | None = None
        self.port = 0
        self.user = _SERVER_USER if self.as_root else _current_user()

    # -- paths and commands ------------------------------------------------------------------

    @property
    def data(self) -> Path:
        assert self.folder is not None, "not started"
        return self.folder / "data"

    @property
    def log(self) -> Path:
        assert self.folder is not None, "not started"
        return self.folder / "server.log"

    def url(self, database: str = "postgres") -> str:
        """The URL of ``database`` on this server (over TCP on 127.0.0.1)."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        command: Sequence[str] = [str(self.bindir / program), *args]
        if self.as_root:
            command = ["runuser", "-u", _SERVER_USER, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd="/", check=False)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}{done.stderr}{log}"
            )
        return done

    def _parent(self) -> str:
        """Where the cluster's folder goes: the temporary folder, unless the server's user
        (when run as root) could not get to it (a private TMPDIR such as pytest's), then
        ``/tmp``."""
        parent = Path(tempfile.gettempdir()).resolve()
        if self.as_root and not all(
            p.stat().st_mode & stat.S_IXOTH for p in (parent, *parent.parents)
        ):
            return "/tmp"
        return str(parent)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> TemporaryPostgres:
        """Create the cluster and start the server (waits until it accepts connections)."""
        self.folder = Path(tempfile.mkdtemp(prefix="albumen-pg-", dir=self._parent()))
        if self.as_root:
            shutil.chown(self.folder, _SERVER_USER, _SERVER_USER)
        self._run(
            "initdb", "-D", str(self.data), "-U", self.user, "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        for attempt in range(5):  # another process may take the free port first
            self.port = _free_port()
            self._write_settings()
            try:
                self._pg_ctl("start")
                return self
            except RuntimeError:
                if attempt == 4:
                    raise
        return self

    def _write_settings(self) -> None:
        lines = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.folder}'",
            **{k: f"'{v}'" for k, v in self.settings.items()},
        }
        auto = self.data / "postgresql.auto.conf"
        text = "".join(f"{k} = {v}\n" for k, v in lines.items())
        # read after postgresql.conf, so these win; owned by the server's user
        tmp = self.data.parent / "auto.conf.tmp"
        tmp.write_text(text)
        if self.as_root:
            shutil.chown(tmp, _SERVER_USER, _SERVER_USER)
        tmp.replace(auto)

    def _pg_ctl(self, action: str, *extra: str) -> None:
        self._run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", *extra)

    def restart(self) -> None:
        """Restart the server (``-m fast``: sessions are ended, committed data is kept)."""
        self._pg_ctl("restart", "-m", "fast")

    def stop(self) -> None:
        """Stop the server and remove the cluster."""
        if self.folder is None:
            return
        try:
            if (self.data / "postmaster.pid").exists():
                self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> TemporaryPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- databases ---------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """Create the database ``name`` (a plain identifier) and return its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, name)
        return self.url(name)


def _current_user() -> str:
    import getpass

    return getpass.getuser()
