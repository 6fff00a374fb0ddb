"""``trustaudit verify RUN_DIR``: is the run folder exactly what the run wrote?

Checks, in order: the ledger's lines (a torn last line is reported, never accepted), the hash chain
and, given the key, the HMACs; the seal record (last) against the manifest and report files; the
manifest's and report.json's record of the ledger head and the manifest hash. Without a key the
chain detects any edit that is not followed by recomputing every later hash; the HMAC also detects
that."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from .chain import GENESIS, LEDGER_FILE, chain_problems, read_ledger, sha256_hex
from .manifest import MANIFEST_FILE, read_manifest


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems


def verify_run(folder: Path, hmac_key: bytes | None = None) -> Verification:
    """Every problem found, first break first; raises DataError when ``folder`` is not a run
    folder."""
    if not (folder / LEDGER_FILE).is_file():
        raise DataError(f"{folder}: no {LEDGER_FILE}; this is not a trustaudit run folder.")
    result = Verification()
    manifest = read_manifest(folder)
    found = read_ledger(folder / LEDGER_FILE)
    result.problems += [f"{LEDGER_FILE} {p}" for p in found.unreadable]
    result.problems += [f"{LEDGER_FILE} {p}" for p in chain_problems(found.records, hmac_key)]
    if found.torn:
        result.problems.append(
            f"{LEDGER_FILE} line {found.torn_line}: torn record ({len(found.torn)} bytes, no "
            "newline): the run was interrupted while writing it. Resume the run to finish it."
        )
    if manifest.get("ledger", {}).get("hmac") and hmac_key is None:
        result.notes.append(
            f"records carry HMACs (key in ${manifest['ledger'].get('hmac_key_env')}); "
            "give --hmac-key-env to check them"
        )
    records = found.records
    if not records or records[-1].get("kind") != "seal":
        result.problems.append(
            f"{LEDGER_FILE}: no seal record: the run did not finish ({len(records)} complete "
            f"record(s)). Resume it with trustaudit run SPEC --resume {folder}."
        )
        return result
    seal, calls = records[-1], records[:-1]
    head = calls[-1].get("hash") if calls else GENESIS
    result.problems += _sealed_file_problems(folder, seal, len(records))
    ledger = manifest.get("ledger", {})
    if (ledger.get("head"), ledger.get("records")) != (head, len(calls)):
        result.problems.append(
            f"{MANIFEST_FILE}: records ledger head {str(ledger.get('head'))[:12]}… and "
            f"{ledger.get('records')} records; the ledger has {str(head)[:12]}… and {len(calls)}"
        )
    report_path = folder / "report.json"
    if report_path.is_file():
        result.problems += _report_problems(report_path, folder, head, len(calls))
    return result


def _sealed_file_problems(folder: Path, seal: dict[str, Any], line: int) -> list[str]:
    """Each file the seal lists must still have the hash it had when the run was sealed."""
    files = seal.get("files")
    if not isinstance(files, dict):
        return [
            f"{LEDGER_FILE} line {line}: the seal record lists no files (expected an "
            "object of file name to sha256)"
        ]
    problems = []
    for name, expected in files.items():
        path = folder / name
        actual = sha256_hex(path.read_bytes()) if path.is_file() else None
        if actual is None:
            problems.append(f"{name} is missing")
        elif actual != expected:
            problems.append(
                f"{name} was changed after the run was sealed (sha256 {actual[:12]}…, "
                f"sealed {str(expected)[:12]}…)"
            )
    return problems


def _report_problems(report_path: Path, folder: Path, head: str | None, count: int) -> list[str]:
    try:
        provenance = json.loads(report_path.read_text(encoding="utf-8")).get("provenance", {})
    except (ValueError, UnicodeDecodeError, AttributeError) as exc:
        return [f"report.json: not readable JSON ({exc})"]
    problems = []
    manifest_hash = sha256_hex((folder / MANIFEST_FILE).read_bytes())
    if provenance.get("manifest_sha256") != manifest_hash:
        recorded = str(provenance.get("manifest_sha256"))[:12]
        problems.append(
            f"report.json: records manifest sha256 {recorded}…; "
            f"{MANIFEST_FILE} has {manifest_hash[:12]}…"
        )
    if (provenance.get("ledger_head"), provenance.get("ledger_records")) != (head, count):
        problems.append(
            f"report.json: records ledger head {str(provenance.get('ledger_head'))[:12]}… and "
            f"{provenance.get('ledger_records')} records; the ledger has "
            f"{str(head)[:12]}… and {count}"
        )
    return problems
