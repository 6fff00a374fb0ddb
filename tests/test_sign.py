"""trustaudit keygen, sign and verify --public-key: the DSSE and in-toto formats as their specs
write them, key files, and the optional-extra boundary."""

from __future__ import annotations

import base64
import hashlib
import json
import stat

import pytest

from trustaudit import extras
from trustaudit.ledger.attest import PAYLOAD_TYPE, PREDICATE_TYPE, pae
from trustaudit.ledger.chain import read_ledger

from .tamper_cases import cli, lab_environment, make_lab

pytestmark = pytest.mark.extra("sign")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    with lab_environment():
        yield make_lab(tmp_path_factory.mktemp("sign"))


def test_pae_is_the_dsse_test_vector():
    """protocol.md of secure-systems-lab/dsse: the PAE of its example."""
    assert pae("http://example.com/HelloWorld", b"hello world") == (
        b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
    )


def test_the_envelope_is_an_in_toto_statement_over_the_sealed_files(lab):
    from cryptography.hazmat.primitives import serialization

    folder = lab.runs["plain"]
    envelope = json.loads((folder / "attestation.dsse.json").read_text())
    assert envelope["payloadType"] == PAYLOAD_TYPE == "application/vnd.in-toto+json"
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["predicateType"] == PREDICATE_TYPE
    subjects = {s["name"]: s["digest"]["sha256"] for s in statement["subject"]}
    assert set(subjects) == {
        "ledger.jsonl",
        "manifest.json",
        "report.json",
        "report.html",
        "junit.xml",
        "compliance/card.xml",
        "compliance/hti1.json",
        "compliance/evidence-map.json",
        "compliance/evidence.json",
    }
    for name, digest in subjects.items():
        assert digest == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    seal = read_ledger(folder / "ledger.jsonl").records[-1]
    manifest = json.loads((folder / "manifest.json").read_text())
    predicate = statement["predicate"]
    assert predicate["runId"] == manifest["run_id"] == seal["run_id"]
    assert predicate["sealHash"] == seal["hash"]
    assert predicate["ledgerHead"] == manifest["ledger"]["head"]
    assert predicate["tool"]["name"] == "trustaudit"
    assert predicate["signer"]
    public = (lab.keys / "owner" / "trustaudit-signing.pub").read_bytes()
    der = serialization.load_pem_public_key(public).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    [signature] = envelope["signatures"]
    assert signature["keyid"] == hashlib.sha256(der).hexdigest()


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(lab):
    private = lab.keys / "owner" / "trustaudit-signing.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert private.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    before = private.read_bytes()
    code, out = cli("keygen", "--out", str(lab.keys / "owner"))
    assert code == 2
    assert "never overwrites" in out
    assert private.read_bytes() == before


def test_sign_with_out_and_signer_then_verify_with_attestation(lab, tmp_path):
    out = tmp_path / "elsewhere.dsse.json"
    key = str(lab.keys / "owner" / "trustaudit-signing.key")
    folder = str(lab.runs["plain"])
    code, text = cli("sign", folder, "--key", key, "--signer", "QA board", "--out", str(out))
    assert code == 0, text
    pub = str(lab.keys / "owner" / "trustaudit-signing.pub")
    code, text = cli("verify", folder, "--public-key", pub, "--attestation", str(out))
    assert code == 0, text
    assert "intact" in text
    assert "signature verified" in text
    assert "'QA board'" in text


def test_the_keyed_run_verifies_with_the_public_key_alone(lab):
    pub = str(lab.keys / "owner" / "trustaudit-signing.pub")
    code, text = cli("verify", str(lab.runs["keyed"]), "--public-key", pub)
    assert code == 0, text
    assert "HMACs not checked" in text


def test_a_keyed_run_is_not_signed_without_its_key(lab):
    key = str(lab.keys / "owner" / "trustaudit-signing.key")
    code, text = cli("sign", str(lab.runs["keyed"]), "--key", key, "--out", "/dev/null")
    assert code == 2
    assert "cannot verify: key required" in text


@pytest.mark.parametrize(
    "args, says",
    [
        (["--public-key", "{keys}/owner/trustaudit-signing.key"], "not a PEM public key"),
        (["--public-key", "{keys}/nowhere.pub"], "cannot read it"),
        (["--attestation", "x.json"], "give --public-key too"),
    ],
)
def test_bad_key_arguments_exit_2(lab, args, says):
    args = [a.format(keys=lab.keys) for a in args]
    code, text = cli("verify", str(lab.runs["plain"]), *args)
    assert code == 2
    assert says in text


def test_sign_refuses_a_broken_folder(lab, tmp_path):
    import shutil

    folder = shutil.copytree(lab.runs["plain"], tmp_path / "run")
    (folder / "report.html").write_text("edited")
    code, text = cli(
        "sign", str(folder), "--key", str(lab.keys / "owner" / "trustaudit-signing.key")
    )
    assert code == 1
    assert "not signed; it does not verify" in text


@pytest.mark.parametrize(
    "args",
    [
        ["keygen", "--out", "."],
        ["sign", ".", "--key", "k.pem"],
        ["verify", ".", "--public-key", "k.pub"],
    ],
    ids=["keygen", "sign", "verify"],
)
def test_without_the_extra_each_command_says_how_to_install_it(monkeypatch, args):
    monkeypatch.setattr(extras, "available", lambda extra: extra != "sign")
    code, text = cli(*args)
    assert code == 2
    assert "needs the 'sign' extra" in text
    assert "pip install 'trustaudit[sign]'" in text
