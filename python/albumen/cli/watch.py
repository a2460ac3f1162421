"""``albumen watch``: keep a library equal to its folder while files come, change and go."""

# No `from __future__ import annotations`: typer reads the annotations at runtime.

import json
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from albumen.cli.application import app
from albumen.cli.common import LibraryOpt, RootArg, StoreOpt, fail, open_library

if TYPE_CHECKING:
    from albumen.scan.watch import WatchBatch, WatchReport

WATCH_HELP = (
    "Follow ROOT and keep its library up to date until Ctrl-C: new, edited, renamed (the row "
    "and id kept) and deleted files land within a second; a burst of copied files is applied "
    "in a few batches. Scans first (what changed while nothing watched), and makes the "
    "thumbnails of new files in the background. Changes in the library folder and hidden "
    "files are ignored.\n\n"
    "Prints one line per applied batch and a summary at the end; with --json one JSON object "
    "per line instead (type catch_up, then batch, then summary). Exit status 0 after Ctrl-C; "
    "2: ROOT or the library folder cannot be used, or a scan of the library is running."
)


@app.command("watch", help=WATCH_HELP)
def watch(
    root: RootArg,
    library: LibraryOpt = None,
    store: StoreOpt = None,
    thumbnails: Annotated[
        bool,
        typer.Option(
            "--thumbnails/--no-thumbnails", help="Make thumbnails of new files meanwhile."
        ),
    ] = True,
    size: Annotated[
        int, typer.Option("--size", min=8, max=4096, help="Thumbnail size (longest side, px).")
    ] = 256,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", min=1, help="Probe threads (default: one per CPU core)."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON object per line: the catch-up scan (type catch_up), every applied "
            "batch (type batch: events, files, added, updated, moved, unchanged, removed, "
            "errors, seconds), and at the end the totals (type summary).",
        ),
    ] = False,
) -> None:
    from rich.console import Console

    from albumen.errors import LibraryError

    err = Console(stderr=True, markup=False)
    lib = open_library(root, library, store=store)

    def show(batch: "WatchBatch") -> None:
        if as_json:
            typer.echo(json.dumps(batch.to_json(), ensure_ascii=True))
        elif batch.catch_up:
            if bar is not None:
                bar.stop()
            err.print(
                f"watching {lib.root} ({batch.files} files indexed, "
                f"{_changes(batch)} since last time); Ctrl-C stops",
                soft_wrap=True,
            )
        else:
            typer.echo(f"{time.strftime('%H:%M:%S')}  {_changes(batch)}  ({batch.seconds:.2f} s)")
            for path, message in batch.errors[:5]:
                typer.echo(f"  cannot read {path}: {message}")

    bar = _CatchUpBar(err) if not as_json and err.is_terminal else None
    with lib:
        watcher = lib.watch(
            thumbnails=thumbnails,
            thumbnail_size=size,
            workers=workers,
            on_batch=show,
            progress=bar.update if bar is not None else None,
        )
        try:
            watcher.run()
        except LibraryError as exc:  # busy (a scan runs), or the folder cannot be watched
            raise fail(str(exc)) from None
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a watch ends: the watcher has shut down cleanly
        finally:
            if bar is not None:
                bar.stop()
    report = watcher.report
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=True))
    else:
        _print_summary(report)


class _CatchUpBar:
    """The progress bar of the catch-up scan (on a terminal), gone once the watch follows."""

    def __init__(self, console: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self.progress = Progress(
            "[bold]catching up[/bold]",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("scan", total=None)
        self.progress.start()

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def stop(self) -> None:
        self.progress.stop()


def _changes(batch: "WatchBatch") -> str:
    """'3 added, 1 moved, 2 removed': the counts that are not zero."""
    parts = [
        f"{n} {what}"
        for n, what in (
            (batch.added, "added"),
            (batch.updated - batch.moved, "updated"),
            (batch.moved, "moved"),
            (batch.removed, "removed"),
            (len(batch.errors), "unreadable"),
        )
        if n
    ]
    return ", ".join(parts) or "nothing to change"


def _print_summary(report: "WatchReport") -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"albumen watch of {report.root}", title_justify="left", show_header=False)
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    for name, value in (
        ("batches", report.batches),
        ("added", report.added),
        ("updated", report.updated),
        ("  of them moved", report.moved),
        ("removed", report.removed),
        ("unreadable", report.errors),
        *((f"thumbnails {k}", v) for k, v in report.thumbnails.items()),
    ):
        table.add_row(name, str(value))
    table.add_row("watched for", f"{report.seconds:.1f} s")
    Console(markup=False).print(table)
