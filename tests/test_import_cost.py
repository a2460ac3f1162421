"""`import albumen` must stay cheap: no heavy imports until a component is used."""

import json
import subprocess
import sys

HEAVY = ("PySide6", "moderngl", "PIL", "numpy", "av", "pillow_heif", "rich", "typer")

PROBE = """
import json, sys, time
t0 = time.perf_counter()
import albumen
elapsed = time.perf_counter() - t0
print(json.dumps({"seconds": elapsed, "modules": sorted(sys.modules)}))
"""


def _import_once() -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(out)
    return result


def test_import_pulls_in_no_heavy_dependency() -> None:
    modules = _import_once()["modules"]
    assert isinstance(modules, list)
    loaded = {name.split(".")[0] for name in modules}
    assert not loaded & set(HEAVY), f"import albumen loaded {sorted(loaded & set(HEAVY))}"


def test_import_takes_at_most_50_ms() -> None:
    # best of a few runs: the first one may pay for a cold page cache
    seconds = min(float(str(_import_once()["seconds"])) for _ in range(3))
    assert seconds <= 0.050, f"import albumen took {seconds * 1000:.1f} ms"
