"""The tamper table of issue 12: what an operator with write access to a run folder might do, and
which verifier position must catch it. Shared by tests/test_tamper.py (one test per case) and
benchmarks/bench_tamper.py (the detected/missed matrix over every verifier position).

Two sealed runs are made once: ``plain`` (no HMAC key) and ``keyed`` (every record has an HMAC).
Both are signed (``trustaudit sign``) with the owner's key before any tampering. The attacker below
holds neither the HMAC key nor the owner's private key, but knows trustaudit's canonical form and
can rewrite every file."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from trustaudit.cli import main
from trustaudit.fingerprint import canonical
from trustaudit.ledger.chain import GENESIS, record_line, seal_fields, sha256_hex
from trustaudit.ledger.manifest import manifest_bytes
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import base_spec

KEY_ENV = "TRUSTAUDIT_TAMPER_KEY"
KEY = "tamper-suite ledger key 41c9"
WRONG_KEY_ENV = "TRUSTAUDIT_TAMPER_WRONG_KEY"
ATTESTATION = "attestation.dsse.json"
#: where the verifier stands: what it holds besides the folder
POSITIONS = {
    "none": [],
    "hmac": ["--hmac-key-env", KEY_ENV],
    "public key": ["--public-key", "{keys}/owner/trustaudit-signing.pub"],
    "wrong key": ["--hmac-key-env", WRONG_KEY_ENV],
}


@dataclass(frozen=True)
class Lab:
    """The sealed, signed runs and the keys: ``runs`` by name, ``keys`` holds owner/ and
    attacker/ key pairs."""

    runs: dict[str, Path]
    keys: Path


@dataclass(frozen=True)
class Case:
    name: str
    tamper: Callable[[Path, Lab], None]
    run: str = "plain"
    position: str = "none"  # the verifier position that must catch it
    expect: int = 1  # 1 broken, 2 cannot verify: key required


def make_lab(root: Path) -> Lab:
    """Run the demo audit twice (plain, keyed), make owner and attacker keys, sign both runs."""
    os.environ.update({KEY_ENV: KEY, WRONG_KEY_ENV: "not the ledger key"})
    runs = {}
    for name, ledger in (("plain", {}), ("keyed", {"hmac_key_env": KEY_ENV})):
        spec = base_spec(output=str(root / name), ledger=ledger)
        spec["auditors"] = spec["auditors"] * 2 + [{"use": "accountability"}]
        (root / f"{name}.yaml").write_text(yaml.safe_dump(spec))
        runs[name] = Path(run_audit(load_spec(root / f"{name}.yaml")).provenance["folder"])
    for who in ("owner", "attacker"):
        (root / "keys" / who).mkdir(parents=True)
        assert cli("keygen", "--out", str(root / "keys" / who))[0] == 0
    for name, folder in runs.items():
        keyed = POSITIONS["hmac"] if name == "keyed" else []
        signed = cli("sign", str(folder), "--key", _key(root / "keys", "owner"), *keyed)
        assert signed[0] == 0, signed[1]
    return Lab(runs, root / "keys")


@contextlib.contextmanager
def lab_environment() -> Iterator[None]:
    """The ledger keys the lab puts in the environment, removed again after."""
    saved = {name: os.environ.get(name) for name in (KEY_ENV, WRONG_KEY_ENV)}
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def cli(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    return code, out.getvalue()


def verify(folder: Path, lab: Lab, position: str) -> tuple[int, str]:
    extra = [arg.format(keys=lab.keys) for arg in POSITIONS[position]]
    return cli("verify", str(folder), *extra)


def fresh_copy(case: Case, lab: Lab, into: Path) -> Path:
    folder = Path(shutil.copytree(lab.runs[case.run], into / case.name))
    case.tamper(folder, lab)
    return folder


def _key(keys: Path, who: str) -> str:
    return str(keys / who / "trustaudit-signing.key")


# --- the attacker's tools -------------------------------------------------------------------------


def records(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "ledger.jsonl").read_bytes().splitlines()]


def write_lines(folder: Path, lines: list[bytes]) -> None:
    (folder / "ledger.jsonl").write_bytes(b"".join(line.rstrip(b"\n") + b"\n" for line in lines))


def write_records(folder: Path, found: list[dict[str, Any]]) -> None:
    write_lines(folder, [record_line(r) for r in found])


def lines(folder: Path) -> list[bytes]:
    return (folder / "ledger.jsonl").read_bytes().splitlines()


def rewrite(
    folder: Path,
    edit: Callable[[list[dict[str, Any]]], None] = lambda calls: None,
    *,
    edit_manifest: Callable[[dict[str, Any]], None] = lambda manifest: None,
    files: Callable[[dict[str, str]], None] = lambda files: None,
    downgrade: bool = False,
) -> None:
    """A full, consistent rewrite with trustaudit's own canonical form: edit the call records,
    re-chain them, record the new head in the manifest and the reports, re-seal. ``downgrade`` also
    drops every HMAC and has the manifest say there are none."""
    *calls, seal = records(folder)
    edit(calls)
    manifest = json.loads((folder / "manifest.json").read_text())
    old_head = manifest["ledger"]["head"]
    old_manifest = sha256_hex((folder / "manifest.json").read_bytes())
    head = GENESIS
    for seq, record in enumerate(calls):
        record.update(seq=seq, prev_hash=head)
        record["hash"] = head = sha256_hex(seal_fields(record))
    seal.update(seq=len(calls), prev_hash=head)
    if downgrade:
        for record in [*calls, seal]:
            record.pop("hmac", None)
        manifest["ledger"].update(hmac=False, hmac_key_env=None)
    manifest["ledger"].update(head=head, records=len(calls))
    edit_manifest(manifest)
    (folder / "manifest.json").write_bytes(manifest_bytes(manifest))
    new_manifest = sha256_hex(manifest_bytes(manifest))
    for name in ("report.json", "report.html"):  # the provenance both show
        text = (folder / name).read_text()
        text = text.replace(old_head, head).replace(old_manifest, new_manifest)
        (folder / name).write_text(text)
    reseal(folder, [*calls, seal], files)


def reseal(
    folder: Path,
    found: list[dict[str, Any]],
    files: Callable[[dict[str, str]], None] = lambda files: None,
) -> None:
    """Recompute the seal over the files as they are now (``files`` may then edit the list)."""
    seal = found[-1]
    seal["files"] = {name: sha256_hex((folder / name).read_bytes()) for name in seal["files"]}
    files(seal["files"])
    seal["hash"] = sha256_hex(seal_fields(seal))
    write_records(folder, found)


def edit_report(folder: Path, name: str) -> None:
    path = folder / name
    path.write_text(path.read_text().replace("fairness", "fairnesz", 1))


def edit_envelope(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / ATTESTATION
    envelope = json.loads(path.read_text())
    change(envelope)
    path.write_text(json.dumps(envelope))


def edit_statement(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    def apply(envelope: dict[str, Any]) -> None:
        statement = json.loads(base64.b64decode(envelope["payload"]))
        change(statement)
        envelope["payload"] = base64.b64encode(canonical(statement)).decode()

    edit_envelope(folder, apply)


def resign(folder: Path, lab: Lab, who: str = "attacker") -> None:
    (folder / ATTESTATION).unlink()
    signed = cli("sign", str(folder), "--key", _key(lab.keys, who), "--signer", "owner")
    assert signed[0] == 0, signed[1]


# --- the cases ------------------------------------------------------------------------------------


def _set(line: int, field: str, value: Any) -> Callable[[Path, Lab], None]:
    """Change one field of one record, leaving its hash as it was."""

    def tamper(folder: Path, lab: Lab) -> None:
        found = records(folder)
        found[line - 1][field] = value
        write_records(folder, found)

    return tamper


def _lines(change: Callable[[list[bytes]], None]) -> Callable[[Path, Lab], None]:
    def tamper(folder: Path, lab: Lab) -> None:
        found = lines(folder)
        change(found)
        write_lines(folder, found)

    return tamper


def _insert_forged(found: list[bytes]) -> None:
    forged = json.loads(found[1])
    forged.update(seq=2, prev_hash=forged["hash"], latency_ms=0.5)
    forged["hash"] = sha256_hex(seal_fields(forged))
    found.insert(2, record_line(forged))


def _duplicate_output_key(found: list[bytes]) -> None:
    """The issue's attack: a second "output" before the real one; the last key wins in a lax
    parser, so the hash still matches."""
    found[0] = found[0].replace(b'"output":', b'"output":[9,9,9],"output":', 1)


def _whitespace(found: list[bytes]) -> None:
    found[0] = json.dumps(json.loads(found[0])).encode()  # ", " and ": "


def _key_order(found: list[bytes]) -> None:
    record = json.loads(found[0])
    found[0] = json.dumps(dict(reversed(record.items())), separators=(",", ":")).encode()


def _number_form(found: list[bytes]) -> None:
    record = json.loads(found[0])
    text = f'"latency_ms":{json.dumps(record["latency_ms"])}'
    assert text.encode() in found[0]
    found[0] = found[0].replace(text.encode(), f'"latency_ms":{record["latency_ms"]!r}e0'.encode())


def _ascii_escapes(found: list[bytes]) -> None:
    found[0] = found[0].replace(b'"kind":"call"', b'"kind":"\\u0063all"', 1)


def _nan(found: list[bytes]) -> None:
    record = json.loads(found[0])
    text = f'"latency_ms":{json.dumps(record["latency_ms"])}'.encode()
    found[0] = found[0].replace(text, b'"latency_ms":NaN')


def _nested(found: list[bytes]) -> None:
    found[1] = b'{"seq":1,"x":' + b"[" * 100_000 + b"]" * 100_000 + b"}"


def _drop(name: str, folder: Path) -> None:
    (folder / name).unlink()


def _calls(change: Callable[[dict[str, Any]], None]) -> Callable[[Path, Lab], None]:
    """A full rewrite whose only change is ``change`` to the first call record."""
    return lambda folder, lab: rewrite(folder, lambda calls: change(calls[0]))


def _seal_files(change: Callable[[dict[str, str]], None], edit: str = "") -> Callable:
    """Optionally edit a report, then re-seal consistently with ``change`` to the file list."""

    def tamper(folder: Path, lab: Lab) -> None:
        if edit:
            edit_report(folder, edit)
        reseal(folder, records(folder), change)

    return tamper


def _manifest_text(change: Callable[[str], str]) -> Callable[[Path, Lab], None]:
    def tamper(folder: Path, lab: Lab) -> None:
        path = folder / "manifest.json"
        path.write_text(change(path.read_text()))

    return tamper


def _manifest_head_consistent(folder: Path, lab: Lab) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["ledger"]["head"] = "f" * 64
    (folder / "manifest.json").write_bytes(manifest_bytes(manifest))
    reseal(folder, records(folder))


def _strip_hmacs(folder: Path, lab: Lab) -> None:
    found = records(folder)
    for record in found:
        record.pop("hmac")
    write_records(folder, found)


def _edit_output(calls: list[dict[str, Any]]) -> None:
    calls[0]["output"] = [1 - v for v in calls[0]["output"]]


def _full_rewrite(folder: Path, lab: Lab) -> None:
    rewrite(folder, _edit_output)


def _downgrade(folder: Path, lab: Lab) -> None:
    rewrite(folder, _edit_output, downgrade=True)


def _seal_only_rewrite(folder: Path, lab: Lab) -> None:
    edit_report(folder, "report.json")
    reseal(folder, records(folder))


def _resigned(folder: Path, lab: Lab) -> None:
    _full_rewrite(folder, lab)
    resign(folder, lab)


def _subject_digest(statement: dict[str, Any]) -> None:
    statement["subject"][2]["digest"]["sha256"] = "0" * 64


def _foreign_attestation(folder: Path, lab: Lab) -> None:
    shutil.copy(lab.runs["keyed"] / ATTESTATION, folder / ATTESTATION)


def _sig(change: Callable[[list[dict[str, str]]], None]) -> Callable[[Path, Lab], None]:
    return lambda folder, lab: edit_envelope(folder, lambda e: change(e["signatures"]))


def _flip_sig(signatures: list[dict[str, str]]) -> None:
    raw = bytearray(base64.b64decode(signatures[0]["sig"]))
    raw[0] ^= 1
    signatures[0]["sig"] = base64.b64encode(bytes(raw)).decode()


_ESCAPE = "../escape.txt"
PUBLIC = "public key"
CASES = [
    # ledger lines: edits, deletions, order
    Case("edit-call-field", _set(1, "latency_ms", 0.001)),
    Case("edit-call-output", _set(2, "output", [1, 0])),
    Case("edit-seal-timestamp", _set(5, "ts", "2020-01-01T00:00:00+00:00")),
    Case("delete-call-line", _lines(lambda f: f.pop(1))),
    Case("delete-seal-line", _lines(lambda f: f.pop())),
    Case("reorder-lines", _lines(lambda f: f.insert(1, f.pop(2)))),
    Case("duplicate-line", _lines(lambda f: f.insert(1, f[1]))),
    Case("insert-forged-line", _lines(_insert_forged)),
    Case("truncate-torn-last-line", lambda d, lab: _truncate(d)),
    Case("append-after-seal", _lines(lambda f: f.append(f[-1]))),
    Case("blank-line", _lines(lambda f: f.insert(2, b""))),
    # ledger lines: the canonical form
    Case("duplicate-json-key", _lines(_duplicate_output_key)),
    Case("non-canonical-whitespace", _lines(_whitespace)),
    Case("non-canonical-key-order", _lines(_key_order)),
    Case("non-canonical-number", _lines(_number_form)),
    Case("non-canonical-escape", _lines(_ascii_escapes)),
    Case("nested-100k-deep-line", _lines(_nested)),
    Case("nan-value", _lines(_nan)),
    # field sets, consistently rehashed (only the shape check can see these without a key)
    Case("unknown-field", _calls(lambda r: r.update(note="reviewed"))),
    Case("missing-field", _calls(lambda r: r.pop("error"))),
    Case("record-of-another-run", _calls(lambda r: r.update(run_id="0" * 32))),
    Case("capture-mismatch", _calls(lambda r: r.update(capture="digest"))),
    Case("unknown-record-kind", _calls(lambda r: r.update(kind="note"))),
    Case("seal-in-the-middle", _calls(lambda r: r.update(kind="seal"))),
    # the seal, rewritten consistently
    Case("seal-files-emptied", _seal_files(lambda f: f.clear(), "report.html")),
    Case("seal-missing-a-file", _seal_files(lambda f: f.pop("report.html"), "report.html")),
    Case("seal-extra-file", _seal_files(lambda f: f.update({"notes.txt": "0" * 64}))),
    Case("seal-path-escapes", _seal_files(lambda f: f.update({_ESCAPE: "0" * 64}))),
    Case("seal-absolute-path", _seal_files(lambda f: f.update({"/etc/hostname": "0" * 64}))),
    Case("seal-hash-not-sha256", _seal_files(lambda f: f.update({"junit.xml": "x"}))),
    # manifest
    Case("manifest-field-edited", _manifest_text(lambda t: t.replace('"seed": 3', '"seed": 4'))),
    Case("manifest-reformatted", _manifest_text(lambda t: json.dumps(json.loads(t), indent=4))),
    Case("manifest-duplicate-key", _manifest_text(lambda t: t.replace("{", '{"seed": 9,', 1))),
    Case("manifest-deleted", lambda d, lab: _drop("manifest.json", d)),
    Case("manifest-head-resealed", _manifest_head_consistent),
    # reports
    Case("report-html-edited", lambda d, lab: edit_report(d, "report.html")),
    Case("report-json-edited", lambda d, lab: edit_report(d, "report.json")),
    Case("junit-edited", lambda d, lab: edit_report(d, "junit.xml")),
    Case("report-html-deleted", lambda d, lab: _drop("report.html", d)),
    # HMAC
    Case("hmac-claimed-no-key", lambda d, lab: None, "keyed", "none", 2),
    Case("hmacs-stripped", _strip_hmacs, "keyed"),
    Case("edit-keyed-run-no-key", _set(2, "output", [1, 0]), "keyed"),
    Case("full-rewrite-keyed-no-key", _full_rewrite, "keyed", "none", 2),
    Case("full-rewrite-keyed", _full_rewrite, "keyed", "hmac"),
    Case("seal-only-rewrite-keyed", _seal_only_rewrite, "keyed", "hmac"),
    Case("wrong-key", lambda d, lab: None, "keyed", "wrong key"),
    # signed attestations
    Case("full-rewrite-signed", _full_rewrite, "plain", PUBLIC),
    Case("seal-only-rewrite-signed", _seal_only_rewrite, "plain", PUBLIC),
    Case("hmac-downgrade-signed", _downgrade, "keyed", PUBLIC),
    Case("resigned-other-key", _resigned, "plain", PUBLIC),
    Case(
        "subject-digest-edited", lambda d, lab: edit_statement(d, _subject_digest), "plain", PUBLIC
    ),
    Case(
        "payload-type-changed",
        lambda d, lab: edit_envelope(d, lambda e: e.update(payloadType="application/json")),
        "plain",
        PUBLIC,
    ),
    Case("attestation-deleted", lambda d, lab: _drop(ATTESTATION, d), "plain", PUBLIC),
    Case("signature-bit-flipped", _sig(_flip_sig), "plain", PUBLIC),
    Case("signatures-removed", _sig(lambda s: s.clear()), "plain", PUBLIC),
    Case("attestation-of-another-run", _foreign_attestation, "plain", PUBLIC),
    Case(
        "payload-not-base64",
        lambda d, lab: edit_envelope(d, lambda e: e.update(payload="%%%")),
        "plain",
        PUBLIC,
    ),
    Case(
        "report-edited-after-signing", lambda d, lab: edit_report(d, "report.html"), "plain", PUBLIC
    ),
]

#: what no check can see without a key or a signature: the documented limits (verify says intact)
LIMITS = [
    Case("full-rewrite", _full_rewrite, expect=0),
    Case("seal-only-rewrite", _seal_only_rewrite, expect=0),
    Case("hmac-downgrade", _downgrade, "keyed", expect=0),
    Case("attestation-deleted-unasked", lambda d, lab: _drop(ATTESTATION, d), expect=0),
]


def _truncate(folder: Path) -> None:
    data = (folder / "ledger.jsonl").read_bytes()
    (folder / "ledger.jsonl").write_bytes(data[:-40])
