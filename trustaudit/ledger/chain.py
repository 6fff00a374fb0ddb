"""The accountability ledger: one JSON line per model call, chained by SHA-256 (and HMAC-SHA256 with
a key).

Each record's ``hash`` is SHA-256 over the canonical JSON of the record without ``hash`` and
``hmac``; ``prev_hash`` links it to the record before (the first links to GENESIS); with a key,
``hmac`` is HMAC-SHA256 of that hash. Records are flushed as written and fsynced every
``fsync_every`` records and on close, so a killed run leaves complete records that verify, plus at
most one torn last line, which readers report and never accept. A reader accepts a line only in the
exact form the writer wrote (``record_line``): a repeated key, other spacing or key order, NaN or a
line nested too deep to parse is reported as unreadable, with its line number."""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from ..fingerprint import canonical, sha256_hex, strict_json
from ..redaction import redact_data

GENESIS = "0" * 64
LEDGER_FILE = "ledger.jsonl"
# fields every model-call record carries
# (audit-log schema of ../shared/reference/medical-checks.md, §4G)
CALL_FIELDS = (
    "seq",
    "kind",
    "run_id",
    "ts_start",
    "ts_end",
    "latency_ms",
    "auditor",
    "check",
    "adapter",
    "model_name",
    "model_version",
    "model_fingerprint",
    "method",
    "params",
    "request_key",
    "input_sha256",
    "output_sha256",
    "capture",
    "error",
    "replayed_from",
    "prev_hash",
    "hash",
)
#: what a call record keeps besides CALL_FIELDS under capture full or masked (digest: neither)
CAPTURED_FIELDS = ("input", "output")
#: the fields of the seal record, the ledger's last line
SEAL_FIELDS = ("seq", "kind", "run_id", "ts", "files", "prev_hash", "hash")


def seal_fields(record: dict[str, Any]) -> bytes:
    """What ``hash`` and ``hmac`` cover: the record without them."""
    return canonical({k: v for k, v in record.items() if k not in ("hash", "hmac")})


def record_line(record: dict[str, Any]) -> bytes:
    """The one line trustaudit writes for ``record``: the hashed canonical form, then ``hash`` and
    ``hmac`` (when present) appended in that order, then a newline. A verifier accepts no other
    spelling of the same record."""
    return _with_seal(seal_fields(record), record)


def _with_seal(body: bytes, record: dict[str, Any]) -> bytes:
    """``body`` (the canonical form without hash and hmac) with them appended, as one line."""
    tail = b"".join(
        b',"' + name.encode() + b'":' + canonical(record[name])
        for name in ("hash", "hmac")
        if name in record
    )
    return (body[:-1] + tail + b"}" if len(body) > 2 else b"{" + tail[1:] + b"}") + b"\n"


def record_hmac(key: bytes, record: dict[str, Any]) -> str:
    """HMAC-SHA256 of the record's content hash (recomputed, so an edited field also breaks the
    HMAC)."""
    return _mac(key, sha256_hex(seal_fields(record)))


def _mac(key: bytes, content_hash: str) -> str:
    return hmac.digest(key, bytes.fromhex(content_hash), "sha256").hex()


