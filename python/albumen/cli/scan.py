"""``albumen scan`` and ``albumen ls``: index a folder and list what the index holds."""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import itertools
import json
import sys
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Any

import typer

from albumen.cli.application import app
from albumen.cli.common import (
    ClusterOpt,
    LibraryOpt,
    RootArg,
    StoreOpt,
    cluster_runner,
    fail,
    json_path,
    open_library,
    printable,
)
from albumen.errors import LibraryError
from albumen.scan.scanner import MAX_WORKERS

if TYPE_CHECKING:
    from albumen.scan.live_photos import LivePair
    from albumen.store.assets import Asset

# Columns `albumen ls --json` prints, in order.
LS_FIELDS = (
    "id",
    "path",
    "kind",
    "mime",
    "size",
    "mtime",
    "width",
    "height",
    "orientation",
    "captured_at",
    "captured_at_source",
    "make",
    "model",
    "lens",
    "iso",
    "f_number",
    "exposure_time",
    "focal_length",
    "gps_lat",
    "gps_lon",
    "gps_alt",
    "duration",
    "codec",
    "frame_rate",
    "content_id",
    "live_partner",
    "error",
    "warnings",
)


def _display(text: str) -> str:
    """A file name (or any text from a file) safe to print: bytes that are not UTF-8 become
    U+FFFD and control characters show as escapes (``common.printable``)."""
    return printable(text)


def format_captured(captured_at: datetime | None) -> str | None:
    """ISO 8601 capture time (milliseconds when it has them), with its UTC offset when
    known."""
    if captured_at is None:
        return None
    return captured_at.isoformat(timespec="milliseconds" if captured_at.microsecond else "seconds")


def format_mtime(mtime_ns: int | None) -> str | None:
    """ISO 8601 UTC modification time (microsecond precision)."""
    if mtime_ns is None:
        return None
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (epoch + timedelta(microseconds=mtime_ns // 1000)).isoformat()


def ls_record(asset: "Asset", partners: dict[int, str] | None = None) -> dict[str, Any]:
    """One asset in the shape ``albumen ls --json`` prints. ``partners`` maps rowids to
    paths, to show a Live Photo's ``live_partner`` as the partner's path. A name that is not
    UTF-8 is shown with U+FFFD and its exact bytes follow as ``path_bytes`` (base64), and
    likewise ``live_partner_bytes``: every line is valid UTF-8 JSON."""
    out: dict[str, Any] = {}
    for name in LS_FIELDS:
        if name == "path":
            out.update(json_path(asset.path_bytes))
        elif name == "live_partner":
            partner = (
                None if asset.live_partner is None else (partners or {}).get(asset.live_partner)
            )
            if partner is None:
                out[name] = None
            else:
                out.update(json_path(partner, "live_partner"))
        elif name == "mtime":
            out[name] = format_mtime(asset.mtime_ns)
        elif name == "captured_at":
            out[name] = format_captured(asset.captured_at)
        else:
            out[name] = getattr(asset, name)
    return out


SCAN_HELP = (
    "Index ROOT: find every photo and video below it and store what they hold.\n\n"
    "The first scan reads every file; later scans read only new and changed files, drop "
    "deleted ones and keep moved ones (matched by content). Files that cannot be read are "
    "listed as errors and the scan goes on (exit status 0). With --cluster the files are "
    "probed on a Dask cluster, into the --store database. A scan that would remove most of "
    "the index (more than half of it, and more than 100 files: an unmounted disk looks like "
    "that) removes nothing and stops, unless --allow-mass-removal is given or you confirm on "
    "a terminal. Exit status 2: ROOT, the library folder, the database or the cluster cannot "
    "be used, or a mass removal was refused; 130: interrupted (run it again to finish)."
)
LS_HELP = (
    "List the indexed assets of ROOT, ordered by path (run `albumen scan ROOT` first).\n\n"
    "Shows a table, or with --json one JSON object per line. The motion halves of Live "
    "Photos are hidden unless --all is given; --live lists the Live Photo pairs instead."
)


@app.command(help=SCAN_HELP)
def scan(
    root: RootArg,
    library: LibraryOpt = None,
    store: StoreOpt = None,
    cluster: ClusterOpt = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            max=MAX_WORKERS,
            help=f"Probe threads, at most {MAX_WORKERS} (default: one per CPU core).",
        ),
    ] = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object (root, files, added, updated, moved, unchanged, "
            "removed, errors, seconds, cancelled) instead of the progress bar and table.",
        ),
    ] = False,
    allow_mass_removal: Annotated[
        bool,
        typer.Option(
            "--allow-mass-removal",
            help="Remove the files that are gone even when they are most of the index.",
        ),
    ] = False,
) -> None:
    runner = cluster_runner() if cluster is not None else None
    lib = open_library(root, library, store=store)
    show_bar = not json_output and sys.stderr.isatty()  # rich is imported for the bar only
    bar: list[Any] = []  # the live progress bar, stopped before a question is asked

    def confirm(would_remove: int, indexed: int) -> bool:
        if allow_mass_removal:
            return True
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            return False
        for live in bar:
            live.stop()
        return typer.confirm(
            f"The files of {would_remove} of the {indexed} indexed assets are gone from "
            f"{_display(str(lib.root))} (is a disk unmounted?). Remove them from the index?",
            default=False,
            err=True,
        )

    def run(progress: Any = None) -> Any:
        if runner is None:  # a bar follows the library's ScanProgressEvents
            return lib.scan(workers=workers, allow_mass_removal=confirm)
        return runner.scan_on_cluster(lib, cluster, progress=progress, allow_mass_removal=confirm)

    try:
        with lib:
            report = _scan_with_bar(lib, run, bar) if show_bar else run()
    except LibraryError as exc:  # busy, a refused mass removal, the database or cluster gone
        raise fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo(
            "albumen: interrupted; what was indexed so far is kept: run the scan again to finish",
            err=True,
        )
        raise typer.Exit(code=130) from None

    if json_output:
        data = report.to_json()
        typer.echo(json.dumps(data, ensure_ascii=True))
        return
    _print_summary(report)


