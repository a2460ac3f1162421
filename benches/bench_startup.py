"""Start-up cost: ``import albumen`` and the ``albumen`` command against the bare interpreter,
measured in the same run.

Gates: ``import albumen`` takes at most 50 ms (it imports components lazily; which heavy
modules it must not import is a behaviour test, tests/test_import_cost.py); the command's gates
are below (what each command line imports is tests/test_cli_startup.py)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benches.conftest import COUNT, SCALE, measure

IMPORT_LIMIT = 0.050
ROUNDS = 7

# times the import inside a fresh interpreter (what a program that imports albumen pays)
PROBE = """
import json, time
t0 = time.perf_counter()
import albumen
print(json.dumps(time.perf_counter() - t0))
"""


def _process_seconds(code: str) -> float:
    """Wall time of a whole ``python -c code`` process, best of ``ROUNDS``."""
    best = float("inf")
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        best = min(best, time.perf_counter() - t0)
    return best


def _import_seconds() -> float:
    runs: list[float] = []
    for _ in range(ROUNDS):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
        ).stdout
        runs.append(float(json.loads(out)))
    return min(runs)  # best round: the first may pay for a cold page cache


def test_import_albumen_is_cheap(benchmark: Any) -> None:
    bare = _process_seconds("pass")
    whole = _process_seconds("import albumen")
    inside = benchmark.pedantic(_import_seconds, rounds=1, iterations=1)
    measure("startup", "python -c pass", bare)
    measure("startup", "python -c 'import albumen'", whole, vs={"python -c pass": None})
    measure("startup", "import albumen (inside the process)", inside, limit=IMPORT_LIMIT)
    print(
        f"\nimport albumen: {inside * 1e3:.1f} ms inside the process; whole process "
        f"{whole * 1e3:.1f} ms vs {bare * 1e3:.1f} ms for the bare interpreter "
        f"(+{(whole - bare) * 1e3:.1f} ms)"
    )
    assert inside <= IMPORT_LIMIT, f"import albumen took {inside * 1e3:.1f} ms (gate 50 ms)"


# -- the `albumen` command ----------------------------------------------------------------------
#
# Gate: `albumen --version` at most 40 ms more than the bare interpreter (the issue's). Target
# (reported; this machine's 2 cores are shared, so a wall-clock time of a few hundred ms is not
# asserted): an unchanged rescan of 10,000 files in at most 0.2 s of process wall time; its gate
# is the command's own CPU time over the same rescan through the Python API, at most 50 ms
# (100 ms at the reduced scale of `make test`, which may share the machine with other jobs:
# CPU times grow under load too, and tests/test_cli_startup.py checks what each command
# imports).
# Rounds are interleaved and the best of each is compared, so a busy moment of a shared machine
# hits every command alike.

VERSION_LIMIT = 0.040
RESCAN_LIMIT = 0.200
CLI_OVERHEAD_LIMIT = 0.050 if SCALE >= 1.0 else 0.100
CLI_ROUNDS = 15


def _compiled() -> None:
    """Byte-compile albumen first: an installed package has its .pyc files, a source tree run
    with PYTHONDONTWRITEBYTECODE (as CI may) would compile every module on every start."""
    import compileall

    import albumen

    compileall.compile_dir(albumen.__path__[0], quiet=1)


def _best_of(
    commands: dict[str, list[str]], rounds: int = CLI_ROUNDS
) -> dict[str, tuple[float, float]]:
    """Best ``(wall, CPU)`` seconds of each command line, the commands run in turn ``rounds``
    times."""
    best = dict.fromkeys(commands, (float("inf"), float("inf")))
    for _ in range(rounds):
        for name, argv in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            subprocess.run(argv, check=True, capture_output=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def _albumen(*args: str) -> list[str]:
    return [sys.executable, "-c", "from albumen.cli import main; main()", *args]


def test_cli_starts_at_once(benchmark: Any) -> None:
    _compiled()
    runs = benchmark.pedantic(
        _best_of,
        args=(
            {
                "bare": [sys.executable, "-c", "pass"],
                "version": _albumen("--version"),
                "help": _albumen("--help"),
                "scan help": _albumen("scan", "--help"),
            },
        ),
        rounds=1,
        iterations=1,
    )
    bare, version = runs["bare"][0], runs["version"][0]
    help_seconds, scan_help = runs["help"][0], runs["scan help"][0]
    measure("startup", "python -c pass", bare)
    measure(
        "startup",
        "albumen --version (process) - python -c pass",
        version - bare,
        limit=VERSION_LIMIT,
        process_seconds=version,
    )
    measure("startup", "albumen --help (process)", help_seconds, vs={"python -c pass": None})
    measure("startup", "albumen scan --help (process)", scan_help)
    print(
        f"\nalbumen --version {version * 1e3:.0f} ms (+{(version - bare) * 1e3:.0f} ms over "
        f"python -c pass, {bare * 1e3:.0f} ms); --help {help_seconds * 1e3:.0f} ms; "
        f"scan --help {scan_help * 1e3:.0f} ms"
    )
    assert version - bare <= VERSION_LIMIT, (
        f"albumen --version took {(version - bare) * 1e3:.0f} ms more than the bare interpreter"
    )


def test_cli_rescan_of_an_unchanged_library(benchmark: Any, bench_corpus: Path) -> None:
    _compiled()
    root = str(bench_corpus)
    subprocess.run(_albumen("scan", root, "--json"), check=True, capture_output=True)
    api = f"from albumen import Library; Library.open({root!r}).scan()"
    runs = benchmark.pedantic(
        _best_of,
        args=(
            {
                "bare": [sys.executable, "-c", "pass"],
                "api": [sys.executable, "-c", api],
                "cli": _albumen("scan", root, "--json"),
            },
        ),
        rounds=1,
        iterations=1,
    )
    (cli, cli_cpu), (api_seconds, api_cpu), (bare, _) = runs["cli"], runs["api"], runs["bare"]
    files = json.loads(
        subprocess.run(
            _albumen("scan", root, "--json"), check=True, capture_output=True, text=True
        ).stdout
    )
    assert files["unchanged"] == COUNT
    api_name = f"Library.open().scan() of {COUNT} unchanged files (process)"
    measure("startup", api_name, api_seconds, vs={"python -c pass": None})
    measure(
        "startup",
        f"albumen scan --json of {COUNT} unchanged files (process)",
        cli,
        vs={api_name: None},
        limit=RESCAN_LIMIT if COUNT >= 10_000 else None,
        cpu_seconds=cli_cpu,
        cli_overhead_cpu_seconds=cli_cpu - api_cpu,
    )
    print(
        f"\nalbumen scan --json, {COUNT} unchanged files: {cli * 1e3:.0f} ms of process wall "
        f"time, {cli_cpu * 1e3:.0f} ms CPU (the same scan through the Python API "
        f"{api_seconds * 1e3:.0f} ms, {api_cpu * 1e3:.0f} ms CPU; python -c pass "
        f"{bare * 1e3:.0f} ms; the scan itself {files['seconds'] * 1e3:.0f} ms)"
    )
    assert cli_cpu - api_cpu <= CLI_OVERHEAD_LIMIT, (
        f"the command costs {(cli_cpu - api_cpu) * 1e3:.0f} ms of CPU over the Python API"
    )
