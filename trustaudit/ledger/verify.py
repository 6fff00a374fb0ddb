"""``trustaudit verify RUN_DIR``: is the run folder exactly what the run wrote?

Checks, in order: every ledger line is a record in the one canonical form trustaudit writes, with
exactly the fields its kind has (a torn last line is reported, never accepted); the hash chain and,
given the key, the HMACs; the seal record (last) lists exactly the manifest and the report files,
with their hashes; the manifest is in the form trustaudit writes, and it and report.json record the
ledger head; given a public key, the signed attestation (``attest.py``). A manifest that says the
records carry HMACs cannot be verified without the key (or a valid attestation): the result is
"key required", never "intact".

What each check can and cannot catch is the README's threat model: without a key or a signature,
someone with write access who recomputes every hash with the canonical form is not detected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataError
from ..fingerprint import strict_json
from .attest import ATTESTATION_FILE, attestation_problems
from .chain import (
    CALL_FIELDS,
    CAPTURED_FIELDS,
    GENESIS,
    LEDGER_FILE,
    SEAL_FIELDS,
    LedgerRead,
    chain_problems,
    read_ledger,
    sha256_hex,
)
from .manifest import MANIFEST_FILE, manifest_bytes, read_manifest
from .runfolder import sealed_files

if TYPE_CHECKING:  # cryptography is the optional 'sign' extra
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    key_required: str | None = None  # why the folder cannot be verified without the HMAC key

    @property
    def intact(self) -> bool:
        return not self.problems and self.key_required is None


def verify_run(
    folder: Path,
    hmac_key: bytes | None = None,
    *,
    public_key: Ed25519PublicKey | None = None,
    attestation: Path | None = None,
) -> Verification:
    """Every problem found, first break first; raises DataError when ``folder`` is not a run
    folder."""
    if not (folder / LEDGER_FILE).is_file():
        raise DataError(f"{folder}: no {LEDGER_FILE}; this is not a trustaudit run folder.")
    result = Verification()
    manifest = _manifest(folder, result)
    found = read_ledger(folder / LEDGER_FILE)
    records = found.records
    result.problems += [f"{LEDGER_FILE} {p}" for p in found.unreadable]
    result.problems += [
        f"{LEDGER_FILE} {p}"
        for p in chain_problems(records, hmac_key, found.lines)
        + record_problems(records, manifest, found.lines)
    ]
    if found.torn:
        result.problems.append(
            f"{LEDGER_FILE} line {found.torn_line}: torn record ({len(found.torn)} bytes, no "
            "newline): the run was interrupted while writing it. Resume the run to finish it."
        )
    signed = public_key is not None and _check_attestation(
        folder, public_key, attestation, manifest, result
    )
    _key_requirement(manifest, hmac_key, signed, result)
    result.problems += _seal_problems(folder, found, manifest)
    return result


def _seal_problems(folder: Path, found: LedgerRead, manifest: dict[str, Any]) -> list[str]:
    """The seal record (last) against the files, and the ledger head the manifest and
    report.json record."""
    records = found.records
    if not records or records[-1].get("kind") != "seal":
        return [
            f"{LEDGER_FILE}: no seal record: the run did not finish ({len(records)} complete "
            f"record(s)). Resume it with trustaudit run SPEC --resume {folder}."
        ]
    seal, calls = records[-1], records[:-1]
    head = calls[-1].get("hash") if calls else GENESIS
    problems = sealed_file_problems(folder, seal, found.lines[-1])
    ledger = manifest.get("ledger", {})
    if manifest and (ledger["head"], ledger["records"]) != (head, len(calls)):
        problems.append(
            f"{MANIFEST_FILE}: records ledger head {str(ledger['head'])[:12]}… and "
            f"{ledger['records']} records; the ledger has {str(head)[:12]}… and {len(calls)}"
        )
    report_path = folder / "report.json"
    if report_path.is_file():
        problems += _report_problems(report_path, folder, head, len(calls))
    return problems


def _manifest(folder: Path, result: Verification) -> dict[str, Any]:
    """The manifest, or {} with the reason as a problem: beside a ledger, a missing or edited
    manifest is a broken folder."""
    try:
        manifest = read_manifest(folder)
    except DataError as exc:
        result.problems.append(str(exc))
        return {}
    if manifest_bytes(manifest) != (folder / MANIFEST_FILE).read_bytes():
        result.problems.append(
            f"{MANIFEST_FILE}: not in the form trustaudit writes (spacing, key order or escapes "
            "differ): it was rewritten"
        )
    return manifest


def _check_attestation(
    folder: Path,
    public_key: Ed25519PublicKey,
    attestation: Path | None,
    manifest: dict[str, Any],
    result: Verification,
) -> bool:
    """Add the attestation's problems; True when it verifies with ``public_key``."""
    path = attestation if attestation is not None else folder / ATTESTATION_FILE
    problems, note = attestation_problems(folder, path, public_key, manifest)
    result.problems += problems
    result.notes += [note] if note else []
    return not problems


