"""Albumen's probe against ExifTool on real-world files (issue 14, item 9): ``make oracle``.

The files come from the source distributions of a few PyPI packages that ship their test
images and videos: Pillow's ``Tests/images`` (camera JPEGs, TIFFs, PNGs, WebP, GIF, AVIF and
many odd files), pillow-heif's HEIC/HEIF/AVIF samples, piexif's camera JPEGs (Canon, Casio,
Olympus, Panasonic, Pentax, Ricoh, Sigma, Sony) and pymediainfo's videos. The sdists are
downloaded once with pip into ``BUILD/sdists`` (pinned versions, so the numbers can be
compared between runs) and the files albumen indexes (``albumen._core.media_types()``) are
extracted into ``BUILD/files``; both are reused when present. Files with the same content are
compared once.

ExifTool reads every file (one batch), albumen's Rust probe reads every file, and each field
is compared with the rules of ``albumen.testing.oracle`` (the ones ``tests/test_formats_oracle.py``
applies to generated files). Printed: the files, the fields ExifTool reads, the agreement
overall and per field, and every disagreement (file, field, albumen's value, ExifTool's),
marked ``warned`` when albumen's record says in ``warnings`` that it could not read something.

A file ExifTool cannot read is left out, with the reason, unless albumen cannot read it
either (then both agree it is unreadable, and that counts as one agreeing field). So is a
file broken on purpose (its name says so: ``crash``, ``oom``, ``truncated``, ``broken``...)
that albumen reports as an error: ExifTool reads what it can of anything, so its reading is
no oracle for whether the file is sound. Such a file albumen reads without an error is
compared as any other. Any other file albumen refuses while ExifTool reads it is a
disagreement (field ``readable``).

Usage: ``python -m benches.oracle_realworld [BUILD_DIR] [--json REPORT]`` (default
``build/oracle``). Not a test and not part of ``make test``: it needs PyPI and ExifTool.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from albumen import _core
from albumen.testing.oracle import Comparison, comparisons, run_exiftool

#: (PyPI name, pinned version): the sdists whose test files are compared.
SDISTS = (
    ("pillow", "13.0.0"),
    ("pillow-heif", "1.8.1"),
    ("piexif", "1.1.3"),
    ("pymediainfo", "7.0.1"),
)

#: Names of files made broken on purpose (fuzzer finds, truncations, damaged headers).
BROKEN = re.compile(
    r"crash|oom|timeout|fuzz|truncat|broken|corrupt|damaged|invalid|bad|hopper_bad|"
    r"overflow|malformed|_bug|leak|notjpeg|unexpected",
    re.IGNORECASE,
)


#: Files broken on purpose whose names do not say so, and how (checked by hand).
KNOWN_BROKEN = {
    "ultrahdr.jpg": "cut short to 48 KB: its MPF says the primary image alone is 512,743 bytes",
    "seek_too_large.tif": "16 bytes: a BigTIFF header whose IFD offset is far past the end",
}


def broken_on_purpose(name: str) -> str | None:
    """Why the file is broken on purpose, when it is."""
    base = PurePosixPath(name).name
    if base in KNOWN_BROKEN:
        return KNOWN_BROKEN[base]
    return "its name says so" if BROKEN.search(name) else None


def extensions() -> set[str]:
    return {ext for ext, *_ in _core.media_types()}


def sdist_path(sdists: Path, name: str, version: str) -> Path | None:
    stem = f"{name.replace('-', '_')}-{version}"
    for candidate in sorted(sdists.glob("*")):
        base = candidate.name.lower().replace("-", "_")
        if base.startswith(stem.lower().replace("-", "_") + ".") and (
            base.endswith((".tar.gz", ".zip"))
        ):
            return candidate
    return None


def download(sdists: Path) -> list[Path]:
    """The pinned sdists, downloaded with pip only when not already in ``sdists``."""
    sdists.mkdir(parents=True, exist_ok=True)
    found = []
    for name, version in SDISTS:
        path = sdist_path(sdists, name, version)
        if path is None:
            print(f"downloading {name}=={version} (sdist) from PyPI", flush=True)
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                 "--no-binary", name, f"{name}=={version}", "-d", str(sdists)],
                check=True,
            )  # fmt: skip
            path = sdist_path(sdists, name, version)
            if path is None:
                raise SystemExit(f"pip downloaded no sdist of {name}=={version}")
        found.append(path)
    return found


def _members(archive: Path) -> Iterator[tuple[str, bytes]]:
    if archive.suffix == ".zip":
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                if not info.is_dir():
                    yield info.filename, z.read(info)
    else:
        with tarfile.open(archive) as t:
            for member in t:
                f = t.extractfile(member) if member.isfile() else None
                if f is not None:
                    yield member.name, f.read()


def extract(archive: Path, files: Path, wanted: set[str]) -> Path:
    """The media files of ``archive`` under ``files/<archive stem>`` (once: a ``.done`` file
    marks a finished extraction)."""
    stem = archive.name.removesuffix(".zip").removesuffix(".tar.gz")
    out = files / stem
    if (out / ".done").exists():
        return out
    shutil.rmtree(out, ignore_errors=True)
    for name, data in _members(archive):
        rel = PurePosixPath(name)
        if rel.is_absolute() or ".." in rel.parts or len(rel.parts) < 2:
            continue
        if rel.suffix.lower().lstrip(".") not in wanted:
            continue
        target = out.joinpath(*rel.parts[1:])  # without the archive's top folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    out.mkdir(parents=True, exist_ok=True)
    (out / ".done").touch()
    return out


@dataclass
class Report:
    files: int = 0
    duplicates: int = 0
    excluded: list[tuple[str, str]] = field(default_factory=list)
    compared: int = 0
    #: field -> [fields ExifTool reads, of them agreeing]
    per_field: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    total: int = 0
    total_agree: int = 0
    #: (file, field, albumen's value, ExifTool's, albumen's warnings)
    disagreements: list[tuple[str, str, Any, Any, str | None]] = field(default_factory=list)
    #: (file, albumen's warnings) of every compared file whose record has some
    warned: list[tuple[str, str]] = field(default_factory=list)

    @property
    def read(self) -> int:
        return sum(n for n, _ in self.per_field.values())

    @property
    def read_agree(self) -> int:
        return sum(a for _, a in self.per_field.values())

    def add(self, name: str, c: Comparison, warnings: str | None) -> None:
        field_name, got, want, ok = c
        self.total += 1
        self.total_agree += ok
        if want is not None:
            counts = self.per_field[field_name]
            counts[0] += 1
            counts[1] += ok
        if not ok:
            self.disagreements.append((name, field_name, got, want, warnings))


def collect(files: Path, wanted: set[str]) -> tuple[list[str], int]:
    """Relative paths of the media files below ``files``, one per distinct content."""
    seen: set[str] = set()
    out: list[str] = []
    duplicates = 0
    for path in sorted(p for p in files.rglob("*") if p.is_file()):
        if path.suffix.lower().lstrip(".") not in wanted:
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            duplicates += 1
            continue
        seen.add(digest)
        out.append(path.relative_to(files).as_posix())
    return out, duplicates


def measure(files: Path, names: list[str]) -> Report:
    report = Report(files=len(names))
    oracle = run_exiftool([files / n for n in names])
    records: dict[str, dict[str, Any]] = {}
    for batch in _core.probe(files, names):
        for r in batch:
            records[r["path"]] = r
    for name in names:
        o = oracle.get(files / name, {})
        r = records[name]
        tool_error = o.get("ExifTool:Error") if o else "no output"
        if tool_error:
            if r["error"]:
                report.compared += 1
                report.add(name, ("readable", False, False, True), r["warnings"])
            else:
                report.excluded.append((name, f"ExifTool cannot read it ({tool_error})"))
            continue
        why = broken_on_purpose(name)
        if why and r["error"]:
            # ExifTool reads what it can of anything; albumen's error is the point of the file
            report.excluded.append((name, f"broken on purpose ({why}); albumen: {r['error']}"))
            continue
        report.compared += 1
        if r["warnings"]:
            report.warned.append((name, r["warnings"]))
        if r["error"]:
            report.add(name, ("readable", r["error"], True, False), r["warnings"])
        for c in comparisons(o, r):
            report.add(name, c, r["warnings"])
    return report


def show(report: Report, limit: int | None) -> None:
    print(f"\nfiles: {report.files} distinct ({report.duplicates} duplicates left out)")
    print(f"excluded: {len(report.excluded)}")
    for name, why in report.excluded:
        print(f"  {name}: {why}")
    read, agree = report.read, report.read_agree
    print(
        f"\ncompared: {report.compared} files; fields ExifTool reads: {read}, agreeing "
        f"{agree} ({100 * agree / max(read, 1):.2f} %); with the fields it does not read "
        f"(albumen must leave them empty): {report.total_agree}/{report.total} "
        f"({100 * report.total_agree / max(report.total, 1):.2f} %)"
    )
    print(f"\n{'field':<16}{'read':>7}{'agree':>7}{'%':>9}")
    for name, (n, a) in sorted(report.per_field.items()):
        print(f"{name:<16}{n:>7}{a:>7}{100 * a / n:>8.2f}%")
    kinds = Counter(f for _, f, *_ in report.disagreements)
    warned = sum(1 for *_, w in report.disagreements if w)
    print(
        f"\ndisagreements: {len(report.disagreements)} ({warned} with a warning in the record); "
        + ", ".join(f"{k} {n}" for k, n in kinds.most_common())
    )
    for name, field_name, got, want, warnings in report.disagreements[:limit]:
        mark = f"  [warned: {warnings}]" if warnings else ""
        print(f"  {name}: {field_name}: albumen {got!r}, ExifTool {want!r}{mark}")
    print(f"\nrecords with warnings (metadata albumen could not read): {len(report.warned)}")
    for name, warnings in report.warned[:limit]:
        print(f"  {name}: {warnings}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", nargs="?", default="build/oracle", type=Path)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--limit", type=int, help="print at most this many disagreements")
    args = parser.parse_args(argv)
    if shutil.which("exiftool") is None:
        print("make oracle: needs exiftool (Debian: libimage-exiftool-perl)", file=sys.stderr)
        return 2
    wanted = extensions()
    build: Path = args.build
    files = build / "files"
    for archive in download(build / "sdists"):
        extract(archive, files, wanted)
    names, duplicates = collect(files, wanted)
    report = measure(files, names)
    report.duplicates = duplicates
    show(report, args.limit)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "files": report.files,
                    "compared": report.compared,
                    "excluded": report.excluded,
                    "read": report.read,
                    "read_agree": report.read_agree,
                    "per_field": report.per_field,
                    "disagreements": report.disagreements,
                    "warned": report.warned,
                },
                indent=1,
                default=str,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