def _scan_with_bar(lib: Any, run: Any, bars: list[Any]) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from albumen.events import EventBus, ScanProgressEvent

    labels = {"walk": "indexing", "probe": "indexing", "write": "finishing", "finish": "done"}
    with Progress(
        TextColumn("[bold]{task.description}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        bars.append(bar)
        task = bar.add_task("walking", total=None)  # until the walk has counted the files

        def show(event: ScanProgressEvent) -> None:
            description = labels.get(event.phase.value, event.phase.value)
            bar.update(task, completed=event.processed, total=event.total, description=description)

        def progress(processed: int, total: int) -> None:  # a cluster scan's steps
            bar.update(task, completed=processed, total=total, description="indexing")

        if lib.event_bus is None:
            lib.event_bus = EventBus()
        lib.event_bus.subscribe(ScanProgressEvent, show)
        return run(progress)


def _print_summary(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(markup=False)  # file names are text: "[red]x.jpg" prints as is
    # the root on a line of its own: as the narrow table's title it broke mid-name
    console.print(f"albumen scan of {_display(str(report.root))}", style="italic", soft_wrap=True)
    table = Table(show_header=False)
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    rows = [
        ("files", report.files),
        ("added", report.added),
        ("updated", report.updated),
        ("  of them moved", report.moved),
        ("unchanged", report.unchanged),
        ("removed", report.removed),
        ("errors", len(report.errors)),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    table.add_row("seconds", f"{report.seconds:.3f}")
    console.print(table)
    if report.errors:
        shown = report.errors[:20]
        errors = Table(title="files and folders that could not be read", title_justify="left")
        errors.add_column("path", overflow="fold")
        errors.add_column("error", overflow="fold")
        for path, message in shown:
            errors.add_row(_display(path), _display(message))
        console.print(errors)
        if len(report.errors) > len(shown):
            console.print(
                f"... and {len(report.errors) - len(shown)} more: "
                f"`albumen scan {_display(str(report.root))} --json` lists them all"
            )


@app.command("ls", help=LS_HELP)
def ls(
    root: RootArg,
    library: LibraryOpt = None,
    store: StoreOpt = None,
    json_output: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print one JSON object per asset per line (id, path relative to ROOT, kind, "
            "mime, size, mtime, width, height, orientation, captured_at, captured_at_source, "
            "make, model, lens, iso, f_number, exposure_time, focal_length, gps_lat, gps_lon, "
            "gps_alt, duration, codec, frame_rate, content_id, live_partner (the partner's "
            "path), error). A name that is not UTF-8 shows U+FFFD in path and has its exact "
            "bytes, base64, in path_bytes.",
        ),
    ] = False,
    limit: Annotated[
        int | None, typer.Option("--limit", "-n", min=0, help="Show at most N assets.")
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option("--all", "-a", help="Also list hidden assets (motion halves of Live Photos)."),
    ] = False,
    live: Annotated[
        bool,
        typer.Option(
            "--live",
            help="List Live Photo pairs (still, motion, confidence) instead of assets; with "
            "--json one object per pair.",
        ),
    ] = False,
) -> None:
    from albumen.store.query import AssetQuery, SortOrder

    lib = open_library(root, library, store=store, create=False)
    with lib:
        if live:
            _print_live(lib.live_pairs(), json_output, limit)
            return
        partners = lib.partner_paths()
        query = AssetQuery(include_hidden=show_all, sort=SortOrder.NAME_ASC)
        rows = itertools.islice(lib.assets(query), limit)
        if json_output:
            out = sys.stdout
            for row in rows:
                out.write(json.dumps(ls_record(row, partners), ensure_ascii=True))
                out.write("\n")
            out.flush()
            return
        hidden = 0 if show_all else lib.hidden_count()
        _print_table(rows, len(lib) - hidden, limit, hidden)


def _print_live(pairs: list["LivePair"], json_output: bool, limit: int | None) -> None:
    shown = pairs if limit is None else pairs[:limit]
    if json_output:
        for still, motion, confidence in shown:
            record = {
                **json_path(still, "still"),
                **json_path(motion, "motion"),
                "confidence": confidence,
            }
            sys.stdout.write(json.dumps(record, ensure_ascii=True) + "\n")
        sys.stdout.flush()
        return
    from rich.console import Console
    from rich.table import Table

    noun = "pair" if len(pairs) == 1 else "pairs"
    table = Table(title=f"{len(pairs)} Live Photo {noun}", title_justify="left")
    table.add_column("Still")
    table.add_column("Motion")
    table.add_column("Confidence", justify="right")
    for still, motion, confidence in shown:
        table.add_row(_display(still), _display(motion), f"{confidence:.1f}")
    Console(markup=False).print(table)


def _print_table(rows: Iterable["Asset"], total: int, limit: int | None, hidden: int = 0) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(markup=False)
    wide = console.width >= 120  # pixels and exposure only when there is room for them
    records = [ls_record(row) for row in rows]
    show_kind = any(r["kind"] != "photo" for r in records)
    show_error = any(r["error"] for r in records)
    table = Table()
    table.add_column("path", overflow="fold")
    if show_kind:
        table.add_column("kind")
    table.add_column("size", justify="right", no_wrap=True)
    if wide:
        table.add_column("pixels", justify="right", no_wrap=True)
    table.add_column("captured", no_wrap=True)
    table.add_column("camera", overflow="fold", max_width=16 if wide else 12)
    if wide:
        table.add_column("exposure", overflow="fold", max_width=20)
    if show_error:
        table.add_column("error", style="red", overflow="fold", max_width=30)
    for rec in records:
        dims = f"{rec['width']}x{rec['height']}" if rec["width"] and rec["height"] else ""
        model = rec["model"] or ""
        make = rec["make"] or ""
        # most models already start with the make ("Canon EOS R5"); don't repeat it
        camera = model if make.split(" ")[0].lower() in model.lower() else f"{make} {model}"
        exposure = []
        if rec["exposure_time"]:
            t = rec["exposure_time"]
            exposure.append(f"1/{round(1 / t)}s" if t < 1 else f"{t:g}s")
        if rec["f_number"]:
            exposure.append(f"f/{rec['f_number']:g}")
        if rec["iso"]:
            exposure.append(f"ISO {rec['iso']}")
        captured = (rec["captured_at"] or "")[: 16 if wide else 10].replace("T", " ")
        cells = [rec["path"]]
        if show_kind:
            cells.append(rec["kind"] or "")
        cells.append(_human_size(rec["size"]))
        if wide:
            cells.append(dims)
        cells += [captured, camera.strip()]
        if wide:
            cells.append(" ".join(exposure))
        if show_error:
            cells.append(rec["error"] or "")
        # every cell may hold text from a file (a name, a camera string, an error message)
        table.add_row(*(_display(str(cell)) for cell in cells))
    console.print(table)
    more = f" (showing {len(records)})" if limit is not None and len(records) < total else ""
    extra = f"; {hidden} hidden (Live Photo motion halves: --all lists them)" if hidden else ""
    console.print(f"{total} asset{'' if total == 1 else 's'}{more}{extra}")


def _human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} TB"
