"""``albumen thumbs`` and ``albumen thumb``: make every missing thumbnail, or one.

``albumen stats`` shows the thumbnail caches per tier.
"""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import contextlib
import errno
import io
import json
import os
import stat
from pathlib import Path
from typing import Annotated, Any

import typer

from albumen.cli.application import app
from albumen.cli.common import (
    ClusterOpt,
    LibraryOpt,
    RootArg,
    StoreOpt,
    cluster_runner,
    fail,
    open_library,
    printable,
)
from albumen.errors import LibraryError
from albumen.scan.scanner import MAX_WORKERS

THUMBS_HELP = (
    "Make every missing thumbnail (and micro thumbnail) of the library; scans first when the "
    "library is empty. A second run is served from the cache. With --cluster they are made on "
    "a Dask cluster into LIBRARY/thumbs (on storage every worker mounts)."
)
THUMB_HELP = (
    "Write one thumbnail (upright, JPEG) to --out, through the library's caches when the file "
    "is indexed."
)


def _mib(n: float) -> str:
    """Bytes as MiB, or GiB from 1 GiB on (short enough for an 80-column table)."""
    if n >= 2**30:
        return f"{n / 2**30:.1f} GiB"
    return f"{n / 2**20:.1f} MiB"


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _stats_table(stats: dict[str, Any], title: str) -> Any:
    """One row per measure, one column per tier: it fits an 80-column terminal whole (one
    column per measure cut the numbers short there, e.g. a 2 GiB bound shown as "2048…")."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("", no_wrap=True)
    table.add_column("L1 memory", justify="right", no_wrap=True)
    table.add_column("L2 disk", justify="right", no_wrap=True)
    mem, disk = stats.get("memory") or {}, stats.get("disk") or {}
    hit = stats.get("hit_rate", {})
    table.add_row("hit rate", _pct(mem.get("hit_rate", 0.0)), _pct(disk.get("hit_rate", 0.0)))
    table.add_row("of lookups", _pct(hit.get("memory", 0.0)), _pct(hit.get("disk", 0.0)))
    for key in ("hits", "misses", "evictions", "entries"):
        table.add_row(key, str(mem.get(key, 0)), str(disk.get(key, 0)))
    table.add_row("size", _mib(mem.get("bytes", 0)), _mib(disk.get("bytes", 0)))
    table.add_row("bound", _mib(mem.get("max_bytes", 0)), _mib(disk.get("max_bytes", 0)))
    return table


def _generation_table(stats: dict[str, Any]) -> Any:
    from rich.table import Table

    gen = stats.get("generation", {})
    table = Table(title="L3 generation", title_justify="left")
    table.add_column("format", no_wrap=True)
    for col in ("made", "failed", "seconds", "mean ms"):
        table.add_column(col, justify="right")
    for fmt, s in gen.get("per_format", {}).items():
        table.add_row(
            fmt, str(s["count"]), str(s["failed"]), f"{s['seconds']:.2f}", f"{s['mean_ms']:.1f}"
        )
    table.add_row(
        "all",
        str(gen.get("count", 0)),
        str(gen.get("failed", 0)),
        f"{gen.get('seconds', 0.0):.2f}",
        f"{gen.get('mean_ms', 0.0):.1f}",
    )
    return table


@app.command("thumbs", help=THUMBS_HELP)
def thumbs(
    root: RootArg,
    size: Annotated[int, typer.Option("--size", min=8, max=4096, help="Longest side, px.")] = 256,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=MAX_WORKERS,
            help=f"Worker processes, at most {MAX_WORKERS} (default: all cores).",
        ),
    ] = None,
    library: LibraryOpt = None,
    store: StoreOpt = None,
    cluster: ClusterOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    no_previews: Annotated[
        bool,
        typer.Option(
            "--no-previews",
            help="Decode every image itself, never an embedded preview (camera MPF images, "
            "EXIF and HEIF thumbnails); thumbnails already cached are kept.",
        ),
    ] = False,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from albumen.errors import LibraryError

    console = Console(stderr=True)
    runner = cluster_runner() if cluster is not None else None
    try:
        with open_library(
            root, library, store=store, workers=workers, previews=not no_previews
        ) as lib:
            if len(lib) == 0:
                if not as_json:
                    console.print("library is empty: scanning first")
                if runner is None:
                    lib.scan()
                else:
                    runner.scan_on_cluster(lib, cluster)
            if runner is not None and cluster is not None:
                _thumbs_on_cluster(runner, lib, cluster, size, as_json, console)
                return
            if as_json:
                report = lib.thumbnail_pipeline.generate_all(size)
                _warn_about_the_disk_cache(report.stats, lib.library_dir)
                typer.echo(json.dumps({"root": str(lib.root), **report.to_json()}))
                return
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"thumbnails {size}px", total=None)

                def progress(done: int, total: int) -> None:
                    bar.update(task, completed=done, total=total)

                report = lib.thumbnail_pipeline.generate_all(size, progress)
            _warn_about_the_disk_cache(report.stats, lib.library_dir)
    except LibraryError as exc:  # the database or cluster went away, a full disk, a damaged library
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo(
            "albumen: interrupted; the thumbnails made so far are kept: run it again to finish",
            err=True,
        )
        raise typer.Exit(code=130) from None
    _print_report(report)
    out = Console()
    out.print(_stats_table(report.stats, "cache tiers (this run)"))
    out.print(_generation_table(report.stats))


def _thumbs_on_cluster(
    runner: Any, lib: Any, cluster: str, size: int, as_json: bool, console: Any
) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    if as_json:
        report = runner.thumbnails_on_cluster(lib, cluster, size=size)
        typer.echo(json.dumps({"root": str(lib.root), **report.to_json()}))
        return
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"thumbnails {size}px on the cluster", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        report = runner.thumbnails_on_cluster(lib, cluster, size=size, progress=progress)
    _print_report(report)


def _print_report(report: Any) -> None:
    from rich.console import Console
    from rich.markup import escape

    out = Console()
    out.print(
        f"{report.assets} asset{'' if report.assets == 1 else 's'}: "
        f"[bold]{report.generated}[/] generated, "
        f"{report.cached} cached, {report.failed} failed"
        + (f", {report.skipped_failed} failed before (unchanged)" if report.skipped_failed else "")
        + (f", {report.unreadable} unreadable (see `albumen scan`)" if report.unreadable else "")
        + f", {report.micro_written} micro thumbnails stored in {report.seconds:.2f} s"
        + (f" ({report.generated / report.seconds:.1f}/s)" if report.generated else "")
    )
    gen = report.stats.get("generation", {})
    if gen.get("previews_used") or gen.get("preview_fallbacks"):
        out.print(
            f"{gen.get('previews_used', 0)} made from embedded previews"
            + (
                f", {gen['preview_fallbacks']} previews unusable (the image was decoded)"
                if gen.get("preview_fallbacks")
                else ""
            )
        )
    for path, message in report.errors[:10]:
        out.print(f"  [red]failed[/] {escape(printable(path))}: {escape(printable(message))}")
    if len(report.errors) > 10:
        out.print(f"  ... and {len(report.errors) - 10} more")


def _warn_about_the_disk_cache(stats: dict[str, Any], library_dir: Path) -> None:
    """One line on stderr when thumbnails could not be kept in L2 (a full disk, the cache's
    free-space margin): they were made, and are made again next time."""
    failed = stats.get("generation", {}).get("disk_write_errors", 0)
    if failed:
        reason = stats.get("disk_write_error") or "unknown error"
        typer.echo(
            f"albumen: warning: {failed} thumbnail{'' if failed == 1 else 's'} could not be kept "
            f"in the disk cache {library_dir / 'thumbs'} ({reason}): free some space on that "
            "disk (the cache leaves 256 MiB free)",
            err=True,
        )


def _find_file(path: Path, root: Path) -> Path:
    """``path`` relative to ROOT (what ``albumen ls`` lists), else as given (absolute, or
    relative to the current folder); a file that exists but cannot be looked at is an error
    that says so, not a traceback."""
    candidates = [path] if path.is_absolute() else [root / path, Path.cwd() / path]
    for file in candidates:
        try:
            if file.is_file():
                return file
            if file.exists():
                raise fail(f"{path} is not a file")
        except OSError as exc:
            raise fail(f"cannot read {path} ({exc.strerror or exc})") from None
    raise fail(f"{path} is not a file")


#: ``--out`` values that mean the standard output.
_STDOUT_NAMES = ("-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def _check_output(out: Path, root: Path, library_dir: Path, force: bool) -> None:
    """Refuse an ``--out`` that would write among the photos of ROOT (outside the library
    folder), onto one of the library's own files, or over an existing file without
    ``--force``. Paths are compared once every symbolic link is resolved."""
    real = Path(os.path.realpath(out))
    library_real = Path(os.path.realpath(library_dir))
    if _inside(real, library_real):
        first = real.relative_to(library_real).parts[:1]
        if not first or real.exists() or first[0].startswith(_library_names()):
            raise fail(
                f"--out {out} is one of the library's own files (in {library_dir}): albumen "
                "never writes over its index or its caches; write the thumbnail elsewhere"
            )
        return
    if _inside(real, Path(os.path.realpath(root))):
        raise fail(
            f"--out {out} is inside ROOT ({root}): albumen never writes among your photos; "
            "write the thumbnail elsewhere (or - for the standard output)"
        )
    try:
        st = real.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise fail(f"cannot write {out} ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise fail(f"--out {out} is a folder: name a file")
    if stat.S_ISREG(st.st_mode) and not force:
        raise fail(f"{out} exists: pass --force to replace it")


def _library_names() -> tuple[str, ...]:
    from albumen.store.sqlite import DB_FILENAME
    from albumen.store.sqlite.repository import SCAN_LOCK_FILENAME
    from albumen.thumbnails.disk import THUMBS_DIRNAME
    from albumen.thumbnails.stats import STATS_FILENAME

    return (DB_FILENAME, SCAN_LOCK_FILENAME, THUMBS_DIRNAME, STATS_FILENAME)


def _write_output(out: Path, data: bytes) -> None:
    """Write ``data`` to ``out``: a regular file through a temporary file renamed into place
    (never half a file), anything else (``/dev/null``, a FIFO someone reads) directly, without
    blocking when no one reads."""
    try:
        st: os.stat_result | None = os.stat(out)
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(out, flags)
        try:
            os.set_blocking(fd, True)
            with os.fdopen(fd, "wb", closefd=False) as f:
                f.write(data)
        finally:
            os.close(fd)
        return
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "xb") as f:
            f.write(data)
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


@app.command("thumb", help=THUMB_HELP)
def thumb(
    root: RootArg,
    path: Annotated[
        Path,
        typer.Argument(
            help="The photo or video: relative to ROOT (as `albumen ls` lists it), or any "
            "other path.",
            metavar="PATH",
            readable=False,
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="Where to write the JPEG: a file outside ROOT (not an existing one unless "
            "--force), or - for the standard output.",
            metavar="FILE",
        ),
    ],
    size: Annotated[int, typer.Option("--size", min=8, max=4096, help="Longest side, px.")] = 256,
    library: LibraryOpt = None,
    store: StoreOpt = None,
    force: Annotated[
        bool, typer.Option("--force", "-f", help="Replace --out if it is an existing file.")
    ] = False,
) -> None:
    import sys

    from albumen.errors import AssetNotFoundError, ThumbnailError
    from albumen.thumbnails.generator import AssetSource, MappingResolver
    from albumen.thumbnails.isolation import IsolatedThumbnailGenerator

    to_stdout = str(out) in _STDOUT_NAMES
    if to_stdout and sys.stdout.isatty():
        raise fail("the standard output is a terminal: redirect it to a file, or pass --out FILE")
    with open_library(root, library, store=store, workers=1) as lib:
        file = _find_file(path, lib.root)
        if not to_stdout:
            _check_output(out, lib.root, lib.library_dir, force)
        try:
            try:
                data = lib.thumbnail(file.absolute(), size)
            except AssetNotFoundError:  # not indexed (or outside ROOT): made directly, not cached
                from albumen._core import media_types

                kinds = {ext: kind for ext, kind, *_ in media_types()}
                kind = kinds.get(file.suffix.lower().lstrip("."), "photo")
                with IsolatedThumbnailGenerator(MappingResolver(), workers=1) as generator:
                    data = generator.generate_from(AssetSource(file, kind=kind), (size, size))
        except ThumbnailError as exc:
            raise fail(f"cannot make a thumbnail of {path}: {exc}") from exc
        except LibraryError as exc:
            raise fail(str(exc)) from None
    try:
        if to_stdout:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            _write_output(out, data)
    except BrokenPipeError:
        raise typer.Exit(code=1) from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO opened without blocking: no reader
            raise fail(f"cannot write {out}: it is a FIFO and nothing reads it") from None
        raise fail(f"cannot write {out} ({exc.strerror or exc})") from None
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        where = "standard output" if to_stdout else str(out)
        typer.echo(f"{where}: {im.width}x{im.height} JPEG, {len(data)} bytes", err=to_stdout)
