"""The scale-out extras stay out of the way: opening a default library, or importing the
package, the store seam or the command line, never imports psycopg or Dask (only a
``postgresql://`` store and ``--cluster`` do)."""

import json
import subprocess
import sys

SCALE_OUT = {"psycopg", "psycopg_binary", "dask", "distributed"}

PROBE = """
import json, sys, tempfile
import albumen, albumen.store, albumen.library, albumen.cli
from albumen import Library
with tempfile.TemporaryDirectory() as root:
    with Library.open(root) as lib:
        lib.scan()
print(json.dumps(sorted(sys.modules)))
"""


def test_the_default_path_imports_neither_psycopg_nor_dask() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], check=True, capture_output=True, text=True
    ).stdout
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert not loaded & SCALE_OUT, f"the default path loaded {sorted(loaded & SCALE_OUT)}"
