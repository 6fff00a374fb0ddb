"""manifest.json: what was audited, with what, by whom and when; written at the start (status 'running')
and again at the end (status 'complete', with the ledger head)."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
from pathlib import Path
from typing import Any

from .errors import DataError
from .ledger import sha256_hex

MANIFEST_FILE = "manifest.json"


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n").encode()


def write_manifest(folder: Path, manifest: dict[str, Any]) -> str:
    """Write the manifest and return the SHA-256 of the bytes written."""
    data = manifest_bytes(manifest)
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
    if not path.is_file():
        raise DataError(f"{folder}: no {MANIFEST_FILE}; this is not a trustaudit run folder.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable manifest ({exc}).") from None


def git_commit(directory: Path) -> dict[str, Any] | None:
    """HEAD of the git work tree holding ``directory`` and whether it has uncommitted changes; None outside git."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=directory, capture_output=True, text=True, timeout=10)
        if head.returncode != 0:
            return None
        status = subprocess.run(["git", "status", "--porcelain"], cwd=directory, capture_output=True, text=True,
                                timeout=10)
        return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}
    except (OSError, subprocess.SubprocessError):
        return None


def operator() -> str:
    """Who ran the audit: $TRUSTAUDIT_OPERATOR, else the login name."""
    try:
        return os.environ.get("TRUSTAUDIT_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
