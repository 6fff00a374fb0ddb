"""Secrets named in secret_env never reach any output: ledger, manifest, reports, stdout, stderr."""

from __future__ import annotations

import json
import os

from trustaudit.redaction import redact, redact_data, register
from trustaudit.testing import LoopbackLLM

from .conftest import CHEST_PAIN_VIGNETTE, counterfactual_auditor, run_spec

SECRET_MODEL = "topsecretmodelXYZ"


def test_redact_replaces_registered_values_only():
    register("hunter2secret", "ab", None)  # too short to be a secret: left alone
    assert redact("key hunter2secret and ab") == "key *** and ab"
    assert redact_data({"k": ["x hunter2secret"], "hunter2secret": 1}) == {"k": ["x ***"], "***": 1}


def test_redact_catches_a_secret_case_folded_percent_and_base64_encoded_inside_longer_text():
    import base64
    from urllib.parse import quote

    secret = "Tok/en+0123456789xyz"
    register(secret)
    for prefix in (b"", b"u", b"us", b"user:"):  # every byte alignment inside a longer value
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(prefix + secret.encode() + b"!tail").decode()
            shown = redact(f"Authorization: Basic {encoded}")
            assert "***" in shown and encoded not in shown
            assert encode(secret.encode()).decode()[4:14] not in shown
    assert redact(f"x={secret.upper()};y={secret.lower()}") == "x=***;y=***"
    assert redact(f"?k={quote(secret, safe='')}&z=1") == "?k=***&z=1"
    assert redact("ordinary words stay as they are") == "ordinary words stay as they are"


def test_a_secret_used_as_the_model_name_is_written_nowhere(tmp_path):
    """The reviewer's case: a secret_env value in model and base_url, with calls that fail and
    calls that succeed; every file of the run folder, stdout and stderr are searched."""
    (tmp_path / "v.jsonl").write_text(json.dumps(CHEST_PAIN_VIGNETTE) + "\n")
    with LoopbackLLM() as server:
        port = server.base_url.split(":")[2].split("/")[0]
        spec = {
            "name": "secret",
            "output": str(tmp_path / "reports"),
            "secret_env": ["TA_SECRET_MODEL", "TA_SECRET_HOST"],
            "model": {
                "type": "openai",
                "base_url": "http://${TA_SECRET_HOST}/v1",
                "model": "${TA_SECRET_MODEL}",
                "max_retries": 0,
            },
            "auditors": [counterfactual_auditor(tmp_path / "v.jsonl")],
        }
        env = {**os.environ, "TA_SECRET_MODEL": SECRET_MODEL, "TA_SECRET_HOST": f"127.0.0.1:{port}"}
        done = run_spec(tmp_path, spec, env=env)
    assert done.returncode == 0, done.stderr
    assert SECRET_MODEL not in done.stdout + done.stderr
    (folder,) = (tmp_path / "reports").iterdir()
    for path in (p for p in folder.rglob("*") if p.is_file()):  # compliance/ included
        assert SECRET_MODEL not in path.read_text(encoding="utf-8"), path.name