class LedgerWriter:
    """Appends chained records to a ledger file; continues an existing chain when resuming."""

    def __init__(
        self,
        path: Path,
        *,
        hmac_key: bytes | None = None,
        fsync_every: int = 1000,
        count: int = 0,
        head: str = GENESIS,
    ) -> None:
        self.path = path
        self.count = count
        self.head = head
        self.last_offset = -1  # byte offset of the last record appended
        self._key = hmac_key
        self._fsync_every = fsync_every
        self._file = open(path, "ab")  # noqa: SIM115 (close() closes it)
        self._size = self._file.tell()
        self._reader: BinaryIO | None = None

    def append(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Write one record (flushed at once) and return it with its ``hash`` (and ``hmac``)."""
        record = {"seq": self.count, **redact_data(fields), "prev_hash": self.head}
        body = seal_fields(record)  # the hashed form, encoded once
        record["hash"] = sha256_hex(body)
        if self._key is not None:
            record["hmac"] = _mac(self._key, record["hash"])
        line = _with_seal(body, record)
        self._file.write(line)
        self._file.flush()
        self.last_offset, self._size = self._size, self._size + len(line)
        self.count += 1
        self.head = record["hash"]
        if self.count % self._fsync_every == 0:
            os.fsync(self._file.fileno())
        return record

    def read_at(self, offset: int) -> dict[str, Any]:
        """The record written at ``offset`` (records are flushed, so a separate handle sees
        them)."""
        if self._reader is None:
            self._reader = open(self.path, "rb")  # noqa: SIM115 (reused; close() closes it)
        self._reader.seek(offset)
        return json.loads(self._reader.readline())

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


@dataclass
class LedgerRead:
    """A ledger as found on disk: the complete records, and a torn last line if there is one."""

    records: list[dict[str, Any]] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)  # byte offset of each record
    lines: list[int] = field(default_factory=list)  # its line number in the file (1-based)
    torn: bytes = b""
    torn_line: int | None = None
    unreadable: list[str] = field(default_factory=list)


def read_ledger(path: Path) -> LedgerRead:
    """Every newline-terminated line must be a JSON record; bytes after the last newline are a torn
    write."""
    found = LedgerRead()
    *complete, tail = (path.read_bytes() if path.exists() else b"").split(b"\n")
    offset = 0
    for number, line in enumerate(complete, start=1):
        start, offset = offset, offset + len(line) + 1
        record, problem = _parse_line(line)
        if problem is None:
            found.records.append(record)
            found.offsets.append(start)
            found.lines.append(number)
        else:
            found.unreadable.append(f"line {number}: {problem}")
    if tail:
        found.torn, found.torn_line = tail, len(complete) + 1
    return found


def _parse_line(line: bytes) -> tuple[dict[str, Any], str | None]:
    """A ledger line as a record, or why it is not one: not JSON, a repeated key, or any spelling
    other than the canonical one trustaudit writes (spacing, key order, escapes, number form)."""
    try:
        record = strict_json(line)
    except (ValueError, UnicodeDecodeError) as exc:
        return {}, f"not a JSON record ({exc})"
    if not isinstance(record, dict):
        return {}, "not a JSON object"
    try:
        canonical_line = record_line(record)
    except (ValueError, RecursionError) as exc:  # e.g. nesting the encoder refuses
        return {}, f"not a canonical record ({type(exc).__name__})"
    if canonical_line != line + b"\n":
        return {}, (
            "not in the canonical form trustaudit writes (spacing, key order, escapes or "
            "number form differ)"
        )
    return record, None


def chain_problems(
    records: list[dict[str, Any]], hmac_key: bytes | None = None, lines: list[int] | None = None
) -> list[str]:
    """Every break in the chain, naming the ledger line (1-based; ``lines`` gives each record's
    line when unreadable lines were left out) and what differs."""
    problems = []
    previous, previous_line = GENESIS, "GENESIS"
    for index, record in enumerate(records):
        line = lines[index] if lines else index + 1
        if record.get("seq") != index:
            problems.append(
                f"line {line}: seq is {record.get('seq')!r}, expected {index} (a record was "
                "deleted, inserted or moved)"
            )
        if record.get("prev_hash") != previous:
            problems.append(f"line {line}: prev_hash does not match the hash of {previous_line}")
        recomputed = sha256_hex(seal_fields(record))
        if record.get("hash") != recomputed:
            problems.append(
                f"line {line}: hash {str(record.get('hash'))[:12]}… does not match the record's "
                f"content ({recomputed[:12]}…): a field was changed"
            )
        if hmac_key is not None and not hmac.compare_digest(
            str(record.get("hmac", "")), record_hmac(hmac_key, record)
        ):
            problems.append(f"line {line}: HMAC does not verify with the given key")
        previous, previous_line = str(record.get("hash")), f"line {line}"
    return problems
