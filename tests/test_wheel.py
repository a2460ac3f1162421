"""The prebuilt wheel works on a machine with no Rust toolchain.

Builds the abi3 wheel with maturin (release; cargo reuses the `make build` artifacts, so this is
quick after a build), checks it with auditwheel, installs it into a fresh venv whose PATH has no
cargo or rustc, and uses it as a new user would: --help, --version, import, a scan and a
thumbnail run of a generated library. Dependencies come from PyPI (pip's own configuration and
cache are kept).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path

import albumen
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOOLCHAIN = ("cargo", "rustc", "rustup", "maturin")
# the variables that would point the fresh venv back at this one
DROPPED_ENV = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "CONDA_PREFIX")

pytestmark = [
    pytest.mark.timeout(900),
    pytest.mark.skipif(
        shutil.which("maturin", path=str(BIN)) is None or shutil.which("cargo") is None,
        reason="building the wheel needs maturin (dev extra) and cargo",
    ),
]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [BIN / "maturin", "build", "--release", "-o", out],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    (path,) = out.glob("albumen-*.whl")
    return path


def glibc(tag: str) -> tuple[int, int]:
    """(major, minor) of a ``manylinux_X_Y_arch`` (or legacy ``manylinux2014``) tag."""
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    for name, version in legacy.items():
        if tag.startswith(name + "_"):
            return version
    found = re.match(r"manylinux_(\d+)_(\d+)_", tag)
    assert found is not None, tag
    return int(found.group(1)), int(found.group(2))


def test_wheel_is_abi3_manylinux_typed_and_versioned(wheel: Path) -> None:
    name, version, python_tag, abi_tag, platform_tag = wheel.stem.split("-")
    assert (name, version) == ("albumen", albumen.__version__)
    assert (python_tag, abi_tag) == ("cp310", "abi3")
    assert platform_tag.startswith("manylinux")

    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"albumen-{version}.dist-info/METADATA").decode()
        entry_points = zf.read(f"albumen-{version}.dist-info/entry_points.txt").decode()
    assert {"albumen/py.typed", "albumen/_core.pyi", "albumen/__init__.py"} <= names
    core = sorted(n for n in names if n.startswith("albumen/_core."))
    assert core == ["albumen/_core.abi3.so", "albumen/_core.pyi"]
    assert not [n for n in names if n.startswith(("tests/", "benches/", "rust/"))]
    assert f"\nVersion: {version}\n" in metadata
    assert "\nRequires-Python: >=3.10\n" in metadata
    assert re.search(r"^albumen\s*=\s*albumen\.cli:main$", entry_points, re.MULTILINE)

    shown = subprocess.run(
        [BIN / "auditwheel", "show", wheel], check=True, capture_output=True, text=True
    ).stdout
    consistent = re.search(r'consistent with\s+the following platform tag:\s+"([^"]+)"', shown)
    assert consistent is not None, shown
    # the tag the wheel claims is no more permissive than the symbols it uses allow
    assert glibc(platform_tag) >= glibc(consistent.group(1)), shown
    assert "libpython" not in shown  # abi3: the extension does not link libpython
    print(
        f"\nwheel {wheel.name}: {wheel.stat().st_size / 1e6:.2f} MB; "
        f"auditwheel: consistent with {consistent.group(1)}"
    )


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """A new venv, and an environment whose PATH reaches no Rust toolchain and no other venv."""
    base = tmp_path_factory.mktemp("fresh")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=True, clear=True)
    vbin = env_dir / "bin"
    kept = [
        d
        for d in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
        if d
        and Path(d).resolve() != BIN.resolve()
        and not any(shutil.which(tool, path=d) for tool in TOOLCHAIN)
    ]
    path = os.pathsep.join([str(vbin), *kept])
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    env.update(PATH=path, LANG="C.UTF-8", PYTHONNOUSERSITE="1")
    for tool in TOOLCHAIN:
        assert shutil.which(tool, path=path) is None, f"{tool} is reachable"
    yield env_dir, env
    shutil.rmtree(base, ignore_errors=True)


def test_wheel_installs_and_runs_without_rust(
    wheel: Path, fresh_env: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    env_dir, env = fresh_env
    vbin = env_dir / "bin"

    def run(*args: object) -> str:
        done = subprocess.run(
            [str(a) for a in args], env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, f"{args}: {done.stderr[-4000:]}"
        return done.stdout

    run(vbin / "python", "-m", "pip", "install", "-q", "--no-input", wheel)
    assert "scan" in run(vbin / "albumen", "--help")
    assert run(vbin / "albumen", "--version").strip() == f"albumen {albumen.__version__}"
    imported = json.loads(
        run(
            vbin / "python",
            "-c",
            "import json, albumen, albumen._core as c; "
            "print(json.dumps([albumen.__version__, albumen.__file__, c.__file__]))",
        )
    )
    assert imported[0] == albumen.__version__
    # the installed copy, not this checkout
    assert all(Path(p).resolve().is_relative_to(env_dir.resolve()) for p in imported[1:])

    library = tmp_path / "photos"
    run(vbin / "python", "-m", "albumen.testing.corpus", library, "--count", "40")
    manifest = json.loads((library / "manifest.json").read_text())
    scan = json.loads(run(vbin / "albumen", "scan", library, "--json"))
    assert scan["files"] == scan["added"] == len(manifest["files"]) + len(manifest["broken"])
    assert {e["path"] for e in scan["errors"]} == set(manifest["unreadable"])
    readable = scan["files"] - len(manifest["unreadable"])  # damaged EXIF: sound pictures
    thumbs = json.loads(run(vbin / "albumen", "thumbs", library, "--json"))
    assert thumbs["generated"] == readable and thumbs["failed"] == 0
    again = json.loads(run(vbin / "albumen", "thumbs", library, "--json"))
    assert (again["generated"], again["cached"]) == (0, readable)
