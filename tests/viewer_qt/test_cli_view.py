"""``albumen view`` from the command line: without the extra it says how to install it;
``--screenshot`` saves the fully painted window and exits, on Qt's offscreen platform and
under Xvfb (the OpenGL detail view in a real window), the known photo upright in both."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from albumen.cli import app
from PIL import Image
from typer.testing import CliRunner

from viewer_qt.media import BLUE, GREEN, RED, in_box


def test_without_the_extra_one_line_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import albumen.cli.view as view

    monkeypatch.setattr(view, "viewer_missing", lambda: "PySide6")
    result = CliRunner().invoke(app, ["view", "."])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'albumen[viewer]'" in lines[0]


def run_view(root: Path, out: Path, env: dict[str, str], *extra: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "albumen.cli", "view", str(root), "--screenshot", str(out), *extra],
        env=env,
        check=True,
        timeout=240,
        capture_output=True,
    )


def test_screenshots_offscreen(library_root: Path, tmp_path: Path, egl: None) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    gallery, detail = tmp_path / "gallery.png", tmp_path / "detail.png"
    run_view(library_root, gallery, env, "--select", "0")
    run_view(library_root, detail, env, "--select", "0", "--detail")
    for path in (gallery, detail):
        with Image.open(path) as im:
            assert im.size == (1600, 1000)
            colours = {c for _, c in im.convert("RGB").getcolors(1 << 20) or []}
            assert any(in_box(c, RED, 20) for c in colours)


def test_the_gl_detail_view_under_xvfb(library_root: Path, tmp_path: Path, xvfb: str) -> None:
    """A real QOpenGLWidget on an X server: the known photo upright in the gallery and the
    detail view (pixels read back from the widgets), then a window screenshot."""
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": xvfb}
    tests_dir = str(Path(__file__).resolve().parent.parent)
    probe = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("xvfb_probe.py")), str(library_root)],
        env={**env, "PYTHONPATH": os.pathsep.join([tests_dir, env.get("PYTHONPATH", "")])},
        check=True,
        timeout=240,
        capture_output=True,
        text=True,
    )
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    assert result["canvas"] == "GlCanvas"
    for place in ("gallery", "detail"):
        red, blue, green = (tuple(c) for c in result[place])
        assert in_box(red, RED) and in_box(blue, BLUE) and in_box(green, GREEN), result
    shot = tmp_path / "xvfb-detail.png"
    run_view(library_root, shot, env, "--select", "0", "--detail")
    with Image.open(shot) as im:
        assert im.size == (1600, 1000)
