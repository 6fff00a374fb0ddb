"""A run folder: create one, reopen an interrupted one to resume it, and seal it when the run is
done.

The seal is the ledger's last record: the SHA-256 of manifest.json and of every report file, so a
later edit to any of them is detected by ``trustaudit verify``."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clock import utc_now
from ..errors import DataError, SpecError
from ..progress import Progress
from .chain import (
    GENESIS,
    LEDGER_FILE,
    LedgerRead,
    LedgerWriter,
    chain_problems,
    read_ledger,
    sha256_hex,
)
from .manifest import MANIFEST_FILE, read_manifest
from .recorder import key_prefix

if TYPE_CHECKING:  # the spec layer sits above the ledger
    from ..spec.models import AuditSpec

REPORT_FILES = ("report.json", "report.html", "junit.xml")
#: the compliance pack (trustaudit.compliance), written after the reports
COMPLIANCE_FILES = (
    "compliance/card.xml",
    "compliance/hti1.json",
    "compliance/evidence-map.json",
    "compliance/evidence.json",
)
CORE_SEALED_FILES = (MANIFEST_FILE, *REPORT_FILES)
#: what the seal record lists, exactly: a verifier accepts no more and no fewer
SEALED_FILES = (*CORE_SEALED_FILES, *COMPLIANCE_FILES)
TORN_FILE = "ledger.torn"


@dataclass
class RunFolder:
    path: Path
    run_id: str
    started: str
    writer: LedgerWriter
    replay: dict[int, int]  # request-key prefix -> ledger offset of a recorded output
    recorded_asks: Counter


def hmac_key(spec: AuditSpec) -> bytes | None:
    """The ledger key from the environment variable the spec names (the key itself is never
    written)."""
    name = spec.ledger.hmac_key_env
    if name is None:
        return None
    value = os.environ.get(name)
    if not value:
        raise SpecError(
            f"{spec.where('ledger.hmac_key_env')}: environment variable {name} is not set or "
            "empty. Export the ledger key in it, or remove hmac_key_env."
        )
    return value.encode()


def make_parent(parent: Path, where: str) -> None:
    """Create the folder that receives run folders, before any model is loaded: a file in the way, a
    missing drive or a read-only place is reported as the user's input, not as a crash after the
    calls."""
    try:
        if parent.exists() and not parent.is_dir():
            raise SpecError(
                f"{where}: '{parent}' is a file; expected a folder to put run folders in."
            )
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # also a name too long for the file system
        raise SpecError(
            f"{where}: cannot create the folder '{parent}' ({exc.strerror}). "
            "Choose a folder you can write to."
        ) from None


def create(
    parent: Path, name: str, started: str, *, key: bytes | None, fsync_every: int
) -> RunFolder:
    stamp = started.replace("+00:00", "Z").replace("-", "").replace(":", "")
    base = parent / f"{name}-{stamp}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise SpecError(f"run folder '{path}': cannot create it ({exc.strerror}).") from None
    return _start(path, started, key, fsync_every)


def _start(path: Path, started: str, key: bytes | None, fsync_every: int) -> RunFolder:
    """A new run in the folder ``path``, its ledger empty."""
    writer = LedgerWriter(path / LEDGER_FILE, hmac_key=key, fsync_every=fsync_every)
    return RunFolder(path, uuid.uuid4().hex, started, writer, {}, Counter())


def resume(path: Path, spec: AuditSpec, *, key: bytes | None, progress: Progress) -> RunFolder:
    """Reopen an interrupted run: check it is the same spec, set aside a torn last line, reuse
    recorded outputs. A run interrupted before it wrote its manifest (its ledger is still empty)
    starts afresh in its folder."""
    if not (path / MANIFEST_FILE).exists() and _empty_file(path / LEDGER_FILE):
        progress.step("the run was interrupted before it wrote its manifest: starting it afresh")
        return _start(path, utc_now(), key, spec.ledger.fsync_every)
    manifest = read_manifest(path)
    where = f"--resume {path}"
    ledger_path = path / LEDGER_FILE
    found = read_ledger(ledger_path)
    sealed = bool(found.records) and found.records[-1].get("kind") == "seal"
    _check_resumable(manifest, spec, where, sealed)
    problems = found.unreadable + chain_problems(found.records, key)
    if problems:
        raise DataError(
            f"{where}: {LEDGER_FILE} does not verify, so it cannot be continued: {problems[0]}"
        )
    if found.torn:
        _set_aside_torn_line(path, found, progress)
    replay, asks = _recorded_outputs(found)
    progress.step(
        f"resuming run {manifest['run_id']}: {len(found.records)} ledger records, "
        f"{len(replay)} recorded outputs to reuse"
    )
    head = found.records[-1]["hash"] if found.records else GENESIS
    writer = LedgerWriter(
        ledger_path,
        hmac_key=key,
        fsync_every=spec.ledger.fsync_every,
        count=len(found.records),
        head=head,
    )
    return RunFolder(path, manifest["run_id"], manifest["started"], writer, replay, asks)


def _empty_file(path: Path) -> bool:
    return path.is_file() and path.stat().st_size == 0


def _check_resumable(manifest: dict[str, Any], spec: AuditSpec, where: str, sealed: bool) -> None:
    """Only an unsealed run of the same spec whose ledger kept full outputs can be continued. A run
    is finished only by its seal: one killed while writing its reports (manifest already marked
    complete) resumes, replaying every recorded call."""
    if sealed:
        raise SpecError(
            f"{where}: this run is complete; there is nothing to resume. Start a new run instead."
        )
    if manifest.get("spec_sha256") != spec.digest():
        raise SpecError(
            f"{where}: the spec differs from the one the interrupted run used "
            f"({manifest.get('spec_path')}). Resume with the same spec, or start a new run."
        )
    if manifest.get("ledger", {}).get("capture") != "full":
        raise SpecError(
            f"{where}: the interrupted run kept digests or masked outputs only (ledger.capture: "
            f"{manifest.get('ledger', {}).get('capture')}), so its model outputs cannot be reused. "
            "Start a new run."
        )


def _set_aside_torn_line(path: Path, found: LedgerRead, progress: Progress) -> None:
    """A line torn by the interruption is kept in ledger.torn for the record, never accepted."""
    ledger_path = path / LEDGER_FILE
    with open(path / TORN_FILE, "ab") as handle:
        handle.write(found.torn + b"\n")
    with open(ledger_path, "r+b") as handle:
        handle.truncate(ledger_path.stat().st_size - len(found.torn))
    progress.step(
        f"ledger line {found.torn_line} was torn by the interruption ({len(found.torn)} "
        f"bytes): set aside in {TORN_FILE}, not accepted"
    )


def _recorded_outputs(found: LedgerRead) -> tuple[dict[int, int], Counter]:
    """Where each answered request's output lies in the ledger, and how often each ask was made."""
    replay: dict[int, int] = {}
    asks: Counter = Counter()
    for record, offset in zip(found.records, found.offsets, strict=True):
        if record.get("kind") == "call" and record.get("error") is None and "output" in record:
            replay.setdefault(key_prefix(record["request_key"]), offset)
            asks[(record["request_key"], record["auditor"], record["check"])] += 1
    return replay, asks


def sealed_files(folder: Path, listed: Iterable[str] = ()) -> tuple[str, ...]:
    """The files the seal of the run in ``folder`` must list: all of SEALED_FILES, or the core
    files alone for a run sealed before the compliance pack existed (no compliance file in the
    folder nor in ``listed``, the names its seal lists). A seal or a folder missing only some of
    the compliance files is held to the full list, so dropping one is reported."""
    named = set(listed)
    if any(name in named or (folder / name).exists() for name in COMPLIANCE_FILES):
        return SEALED_FILES
    return CORE_SEALED_FILES


def seal(folder: RunFolder) -> None:
    """Append the seal record: hashes of the manifest and the report files, then fsync."""
    files = {name: sha256_hex((folder.path / name).read_bytes()) for name in SEALED_FILES}
    folder.writer.append(
        {"kind": "seal", "run_id": folder.run_id, "ts": utc_now("microseconds"), "files": files}
    )
