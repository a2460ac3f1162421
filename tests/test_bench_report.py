"""benches/report.py turns the recorded measurements into report.json and one plot per group."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benches.report import main

RESULTS = {
    "scale": 0.5,
    "measurements": [
        {"group": "scan", "name": "albumen", "seconds": 0.5, "limit": 1.0,
         "vs": {"python": 3.0, "exiftool": 100.0}},
        {"group": "scan", "name": "python", "seconds": 2.0},
        {"group": "scan", "name": "exiftool", "seconds": 20.0},
        {"group": "grid", "name": "rust", "seconds": 2e-7, "limit": 1e-7, "unit": "call",
         "vs": {"py": None}, "info": {"note": "x"}},
        {"group": "grid", "name": "py", "seconds": 1e-6, "unit": "call"},
        {"group": "grid", "name": "alone", "seconds": 0.01},
    ],
}  # fmt: skip


def test_report_pairs_every_measurement_with_its_references(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    assert main([str(tmp_path)]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["scale"] == 0.5 and report["groups"] == ["grid", "scan"]
    rows = {(e["name"], e.get("reference")): e for e in report["benchmarks"]}
    vs_python = rows[("albumen", "python")]
    assert vs_python["ratio"] == pytest.approx(4.0)
    assert (vs_python["reference_seconds"], vs_python["target_ratio"]) == (2.0, 3.0)
    assert vs_python["met"] is True and vs_python["target"] == "<= 1 s, >= 3x the reference"
    vs_exiftool = rows[("albumen", "exiftool")]
    assert vs_exiftool["ratio"] == pytest.approx(40.0) and vs_exiftool["met"] is False
    rust = rows[("rust", "py")]
    assert rust["ratio"] == pytest.approx(5.0) and rust["met"] is False  # over its 0.1 us limit
    assert rust["unit"] == "call" and rust["info"] == {"note": "x"}
    alone = rows[("alone", None)]
    assert alone["ratio"] is None and alone["met"] is None and alone["role"] == "albumen"
    assert rows[("python", None)]["role"] == "reference"
    assert len(report["benchmarks"]) == 7
    for name in ("scan", "grid", "benchmarks"):
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_without_results_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 1
    assert "make bench" in capsys.readouterr().err
