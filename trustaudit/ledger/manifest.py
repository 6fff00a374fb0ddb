"""manifest.json: what was audited, with what, by whom and when; written at the start (status
'running') and again at the end (status 'complete', with the ledger head)."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import DataError, file_problem
from ..fingerprint import strict_json
from ..inputs.jsonl import JSON_TYPES, json_type
from ..redaction import redact_data
from .chain import sha256_hex

MANIFEST_FILE = "manifest.json"
_TEXT_OR_NULL = (str, type(None))
# the keys that verify, --resume and --baseline read, with their JSON types (a partial run has
# nulls)
MANIFEST_SHAPE = {
    "run_id": str,
    "started": str,
    "status": str,
    "spec_sha256": str,
    "ledger": dict,
    "models": list,
}
LEDGER_SHAPE = {
    "capture": str,
    "hmac": bool,
    "hmac_key_env": _TEXT_OR_NULL,
    "head": _TEXT_OR_NULL,
    "records": (int, type(None)),
}


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (
        json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    ).encode()


def write_manifest(folder: Path, manifest: dict[str, Any]) -> str:
    """Write the manifest and return the SHA-256 of the bytes written."""
    data = manifest_bytes(redact_data(manifest))
    path = folder / MANIFEST_FILE
    temporary = path.with_suffix(".json.tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    return sha256_hex(data)


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST_FILE
    if file_problem(path):
        raise DataError(f"{folder}: no {MANIFEST_FILE}; this is not a trustaudit run folder.")
    return read_run_json(path, "manifest", manifest_problem)


def read_run_json(path: Path, what: str, problem_of: Callable[[Any], str | None]) -> Any:
    """A JSON file trustaudit wrote into a run folder, parsed strictly and checked by
    ``problem_of``; a DataError naming the file and the first bad key otherwise."""
    try:
        value = strict_json(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable {what} ({exc}).") from None
    problem = problem_of(value)
    if problem:
        raise DataError(
            f"{path}: {problem}. The file was not written by trustaudit or was edited; "
            "use a run folder as trustaudit left it."
        )
    return value


def manifest_problem(manifest: Any) -> str | None:
    """The first key whose JSON type differs from what trustaudit writes, as 'key: expected …,
    got …'."""
    if not isinstance(manifest, dict):
        return f"expected a JSON object, got {json_type(manifest)}"
    problem = _shape_problem(manifest, MANIFEST_SHAPE, "") or _shape_problem(
        manifest["ledger"], LEDGER_SHAPE, "ledger."
    )
    if problem:
        return problem
    bad = [
        i
        for i, model in enumerate(manifest["models"])
        if not isinstance(model, dict) or not isinstance(model.get("fingerprint"), str)
    ]
    return f"models[{bad[0]}]: expected an object with a 'fingerprint' text" if bad else None


def _shape_problem(mapping: dict[str, Any], shape: dict[str, Any], prefix: str) -> str | None:
    for key, kinds in shape.items():
        if key not in mapping:
            return f"{prefix}{key}: missing"
        if not isinstance(mapping[key], kinds) or (
            isinstance(mapping[key], bool) and kinds is not bool
        ):
            names = " or ".join(
                JSON_TYPES[k] for k in (kinds if isinstance(kinds, tuple) else (kinds,))
            )
            return f"{prefix}{key}: expected {names}, got {json_type(mapping[key])}"
    return None


def git_commit(directory: Path) -> dict[str, Any] | None:
    """HEAD of the git work tree holding ``directory`` and whether it has uncommitted changes; None
    outside git."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, timeout=10
        )
        if head.returncode != 0:
            return None
        status = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=10,
        )
        return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def operator() -> str:
    """Who ran the audit: $TRUSTAUDIT_OPERATOR, else the login name."""
    try:
        return os.environ.get("TRUSTAUDIT_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
