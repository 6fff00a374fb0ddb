"""The compare benchmark's quick path runs through its main function, so the script cannot rot.
At 200 replicates only what holds with overwhelming probability is asserted: the union-bound
interval covers in every design (its true coverage is ≥ 95%), the gate rows meet their bounds."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys

from .conftest import ROOT


def test_quick_path_covers_in_every_design():
    spec = importlib.util.spec_from_file_location(
        "bench_compare", ROOT / "benchmarks" / "bench_compare.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert module.main(["--quick"])
    lines = printed.getvalue().splitlines()
    rows = [line.split(" | ") for line in lines if line.startswith("|") and "→" in line]
    assert len(rows) == 37  # 36 feasible rate designs and the AUROC row
    union = [float(row[3].split("%")[0]) for row in rows]
    assert min(union) >= 93.0
    gates = [line for line in printed.getvalue().splitlines() if line.endswith(("✓ |", "✗ |"))]
    assert len(gates) == 9 and all(line.endswith("✓ |") for line in gates)
