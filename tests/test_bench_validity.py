"""The validity benchmark's quick path (issue 11, item 6) runs through its main function, so the
script cannot rot. Assertions are structural, plus facts that hold with overwhelming probability
even at the quick path's replicate counts (and one exact one); nothing is timed."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import sys

import pytest

from .conftest import ROOT

HEADINGS = (
    "### Headline",
    "### Read-off",
    "#### TPR difference",
    "#### selection-rate ratio",
    "#### AUROC difference",
    "#### equalized odds",
    "### Stress",
    "### Floor",
    "### Per-group rate intervals",
    "### Pairwise intervals",
    "### AUROC (DeLong)",
    "### AUROC on binned scores",
    "### LLM flip rates",
)


def _load():
    spec = importlib.util.spec_from_file_location(
        "bench_validity", ROOT / "benchmarks" / "bench_validity.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    bench = _load()
    path = tmp_path_factory.mktemp("bench") / "validity.json"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        returned = bench.main(["--quick", "--json", str(path)])
    return bench, printed.getvalue(), returned, json.loads(path.read_text(encoding="utf-8"))


def test_prints_every_section_as_markdown_tables(quick):
    _, markdown, _, _ = quick
    for heading in HEADINGS:
        assert heading in markdown
    assert "|---|" in markdown


def test_json_has_every_family_and_outcome_rates_that_add_up(quick):
    bench, _, returned, saved = quick
    assert set(saved) >= {
        "gates",
        "stress",
        "floor",
        "rate_coverage",
        "pair_coverage",
        "auroc_coverage",
        "binned_auroc",
        "llm_coverage",
    }
    assert len(saved["gates"]) == len(returned["gates"])
    assert {cell["family"] for cell in saved["gates"]} == {f.name for f in bench.FAMILIES}
    for cell in saved["gates"]:
        assert cell["reps"] > 0
        assert {"certify", "detect"} <= set(cell["rates"])
        for rates in cell["rates"].values():
            assert sum(rates.values()) == pytest.approx(1.0)


def test_detect_fails_a_large_gap_with_large_groups(quick):
    # true gap 1.5δ, 2,000 positives per group: P(FAIL) ≈ 0.9 per replicate
    bench, _, _, saved = quick
    cell = next(
        c
        for c in saved["gates"]
        if c["family"] == "rate"
        and c["k"] == 2
        and c["sizes"] == [2000, 2000]
        and c["true"] == pytest.approx(1.5 * bench.DELTA)
    )
    assert cell["rates"]["detect"]["fail"] > 0.5


def test_clopper_pearson_never_undercovers(quick):
    # exact sums over the binomial distribution: no Monte Carlo error
    _, _, _, saved = quick
    exact = [row for row in saved["rate_coverage"] if row["method"] == "clopper-pearson"]
    assert exact
    assert min(row["coverage"] for row in exact) >= 0.95 - 1e-9


def test_a_cell_is_reproducible(quick):
    bench = quick[0]
    family, sizes = bench.FAMILIES[0], bench.Sizes(50)
    first = bench.run_cell(family, 2, sizes, bench.DELTA, bench.QUICK)
    again = bench.run_cell(family, 2, sizes, bench.DELTA, bench.QUICK)
    assert first.as_json() == again.as_json()


def test_the_bound_only_widens_binned_auroc_intervals(quick):
    # the reported interval contains the binned one: it covers at least as often, and is wider
    _, _, _, saved = quick
    assert saved["binned_auroc"]
    for cell in saved["binned_auroc"]:
        for part in ("group", "difference"):
            assert cell[part]["widened"] >= cell[part]["binned"]
        assert cell["bound"] > 0
