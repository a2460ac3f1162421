"""``albumen thumbs`` and ``albumen thumb``: make every missing thumbnail, or one.

``albumen stats`` shows the thumbnail caches per tier.
"""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import json
import os
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
)

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
        int | None, typer.Option("--workers", min=1, help="Worker threads (default: all cores).")
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
    except LibraryError as exc:  # the database or the cluster went away
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
        shown = os.fsencode(path).decode("utf-8", "replace")  # names that are not UTF-8
        out.print(f"  [red]failed[/] {escape(shown)}: {escape(message)}")
    if len(report.errors) > 10:
        out.print(f"  ... and {len(report.errors) - 10} more")


def _find_file(path: Path, root: Path) -> Path:
    """``path`` as given (or relative to the current folder), else relative to ROOT; a file
    that exists but cannot be looked at is an error that says so, not a traceback."""
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, root / path]
    for file in candidates:
        try:
            if file.is_file():
                return file
            if file.exists():
                raise fail(f"{path} is not a file")
        except OSError as exc:
            raise fail(f"cannot read {path} ({exc.strerror or exc})") from None
    raise fail(f"{path} is not a file")


@app.command("thumb", help=THUMB_HELP)
def thumb(
    root: RootArg,
    path: Annotated[
        Path,
        typer.Argument(
            help="The photo or video (relative to ROOT or not).", metavar="PATH", readable=False
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the JPEG.", metavar="FILE")
    ],
    size: Annotated[int, typer.Option("--size", min=8, max=4096, help="Longest side, px.")] = 256,
    library: LibraryOpt = None,
    store: StoreOpt = None,
) -> None:
    from albumen.errors import AssetNotFoundError, ThumbnailError
    from albumen.thumbnails.generator import AssetSource, DefaultThumbnailGenerator, MappingResolver

    with open_library(root, library, store=store, workers=1) as lib:
        file = _find_file(path, lib.root)
        try:
            try:
                data = lib.thumbnail(file.absolute(), size)
            except AssetNotFoundError:  # not indexed (or outside ROOT): made directly, not cached
                from albumen._core import media_types

                kinds = {ext: kind for ext, kind, *_ in media_types()}
                kind = kinds.get(file.suffix.lower().lstrip("."), "photo")
                generator = DefaultThumbnailGenerator(MappingResolver())
                data = generator.generate_from(AssetSource(file, kind=kind), (size, size))
        except ThumbnailError as exc:
            raise fail(f"cannot make a thumbnail of {path}: {exc}") from exc
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror or exc}") from exc
    from PIL import Image

    with Image.open(out) as im:
        typer.echo(f"{out}: {im.width}x{im.height} JPEG, {len(data)} bytes")
