"""One version number, from Cargo.toml: the package, the CLI and the installed metadata agree."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import albumen

CARGO_TOML = Path(__file__).resolve().parents[1] / "Cargo.toml"


def cargo_version() -> str:
    """``[package] version`` of Cargo.toml (tomllib on 3.11+, the one line on 3.10)."""
    text = CARGO_TOML.read_text()
    if sys.version_info >= (3, 11):
        import tomllib

        version = tomllib.loads(text)["package"]["version"]
        assert isinstance(version, str)
        return version
    package = text.split("[package]", 1)[1].split("\n[", 1)[0]
    found = re.search(r'^version\s*=\s*"([^"]+)"', package, re.MULTILINE)
    assert found is not None, "no version in Cargo.toml's [package] table"
    return found.group(1)


def test_package_cli_and_metadata_share_the_cargo_version() -> None:
    version = cargo_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert albumen.__version__ == version
    cli = Path(sys.executable).parent / "albumen"
    shown = subprocess.run([cli, "--version"], check=True, capture_output=True, text=True)
    assert shown.stdout.strip() == f"albumen {version}"
    assert importlib.metadata.version("albumen") == version


def test_changelog_has_an_entry_for_the_version() -> None:
    changelog = (CARGO_TOML.parent / "CHANGELOG.md").read_text()
    assert re.search(rf"^## \[?{re.escape(cargo_version())}\]?", changelog, re.MULTILINE)
