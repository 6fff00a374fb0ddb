"""The ledger writer and reader: chaining, flushing, fsync cadence, torn lines, HMAC."""

import json
import os
from datetime import UTC

import pytest

from trustaudit.ledger.chain import GENESIS, LedgerWriter, canonical, chain_problems, read_ledger


def test_records_chain_from_genesis(tmp_path):
    writer = LedgerWriter(tmp_path / "l.jsonl")
    first, second = writer.append({"kind": "call", "x": 1}), writer.append({"kind": "call", "x": 2})
    writer.close()
    assert first["prev_hash"] == GENESIS
    assert second["prev_hash"] == first["hash"]
    assert (first["seq"], second["seq"]) == (0, 1)
    assert chain_problems(read_ledger(tmp_path / "l.jsonl").records) == []


def test_each_record_is_on_disk_as_soon_as_it_is_appended(tmp_path):
    writer = LedgerWriter(tmp_path / "l.jsonl")
    writer.append({"kind": "call"})
    assert (
        len(read_ledger(tmp_path / "l.jsonl").records) == 1
    )  # read by another handle, before close
    writer.close()


def test_fsync_every_n_records_and_on_close(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd)))
    writer = LedgerWriter(tmp_path / "l.jsonl", fsync_every=3)
    for _ in range(7):
        writer.append({"kind": "call"})
    assert len(synced) == 2
    writer.close()
    assert len(synced) == 3


def test_continuing_a_chain(tmp_path):
    writer = LedgerWriter(tmp_path / "l.jsonl")
    writer.append({"kind": "call"})
    writer.close()
    records = read_ledger(tmp_path / "l.jsonl").records
    again = LedgerWriter(tmp_path / "l.jsonl", count=1, head=records[-1]["hash"])
    again.append({"kind": "call"})
    again.close()
    assert chain_problems(read_ledger(tmp_path / "l.jsonl").records) == []


@pytest.mark.parametrize("tail, torn", [(b"", None), (b'{"seq": 9', 3), (b'{"seq": 9}', 3)])
def test_torn_last_line(tmp_path, tail, torn):
    writer = LedgerWriter(tmp_path / "l.jsonl")
    writer.append({"kind": "call"})
    writer.append({"kind": "call"})
    writer.close()
    with open(tmp_path / "l.jsonl", "ab") as handle:
        handle.write(tail)
    found = read_ledger(tmp_path / "l.jsonl")
    assert len(found.records) == 2
    assert found.torn_line == torn
    assert found.torn == tail


def test_a_bad_line_in_the_middle_is_unreadable_not_torn(tmp_path):
    (tmp_path / "l.jsonl").write_text('{"seq":0}\nnot json\n{"seq":2}\n')
    found = read_ledger(tmp_path / "l.jsonl")
    assert found.unreadable == [
        "line 2: not a JSON record (Expecting value: line 1 column 1 (char 0))"
    ]
    assert found.torn == b""


def test_hmac_is_checked_only_with_a_key(tmp_path):
    writer = LedgerWriter(tmp_path / "l.jsonl", hmac_key=b"k1")
    writer.append({"kind": "call"})
    writer.close()
    records = read_ledger(tmp_path / "l.jsonl").records
    assert chain_problems(records) == []
    assert chain_problems(records, b"k1") == []
    assert chain_problems(records, b"k2") == ["line 1: HMAC does not verify with the given key"]


def test_canonical_form_is_key_order_independent_and_rejects_nan():
    assert (
        canonical({"b": 1, "a": [1.5, "é"]})
        == canonical({"a": [1.5, "é"], "b": 1})
        == '{"a":[1.5,"é"],"b":1}'.encode()
    )
    with pytest.raises(ValueError):
        canonical({"x": float("nan")})
    assert json.loads(canonical({"x": None})) == {"x": None}


def test_recorder_timestamps_are_iso_utc_with_microseconds():
    from datetime import datetime, timedelta

    from trustaudit.ledger.recorder import _utc_now

    stamps = [_utc_now() for _ in range(2000)]
    parsed = [datetime.fromisoformat(s) for s in stamps]
    assert all(p.tzinfo == UTC for p in parsed)
    assert parsed == sorted(parsed)
    assert abs(parsed[-1] - datetime.now(UTC)) < timedelta(seconds=1)
    assert stamps[0] == parsed[0].isoformat(timespec="microseconds")
