"""Turn what the benchmarks recorded into the benchmark report and its plots.

Every suite records its measurements with ``benches.conftest.measure`` (directly, or through
the scan suite's ``record`` and the browsing suites' ``note``); at the end of the pytest
session they are written to ``build/bench/results.json``. This script reads that file and
writes, beside it:

* ``report.json``: every benchmark with its albumen time, the reference it is compared with
  (measured in the same run), the ratio (reference / albumen: how many times faster albumen
  is), the target and whether it was met;
* ``<group>.png``: one plot per benchmark group, each albumen time beside its references;
* ``benchmarks.png``: all groups in one figure (the picture in the README).

Usage: ``python -m benches.report [BUILD_BENCH_DIR]`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ALBUMEN_COLOUR = "#1f77b4"
REFERENCE_COLOUR = "#9a9a9a"
LIMIT_COLOUR = "#d62728"


@dataclass(frozen=True)
class Row:
    """One recorded measurement, as read from results.json."""

    group: str
    name: str
    seconds: float
    vs: dict[str, float | None] = field(default_factory=dict)
    limit: float | None = None
    unit: str = "run"
    info: dict[str, Any] = field(default_factory=dict)


def load(path: Path) -> tuple[float, list[Row]]:
    data = json.loads(path.read_text())
    rows = [
        Row(
            group=str(m["group"]),
            name=str(m["name"]),
            seconds=float(m["seconds"]),
            vs={str(k): (None if v is None else float(v)) for k, v in m.get("vs", {}).items()},
            limit=None if m.get("limit") is None else float(m["limit"]),
            unit=str(m.get("unit", "run")),
            info=dict(m.get("info", {})),
        )
        for m in data["measurements"]
    ]
    return float(data.get("scale", 1.0)), rows


def references(rows: Sequence[Row]) -> set[tuple[str, str]]:
    """(group, name) of every measurement some other measurement is compared with."""
    return {(r.group, ref) for r in rows for ref in r.vs}


def build_report(scale: float, rows: Sequence[Row]) -> dict[str, Any]:
    """The JSON report: one entry per (albumen measurement, reference) pair, one per albumen
    measurement without a reference, and the references themselves."""
    by_key = {(r.group, r.name): r for r in rows}
    refs = references(rows)
    entries: list[dict[str, Any]] = []
    for r in rows:
        is_reference = (r.group, r.name) in refs and not r.vs
        base: dict[str, Any] = {
            "group": r.group,
            "name": r.name,
            "role": "reference" if is_reference else "albumen",
            "seconds": r.seconds,
            "unit": r.unit,
            "limit_seconds": r.limit,
            **({"info": r.info} if r.info else {}),
        }
        if is_reference:
            entries.append(base)
            continue
        pairs: list[tuple[str | None, float | None]] = list(r.vs.items()) or [(None, None)]
        for ref_name, min_ratio in pairs:
            ref = by_key.get((r.group, ref_name)) if ref_name is not None else None
            ratio = ref.seconds / r.seconds if ref is not None and r.seconds > 0 else None
            met = [r.seconds <= r.limit] if r.limit is not None else []
            if min_ratio is not None and ratio is not None:
                met.append(ratio >= min_ratio)
            entries.append(
                {
                    **base,
                    "reference": ref_name,
                    "reference_seconds": ref.seconds if ref is not None else None,
                    "ratio": ratio,
                    "target": describe_target(r.limit, min_ratio),
                    "target_ratio": min_ratio,
                    "met": all(met) if met else None,
                }
            )
    return {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "scale": scale,
        "groups": sorted({r.group for r in rows}),
        "benchmarks": entries,
    }


def describe_target(limit: float | None, min_ratio: float | None) -> str | None:
    parts = []
    if limit is not None:
        parts.append(f"<= {human(limit)}")
    if min_ratio is not None:
        parts.append(f">= {min_ratio:g}x the reference")
    return ", ".join(parts) or None


def human(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def plot_order(group_rows: Sequence[Row], refs: set[tuple[str, str]]) -> list[tuple[Row, str]]:
    """Bars top to bottom: each albumen measurement followed by its references (each
    reference once), then any reference nobody named."""
    by_name = {r.name: r for r in group_rows}
    order: list[tuple[Row, str]] = []
    shown: set[str] = set()
    for r in group_rows:
        if (r.group, r.name) in refs and not r.vs:
            continue
        order.append((r, "albumen"))
        shown.add(r.name)
        for ref_name in r.vs:
            ref = by_name.get(ref_name)
            if ref is not None and ref_name not in shown:
                order.append((ref, "reference"))
                shown.add(ref_name)
    order += [(r, "reference") for r in group_rows if r.name not in shown]
    return order


def draw_group(ax: Any, group: str, group_rows: Sequence[Row], refs: set[tuple[str, str]]) -> None:
    order = plot_order(group_rows, refs)
    by_name = {r.name: r for r in group_rows}
    ys = list(range(len(order)))[::-1]
    seconds = [r.seconds for r, _ in order]
    colours = [ALBUMEN_COLOUR if role == "albumen" else REFERENCE_COLOUR for _, role in order]
    ax.barh(ys, seconds, color=colours, height=0.7)
    ax.set_xscale("log")
    ax.set_yticks(ys)
    ax.set_yticklabels([r.name for r, _ in order], fontsize=8)
    lo = min(min(seconds), *(r.limit for r, _ in order if r.limit is not None), math.inf)
    hi = max(max(seconds), *(r.limit for r, _ in order if r.limit is not None), 0.0)
    ax.set_xlim(lo / 3, hi * 300)
    for y, (r, role) in zip(ys, order, strict=True):
        label = human(r.seconds)
        ratios = [by_name[ref].seconds / r.seconds for ref in r.vs if ref in by_name]
        if role == "albumen" and ratios and r.seconds > 0:
            # reference / albumen, in the order the references are named (and drawn)
            shown = (f"{x:.0f}x" if x >= 10 else f"{x:.2g}x" for x in ratios)
            label += "  (speedup " + ", ".join(shown) + ")"
        # right of the bar, and of its target mark
        ax.text(max(r.seconds, r.limit or 0.0) * 1.25, y, label, va="center", fontsize=7)
        if r.limit is not None:
            ax.plot([r.limit, r.limit], [y - 0.42, y + 0.42], color=LIMIT_COLOUR, linewidth=2)
    ax.set_title(group, fontsize=10, loc="left", fontweight="bold")
    ax.grid(axis="x", which="major", alpha=0.3)
    ax.set_axisbelow(True)


def legend(fig: Any) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    fig.legend(
        handles=[
            Patch(color=ALBUMEN_COLOUR, label="albumen"),
            Patch(color=REFERENCE_COLOUR, label="reference (same run)"),
            Line2D([], [], color=LIMIT_COLOUR, linewidth=2, label="target"),
        ],
        loc="lower center",
        ncol=3,
        fontsize=8,
        frameon=False,
    )


def write_plots(scale: float, rows: Sequence[Row], out: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    refs = references(rows)
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.group, []).append(r)
    written: list[Path] = []
    suffix = f"ALBUMEN_BENCH_SCALE={scale:g}; seconds, log scale; best round"
    for group, group_rows in groups.items():
        fig, ax = plt.subplots(figsize=(10, 1.2 + 0.38 * len(group_rows)))
        draw_group(ax, group, group_rows, refs)
        ax.set_xlabel(suffix, fontsize=8)
        legend(fig)
        fig.tight_layout(rect=(0, 0.06, 1, 1))
        path = out / f"{group}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        written.append(path)
    heights = [1.0 + 0.38 * len(g) for g in groups.values()]
    fig, axes = plt.subplots(
        len(groups),
        1,
        figsize=(10, sum(heights) + 0.8),
        gridspec_kw={"height_ratios": heights},
        squeeze=False,
    )
    for ax, (group, group_rows) in zip(axes[:, 0], groups.items(), strict=True):
        draw_group(ax, group, group_rows, refs)
    axes[-1, 0].set_xlabel(suffix, fontsize=8)
    fig.suptitle("albumen benchmarks against references measured in the same run", fontsize=11)
    legend(fig)
    fig.tight_layout(rect=(0, 0.03, 1, 0.975))
    path = out / "benchmarks.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("directory", nargs="?", type=Path, default=Path("build/bench"))
    parser.add_argument("--no-plots", action="store_true", help="write report.json only")
    args = parser.parse_args(argv)
    results = args.directory / "results.json"
    if not results.exists():
        print(f"{results} not found: run the benchmarks first (make bench)", file=sys.stderr)
        return 1
    scale, rows = load(results)
    report = build_report(scale, rows)
    (args.directory / "report.json").write_text(json.dumps(report, indent=2))
    print(f"wrote {args.directory / 'report.json'} ({len(report['benchmarks'])} entries)")
    if not args.no_plots:
        for path in write_plots(scale, rows, args.directory):
            print(f"wrote {path}")
    missed = [e for e in report["benchmarks"] if e.get("met") is False]
    for e in missed:
        print(f"target missed: {e['group']}: {e['name']} ({e['target']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
