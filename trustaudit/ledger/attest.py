"""Signed attestations: ``trustaudit sign`` and ``verify --public-key``.

An attestation is an in-toto Statement v1 (https://in-toto.io/Statement/v1) whose subjects are the
ledger and every sealed file with its SHA-256, and whose predicate names the run id, the ledger head
and seal hash, the tool and the signer. It travels in a DSSE envelope (payloadType
``application/vnd.in-toto+json``): the signature is Ed25519 over the pre-authentication encoding
PAE(payloadType, payload), so neither the type nor the statement can be changed without the private
key. Whoever holds only the public key can then tell the folder from any rewrite of it, however
consistent its hashes."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..clock import utc_now
from ..fingerprint import canonical, sha256_hex, strict_json
from .chain import LEDGER_FILE
from .runfolder import sealed_files
from .signing import key_id, signature_verifies

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

ATTESTATION_FILE = "attestation.dsse.json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://trustaudit.dev/attestation/sealed-run/v1"


def subject_files(folder: Path, listed: Iterable[str] = ()) -> tuple[str, ...]:
    """The statement's subjects, exactly: the ledger and the files its seal lists
    (``runfolder.sealed_files``; ``listed``: the names a statement signs)."""
    return (LEDGER_FILE, *sealed_files(folder, listed))


def pae(payload_type: str, body: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding: what is signed."""
    kind = payload_type.encode()
    return b"DSSEv1 %d %b %d %b" % (len(kind), kind, len(body), body)


def statement(folder: Path, predicate: dict[str, Any]) -> dict[str, Any]:
    """The in-toto Statement over the files of ``folder`` as they are now."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": [
            {"name": name, "digest": {"sha256": sha256_hex((folder / name).read_bytes())}}
            for name in subject_files(folder)
        ],
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    }


def sign_run(
    folder: Path,
    manifest: dict[str, Any],
    seal: dict[str, Any],
    key: Ed25519PrivateKey,
    *,
    signer: str,
    tool_version: str,
) -> dict[str, Any]:
    """The signed attestation of a sealed run folder that verifies."""
    predicate = {
        "runId": manifest["run_id"],
        "ledgerHead": manifest["ledger"]["head"],
        "ledgerRecords": manifest["ledger"]["records"],
        "sealHash": seal["hash"],
        "signer": signer,
        "signedAt": utc_now("seconds"),
        "tool": {"name": "trustaudit", "version": tool_version},
    }
    return envelope(statement(folder, predicate), key)


def envelope(payload: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The DSSE JSON envelope of ``payload``, signed with ``key``."""
    body = canonical(payload)
    signature = key.sign(pae(PAYLOAD_TYPE, body))
    return {
        "payload": base64.b64encode(body).decode(),
        "payloadType": PAYLOAD_TYPE,
        "signatures": [
            {"keyid": key_id(key.public_key()), "sig": base64.b64encode(signature).decode()}
        ],
    }


def attestation_problems(
    folder: Path, path: Path, key: Ed25519PublicKey, manifest: dict[str, Any]
) -> tuple[list[str], str | None]:
    """What is wrong with the attestation at ``path`` for ``folder`` (checked as DSSE says: the
    signature first, then the type, then the statement), and a note naming the signer when it
    verifies."""
    where = f"attestation {path.name}"
    try:
        found = strict_json(path.read_bytes())
    except OSError:
        return [
            f"{where}: missing; sign the sealed run with trustaudit sign RUN_DIR --key KEY"
        ], None
    except (ValueError, UnicodeDecodeError) as exc:
        return [f"{where}: not a DSSE envelope ({exc})"], None
    opened = _open_envelope(found, key)
    if isinstance(opened, str):
        return [f"{where}: {opened}"], None
    problems = [f"{where}: {p}" for p in _statement_problems(opened, folder, manifest)]
    predicate = opened.get("predicate", {}) if not problems else {}
    note = f"attestation signed by {predicate.get('signer')!r} (key {key_id(key)[:16]}…) verifies"
    return problems, None if problems else note


def _open_envelope(found: Any, key: Ed25519PublicKey) -> dict[str, Any] | str:
    """The statement an envelope carries when one of its signatures verifies with ``key``, or why
    not."""
    if not isinstance(found, dict) or not all(
        isinstance(found.get(k), t)
        for k, t in (("payload", str), ("payloadType", str), ("signatures", list))
    ):
        return "not a DSSE envelope (payload, payloadType and signatures expected)"
    try:
        body = _b64(found["payload"])
        signatures = [_b64(s["sig"]) for s in found["signatures"]]
    except (TypeError, KeyError, ValueError, binascii.Error):
        return "payload or a signature is not base64"
    message = pae(found["payloadType"], body)
    if not any(signature_verifies(key, s, message) for s in signatures):
        return (
            f"no signature verifies with the public key (key {key_id(key)[:16]}…): signed with "
            "another key, or the payload or its type was changed"
        )
    if found["payloadType"] != PAYLOAD_TYPE:
        return f"payloadType {found['payloadType']!r} is not {PAYLOAD_TYPE!r}"
    try:
        payload = strict_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"the signed payload is not JSON ({exc})"
    return payload if isinstance(payload, dict) else "the signed payload is not a statement"


def _b64(text: Any) -> bytes:
    """Standard or URL-safe base64 (DSSE verifiers accept both)."""
    if not isinstance(text, str):
        raise TypeError("not text")
    text = text.replace("-", "+").replace("_", "/")
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _statement_problems(found: dict[str, Any], folder: Path, manifest: dict[str, Any]) -> list[str]:
    """The signed statement must be trustaudit's, over exactly these files as they are now, for
    this run."""
    if found.get("_type") != STATEMENT_TYPE or found.get("predicateType") != PREDICATE_TYPE:
        return [f"the signed statement is not a {PREDICATE_TYPE} in-toto Statement v1"]
    subjects = found.get("subject")
    if not isinstance(subjects, list) or not all(
        isinstance(s, dict) and isinstance(s.get("digest"), dict) for s in subjects
    ):
        return ["the statement's subjects are not a list of name and digest"]
    signed = {s.get("name"): s["digest"].get("sha256") for s in subjects}
    expected = subject_files(folder, map(str, signed))
    if sorted(map(str, signed)) != sorted(expected) or len(subjects) != len(expected):
        return [f"the statement's subjects are {sorted(map(str, signed))}, not {expected}"]
    problems = []
    for name in expected:
        path = folder / name
        actual = sha256_hex(path.read_bytes()) if path.is_file() else None
        if actual != signed[name]:
            problems.append(f"{name} is not the file that was signed (sha256 differs or missing)")
    predicate = found.get("predicate")
    run_id = predicate.get("runId") if isinstance(predicate, dict) else None
    if run_id != manifest.get("run_id"):
        problems.append(f"the statement is for run {run_id!r}, not this folder's run")
    return problems