def _key_requirement(
    manifest: dict[str, Any], hmac_key: bytes | None, signed: bool, result: Verification
) -> None:
    """A manifest that says the records carry HMACs needs the key, unless a valid signed
    attestation covers the ledger byte for byte."""
    ledger = manifest.get("ledger", {})
    if not ledger.get("hmac") or hmac_key is not None:
        return
    if signed:
        result.notes.append("HMACs not checked (no key given): the signed attestation covers them")
        return
    result.key_required = (
        f"{MANIFEST_FILE} says every record carries an HMAC (key in "
        f"${ledger.get('hmac_key_env')}); give --hmac-key-env NAME, or --public-key with the "
        "run's signed attestation"
    )


def record_problems(
    records: list[dict[str, Any]], manifest: dict[str, Any], lines: list[int]
) -> list[str]:
    """Each record must have exactly the fields trustaudit writes for its kind (calls, then one
    seal last), the manifest's run id and, for calls, its capture policy."""
    if not manifest:  # unreadable: already a problem, and there is nothing to compare with
        return []
    ledger = manifest["ledger"]
    keyed = ("hmac",) if ledger["hmac"] else ()
    captured = CAPTURED_FIELDS if ledger["capture"] in ("full", "masked") else ()
    shapes = {
        "call": set(CALL_FIELDS) | set(captured) | set(keyed),
        "seal": set(SEAL_FIELDS) | set(keyed),
    }
    problems = []
    for index, (line, record) in enumerate(zip(lines, records, strict=True)):
        kind = record.get("kind")
        if kind not in shapes or (kind == "seal" and index != len(records) - 1):
            problems.append(f"line {line}: a {kind!r} record cannot stand here")
            continue
        unknown, missing = set(record) - shapes[kind], shapes[kind] - set(record)
        if unknown or missing:
            problems.append(
                f"line {line}: fields differ from a {kind} record's (unknown: "
                f"{', '.join(sorted(unknown)) or 'none'}; missing: "
                f"{', '.join(sorted(missing)) or 'none'})"
            )
        if record.get("run_id") != manifest["run_id"]:
            problems.append(f"line {line}: run_id is not the manifest's: a record of another run")
        if kind == "call" and record.get("capture") != ledger["capture"]:
            problems.append(f"line {line}: capture is not the manifest's ledger.capture")
    return problems


def sealed_file_problems(folder: Path, seal: dict[str, Any], line: int) -> list[str]:
    """The seal must list exactly the manifest, the report files and the compliance files (none
    for a run sealed before them: ``sealed_files``), each with the hash it still has. A name
    outside that list is never opened (a path may point out of the folder)."""
    files = seal.get("files")
    if not isinstance(files, dict):
        return [
            f"{LEDGER_FILE} line {line}: the seal record lists no files (expected an "
            "object of file name to sha256)"
        ]
    expected_files = sealed_files(folder, files)
    problems = [
        f"{LEDGER_FILE} line {line}: the seal does not list {name}"
        for name in expected_files
        if name not in files
    ]
    for name, expected in files.items():
        if name not in expected_files:
            where = "a path outside the run folder" if _escapes(name) else "not a sealed file"
            problems.append(f"{LEDGER_FILE} line {line}: the seal lists {name!r}, {where}")
            continue
        path = folder / name
        actual = sha256_hex(path.read_bytes()) if path.is_file() else None
        if actual is None:
            problems.append(f"{name} is missing")
        elif not isinstance(expected, str) or not _SHA256.fullmatch(expected):
            problems.append(f"{LEDGER_FILE} line {line}: the seal's {name} is not a sha256")
        elif actual != expected:
            problems.append(
                f"{name} was changed after the run was sealed (sha256 {actual[:12]}…, "
                f"sealed {str(expected)[:12]}…)"
            )
    return problems


def _escapes(name: str) -> bool:
    return Path(name).is_absolute() or any(part in ("..", "") for part in re.split(r"[/\\]", name))


def _report_problems(report_path: Path, folder: Path, head: str | None, count: int) -> list[str]:
    try:
        view = strict_json(report_path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"report.json: not readable JSON ({exc})"]
    provenance = view.get("provenance") if isinstance(view, dict) else None
    if not isinstance(provenance, dict):
        return ["report.json: no provenance object"]
    problems = []
    manifest_path = folder / MANIFEST_FILE
    manifest_hash = sha256_hex(manifest_path.read_bytes()) if manifest_path.is_file() else ""
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
