"""Rewrite the golden report.json files from the current code: python tests/golden/update.py"""

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.test_golden import GOLDEN, SPECS, report_view

for name in SPECS:
    with tempfile.TemporaryDirectory() as out:
        view = report_view(name, Path(out))
    (GOLDEN / f"{name}.report.json").write_text(json.dumps(view, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN / f'{name}.report.json'}")
