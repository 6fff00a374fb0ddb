"""The PHI scan as a mergeable tally: the tally of a few hundred notes counts what one scan of them
finds; tallies of any split of the rows merge to the whole; a Spark local[2] fold over partitions
gives identical metrics, intervals and examples; examples never show a planted identifier."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import cache, partial, reduce

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.phi.eval import generate
from trustaudit.auditors import AuditContext, PhiScanAuditor
from trustaudit.auditors._phi_tally import (
    LETTERS,
    PhiTally,
    ScanSettings,
    add_digests,
    column_key,
    digest_part,
    merge,
    scan_part,
    tally,
    text_digest,
)
from trustaudit.inputs.data import AuditData
from trustaudit.phi.recognizers import resolve_overlaps, scan_long

pytestmark = pytest.mark.extra("privacy")

KEEP = 12
BAD_CELLS = [None, "", "   ", None]


@cache
def _notes() -> tuple[dict, ...]:
    return tuple(generate(240, seed=15, split="tune"))


def _values() -> list:
    """The notes' texts with bad cells among them, and one note twice."""
    texts: list = [n["text"] for n in _notes()]
    return [*texts[:100], *BAD_CELLS, *texts[100:], texts[7]]


def _settings(values) -> ScanSettings:
    return ScanSettings(keep=KEEP, key=column_key(digest_part(values)))


@cache
def _whole() -> PhiTally:
    return scan_part(_settings(_values()), _values())


@cache
def _singles() -> tuple[PhiTally, ...]:
    """One tally per cell, each scanned alone."""
    values = _values()
    return tuple(scan_part(_settings(values), [value]) for value in values)


def _reference() -> tuple[Counter, list[bool]]:
    """Per-category counts and whether each text holds PHI, from one scan of all the texts."""
    texts = [v for v in _values() if isinstance(v, str) and v.strip()]
    found = [resolve_overlaps(spans) for spans in scan_long(texts)]
    return Counter(span.category for spans in found for span in spans), [bool(s) for s in found]


def test_the_tally_counts_what_one_scan_finds():
    whole = _whole()
    per_category, holds = _reference()
    assert whole.scanned == len(holds) == 241
    assert whole.skipped == Counter({"missing": 2, "empty": 2})
    assert sum(whole.vectors.values()) == whole.scanned
    for i, letter in enumerate(LETTERS):
        assert sum(v[i] * rows for v, rows in whole.vectors.items()) == per_category[letter]
    assert sum(rows for v, rows in whole.vectors.items() if any(v)) == sum(holds)
    assert sum(per_category.values()) > 1000  # the notes do hold PHI of many kinds
    assert len([letter for letter in LETTERS if per_category[letter]]) >= 8


def test_the_examples_are_the_smallest_keyed_digests_of_rows_with_phi():
    values = _values()
    key = _settings(values).key
    texts = [v for v in values if isinstance(v, str) and v.strip()]
    _, holds = _reference()
    expected = sorted({text_digest(key, t) for t, h in zip(texts, holds, strict=True) if h})[:KEEP]
    assert [e.digest for e in _whole().examples] == expected


def test_examples_show_no_planted_identifier():
    key = _settings(_values()).key
    by_digest = {text_digest(key, n["text"]): n for n in _notes()}
    examples = scan_part(replace(_settings(_values()), keep=200), _values()).examples
    assert len(examples) > 150
    for example in examples:
        note = by_digest[example.digest]
        for span in note["spans"]:
            value = note["text"][span["start"] : span["end"]]
            shown = re.search(rf"(?<!\w){re.escape(value)}(?!\w)", example.masked)
            assert shown is None, f"{span['kind']} shown in an example"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_tallies_of_any_split_merge_to_the_whole(data):
    singles = list(_singles())
    order = data.draw(st.permutations(range(len(singles))))
    cuts = sorted(data.draw(st.sets(st.integers(1, len(singles) - 1), max_size=8)))
    parts = [
        reduce(merge, [singles[i] for i in order[a:b]])
        for a, b in zip([0, *cuts], [*cuts, len(singles)], strict=True)
    ]
    assert reduce(merge, data.draw(st.permutations(parts))) == _whole()


def test_scanning_the_rows_in_parts_gives_the_whole():
    values = _values()
    parts = [values[i::3] for i in range(3)]  # every part scanned on its own (one spaCy batch each)
    scanned = [scan_part(_settings(values), part) for part in parts]
    assert reduce(merge, reversed(scanned)) == _whole()
    assert reduce(add_digests, map(digest_part, parts)) == digest_part(values)


def test_the_in_memory_run_is_measured_from_the_tally():
    values = _values()
    auditor = PhiScanAuditor(column="note", n_boot=200, worst_examples=KEEP)
    frame = pd.DataFrame({"note": pd.Series(values, dtype=object)})
    data = AuditData(frame, None, 1, ("note",), "memory", "none")
    result = auditor.run(None, data, AuditContext(4, "phi_scan"))
    measured = auditor.measure_tally(_whole(), seed=4, label="phi_scan")
    assert result.metrics == measured.metrics
    (shown,) = [f for f in result.findings if f.title.startswith("Rows of")]
    key = _settings(values).key
    for (row, _, _), example in zip(shown.examples, _whole().examples, strict=True):
        text = values[int(row) - 1]
        assert text_digest(key, text) == example.digest  # the row holding it,
        assert values.index(text) == int(row) - 1  # its first occurrence


# --- Spark: the same scan inside partitions ---------------------------------------------------


def _spark_fold(frame, scan, merge):
    """``Table.fold_texts`` on a Spark DataFrame's one column: ``scan`` per partition."""

    def per_partition(rows):
        yield scan(row[0] for row in rows)

    return reduce(merge, frame.rdd.mapPartitions(per_partition).collect())


def test_spark_partitions_give_identical_metrics_intervals_and_examples(spark):
    values = _values()
    frame = spark.createDataFrame([(v,) for v in values], "note string").repartition(5)
    assert frame.rdd.getNumPartitions() == 5
    auditor = PhiScanAuditor(column="note", n_boot=300, worst_examples=KEEP)
    key, on_spark = tally(partial(_spark_fold, frame), ScanSettings(keep=KEEP))
    assert key == _settings(values).key
    assert on_spark == _whole()
    in_memory = auditor.measure_tally(_whole(), seed=11, label="phi_scan")
    assert auditor.measure_tally(on_spark, seed=11, label="phi_scan") == in_memory
    intervals = [(m.ci_low, m.ci_high) for m in in_memory.metrics if m.ci_low == m.ci_low]
    assert len(intervals) == len(LETTERS) + 2  # every category, 'all' and the rate
