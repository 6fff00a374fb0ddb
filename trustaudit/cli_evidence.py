"""The evidence commands: ``trustaudit verify | sign | keygen``.

verify exits 0 intact, 1 broken (each problem on a ``BROKEN:`` line), 2 when it cannot verify (no
such folder, the HMAC key required and not given, a bad key file, the 'sign' extra missing)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from . import __version__
from .errors import UsageError
from .ledger.attest import ATTESTATION_FILE, sign_run
from .ledger.chain import LEDGER_FILE, read_ledger
from .ledger.manifest import operator, read_manifest
from .ledger.signing import keygen, load_private_key, load_public_key
from .ledger.verify import Verification, verify_run
from .printable import printable
from .redaction import redact
from .run.gate import EXIT_FAIL, EXIT_PASS, EXIT_USAGE


def existing_run_folder(value: str, option: str) -> Path:
    """A run folder that must exist (the message names the option)."""
    if not Path(value).is_dir():
        raise UsageError(
            f"{option} {value}: no such run folder. Give a folder written by trustaudit run."
        )
    return Path(value)


def _hmac_key(name: str | None) -> bytes | None:
    if not name:
        return None
    key = os.environ.get(name, "").encode() or None
    if key is None:
        raise UsageError(f"--hmac-key-env: environment variable {name} is not set or empty.")
    return key


def _verify(args: argparse.Namespace) -> int:
    key = _hmac_key(args.hmac_key_env)
    if args.attestation and not args.public_key:
        raise UsageError("--attestation: give --public-key too; a signature needs the key.")
    public = load_public_key(Path(args.public_key), "--public-key") if args.public_key else None
    folder = existing_run_folder(args.run_dir, "RUN_DIR")
    attestation = Path(args.attestation) if args.attestation else None
    result = verify_run(folder, key, public_key=public, attestation=attestation)
    return _print_result(args.run_dir, result, key is not None, public is not None)


def _print_result(run_dir: str, result: Verification, keyed: bool, signed: bool) -> int:
    """Each line passes the redaction and printable boundaries: a problem can quote a name from
    the folder (a seal entry), which is the adversary's text."""
    lines = [f"BROKEN: {problem}" for problem in result.problems]
    if not result.problems and result.key_required:
        lines.append(f"{run_dir}: cannot verify: key required. {result.key_required}.")
    elif result.intact:
        checked = [("HMACs verified", keyed), ("signature verified", signed)]
        extra = ", ".join(text for text, done in checked if done)
        lines.append(
            f"{run_dir}: intact. Ledger chain, seal, manifest and report agree"
            f"{f' ({extra})' if extra else ''}."
        )
    lines += [f"note: {note}" for note in result.notes]
    for line in lines:
        print(printable(redact(line)))
    if result.problems:
        return EXIT_FAIL
    return EXIT_USAGE if result.key_required else EXIT_PASS


def _sign(args: argparse.Namespace) -> int:
    key = load_private_key(Path(args.key), "--key")
    folder = existing_run_folder(args.run_dir, "RUN_DIR")
    result = verify_run(folder, _hmac_key(args.hmac_key_env))
    if not result.intact:
        print(f"{args.run_dir}: not signed; it does not verify.", file=sys.stderr)
        return _print_result(args.run_dir, result, False, False)
    out = Path(args.out) if args.out else folder / ATTESTATION_FILE
    if not out.parent.is_dir():
        raise UsageError(f"--out {out}: the folder '{out.parent}' does not exist.")
    seal = read_ledger(folder / LEDGER_FILE).records[-1]
    signer = args.signer or operator()
    signed = sign_run(
        folder, read_manifest(folder), seal, key, signer=signer, tool_version=__version__
    )
    out.write_text(json.dumps(signed, indent=2) + "\n", encoding="utf-8")
    print(printable(f"{out}: attestation of run {seal['run_id']} signed by {signer!r}."))
    return EXIT_PASS


def _keygen(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if not out.is_dir():
        raise UsageError(f"--out {out}: no such folder. Create it first.")
    private, public = keygen(out)
    print(
        f"{private}: private key (mode 0600; keep it secret, e.g. in your CI's secret store). "
        f"{public}: public key (give it to whoever verifies)."
    )
    return EXIT_PASS


def add_evidence_commands(commands: Any) -> None:
    verify = commands.add_parser(
        "verify", help="check a run folder's ledger chain, seal, manifest, report and signature"
    )
    verify.add_argument("run_dir")
    verify.add_argument(
        "--hmac-key-env", metavar="NAME", help="environment variable holding the ledger key"
    )
    verify.add_argument("--public-key", metavar="PEM", help="check the signed attestation")
    verify.add_argument(
        "--attestation", metavar="FILE", help=f"default: RUN_DIR/{ATTESTATION_FILE}"
    )
    verify.set_defaults(handler=_verify)
    sign = commands.add_parser(
        "sign", help="write a signed attestation (in-toto, DSSE, Ed25519) of a sealed run folder"
    )
    sign.add_argument("run_dir")
    sign.add_argument("--key", required=True, metavar="PEM", help="Ed25519 private key")
    sign.add_argument("--signer", help="who signs (default: $TRUSTAUDIT_OPERATOR or login name)")
    sign.add_argument("--out", metavar="FILE", help=f"default: RUN_DIR/{ATTESTATION_FILE}")
    sign.add_argument(
        "--hmac-key-env", metavar="NAME", help="the ledger key, when the run has HMACs"
    )
    sign.set_defaults(handler=_sign)
    keys = commands.add_parser("keygen", help="make an Ed25519 signing key pair (PEM)")
    keys.add_argument("--out", required=True, metavar="DIR", help="folder to write the keys in")
    keys.set_defaults(handler=_keygen)
