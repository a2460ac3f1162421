"""`import albumen` must stay cheap: no heavy imports until a component is used. (How long it
takes is a benchmark gate: benches/bench_startup.py.)"""

import json
import subprocess
import sys

HEAVY = ("PySide6", "moderngl", "PIL", "numpy", "av", "pillow_heif", "rich", "typer")

PROBE = """
import json, sys
import albumen
print(json.dumps({"modules": sorted(sys.modules)}))
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
