"""Ed25519 keys and signatures (the optional 'sign' extra: the ``cryptography`` package).

Keys are PEM files: the private key PKCS#8, unencrypted, written with mode 0600; the public key
SubjectPublicKeyInfo. A key id is the SHA-256 of the public key's DER SubjectPublicKeyInfo, a hint
for finding the key, never a reason to trust a signature."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..extras import require
from ..fingerprint import sha256_hex

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PRIVATE_KEY_FILE = "trustaudit-signing.key"
PUBLIC_KEY_FILE = "trustaudit-signing.pub"


def keygen(out: Path) -> tuple[Path, Path]:
    """Write a new key pair into folder ``out``; an existing key file is never overwritten."""
    require("sign", "trustaudit keygen")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    paths = out / PRIVATE_KEY_FILE, out / PUBLIC_KEY_FILE
    for path in paths:
        if path.exists():
            raise UsageError(f"--out {out}: {path.name} exists; keygen never overwrites a key.")
    _write_new(paths[0], private, 0o600)
    _write_new(paths[1], public_pem(key.public_key()), 0o644)
    return paths


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start (no moment where a private key is readable by
    others)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create it ({exc.strerror}).") from None
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.chmod(path, mode)  # whatever the umask


def public_pem(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives import serialization

    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return sha256_hex(der)


def load_private_key(path: Path, option: str) -> Ed25519PrivateKey:
    key = _load_pem(path, option, private=True)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{option} {path}: expected an Ed25519 key (trustaudit keygen makes one).")
    return key


def load_public_key(path: Path, option: str) -> Ed25519PublicKey:
    key = _load_pem(path, option, private=False)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"{option} {path}: expected an Ed25519 public key.")
    return key


def _load_pem(path: Path, option: str, *, private: bool) -> Any:
    require("sign", f"{option} ({'signing' if private else 'signature checks'})")
    from cryptography.hazmat.primitives import serialization

    data = _read(path, option)
    try:
        if private:
            return serialization.load_pem_private_key(data, password=None)
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as exc:
        kind = "an unencrypted PEM private key" if private else "a PEM public key"
        raise UsageError(f"{option} {path}: not {kind} ({exc}).") from None


def _read(path: Path, option: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot read it ({exc.strerror}).") from None


def signature_verifies(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
