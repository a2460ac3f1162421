"""`albumen stats ROOT [--memory]` over a synthetic library."""

from __future__ import annotations

import json
from pathlib import Path

from albumen.cli import app
from albumen.testing.synthetic import build_library
from typer.testing import CliRunner


def test_stats_counts_and_memory(tmp_path: Path) -> None:
    (tmp_path / ".albumen").mkdir()
    build_library(tmp_path / ".albumen" / "library.db", 3000, hidden_fraction=0.01)
    result = CliRunner().invoke(app, ["stats", str(tmp_path), "--memory", "--pages", "3", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["assets"] == 3000
    assert stats["photos"] + stats["videos"] == 3000
    assert stats["visible"] + stats["hidden"] == 3000 and stats["hidden"] > 0
    assert 0 < stats["errors"] < 100 and 0 < stats["located"] < 3000
    assert stats["folders"] == 150
    mem = stats["memory"]
    assert mem["loaded_rows"] == 600 and 50 < mem["packed_bytes_per_row"] < 200
    assert mem["rss_mb"] > 5 and mem["estimated_mb_for_all_rows"] < 1


def test_stats_text_output(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    lib.mkdir()
    build_library(lib / "library.db", 100)
    result = CliRunner().invoke(app, ["stats", str(tmp_path), "--library", str(lib)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["root", str(tmp_path)]
    assert "assets                         100" in lines  # one aligned line per figure
    assert any(line.startswith("thumbnails:") for line in lines)


def test_stats_without_a_library_fails_cleanly(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["stats", str(tmp_path)])
    assert result.exit_code == 2
    assert "albumen scan" in result.output
