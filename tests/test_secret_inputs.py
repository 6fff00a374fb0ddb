"""API keys and URLs as they arrive: a key with a Windows line ending is stripped, a key no HTTP
header can carry and a credential in base_url are spec errors that never show the secret, and a key
a server echoes back (upper-cased, base64) is masked in every output. Each case runs the real CLI
and searches every file of the run folder, stdout and stderr."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import yaml

from trustaudit.adapters.openai_http import read_api_key
from trustaudit.errors import SpecError

from .conftest import CHEST_PAIN_VIGNETTE, counterfactual_auditor, run_spec

KEY = "sk-PLANTED-0123456789abcdef"


class _EchoServer(BaseHTTPRequestHandler):
    """Answers 'admit' and echoes the Authorization header back: upper-cased, base64 (standard and
    URL-safe, inside a longer value) and as sent, the way a verbose or hostile endpoint might."""

    seen: ClassVar[list[str]] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        auth = self.headers.get("Authorization", "")
        type(self).seen.append(auth)
        key = auth.removeprefix("Bearer ")
        basic = base64.b64encode(f"user:{key}".encode()).decode()
        urlsafe = base64.urlsafe_b64encode(f"x{key}!".encode()).decode()
        content = f"admit. echo {auth.upper()} Basic {basic} tok={urlsafe} raw {key}"
        body = json.dumps(
            {"choices": [{"message": {"content": content}, "finish_reason": "stop"}]}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def echo_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoServer)
    _EchoServer.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def _spec(tmp_path, base_url: str) -> dict:
    (tmp_path / "v.jsonl").write_text(json.dumps(CHEST_PAIN_VIGNETTE) + "\n")
    return {
        "name": "keys",
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "openai",
            "base_url": base_url,
            "model": "m",
            "max_retries": 0,
            "api_key_env": "TA_PLANTED_KEY",
        },
        "auditors": [counterfactual_auditor(tmp_path / "v.jsonl")],
    }


def _leaks(done, tmp_path, secret: str) -> list[str]:
    """Where ``secret`` (or its upper-case or base64 form) is written: stdout, stderr, any file."""
    forms = {secret, secret.upper(), base64.b64encode(secret.encode()).decode()[:16]}
    places = {"stdout": done.stdout, "stderr": done.stderr}
    reports = tmp_path / "reports"
    if reports.exists():
        for path in reports.rglob("*"):
            if path.is_file():
                places[str(path.relative_to(reports))] = path.read_text(encoding="utf-8")
    return [where for where, text in places.items() if any(f in text for f in forms)]


@pytest.mark.parametrize("ending", ["\r\n", "\n", "  \t"], ids=["crlf", "lf", "blanks"])
def test_a_key_with_a_line_ending_is_stripped_and_its_echoes_masked(tmp_path, echo_server, ending):
    env = {**os.environ, "TA_PLANTED_KEY": f"  {KEY}{ending}"}
    done = run_spec(tmp_path, _spec(tmp_path, echo_server), "--quiet", env=env)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    assert _EchoServer.seen and set(_EchoServer.seen) == {f"Bearer {KEY}"}
    assert _leaks(done, tmp_path, KEY) == []
    (folder,) = (tmp_path / "reports").iterdir()
    assert "***" in (folder / "ledger.jsonl").read_text(encoding="utf-8")  # the echoes, masked


@pytest.mark.parametrize(
    ("key", "said"),
    [
        (f"{KEY[:10]}\r{KEY[10:]}", "a line break"),
        (f"{KEY[:10]}\n{KEY[10:]}", "a line break"),
        (f"{KEY[:10]}\x1b{KEY[10:]}", "a control character"),
        (f"{KEY[:10]}é{KEY[10:]}", "a non-ASCII character"),
        (f"{KEY[:10]}\u2028{KEY[10:]}", "a non-ASCII character"),
    ],
    ids=["cr", "lf", "esc", "latin-1", "non-latin-1"],
)
def test_a_key_no_header_can_carry_is_a_spec_error_that_never_shows_it(
    tmp_path, echo_server, key, said
):
    env = {**os.environ, "TA_PLANTED_KEY": key}
    done = run_spec(tmp_path, _spec(tmp_path, echo_server), env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "environment variable TA_PLANTED_KEY" in done.stderr and said in done.stderr
    assert _EchoServer.seen == []  # refused before any call
    assert _leaks(done, tmp_path, KEY[:10]) == [] and _leaks(done, tmp_path, KEY[10:]) == []


def test_a_nul_in_a_key_is_refused():
    """No environment variable can hold a NUL (execve refuses it); a mapping can."""
    with pytest.raises(SpecError, match="TA_K holds a NUL character") as caught:
        read_api_key("TA_K", "model.api_key_env", {"TA_K": f"{KEY}\x00x"})
    assert KEY not in str(caught.value)
    assert read_api_key("TA_K", "w", {"TA_K": f"\ufeff {KEY}\r\n".strip("\ufeff")}) == KEY


@pytest.mark.parametrize(
    ("url", "said"),
    [
        (f"http://user:{KEY}@127.0.0.1:9/v1", "user name or password"),
        (f"http://{KEY}@127.0.0.1:9/v1", "user name or password"),
        (f"http://127.0.0.1:9/v1?api_key={KEY}", "(api_key)"),
        (f"http://127.0.0.1:9/v1?api-version=1&key={KEY}", "(key)"),
        (f"http://127.0.0.1:9/v1?sv=2024&sig={KEY}", "(sig)"),
        (f"http://127.0.0.1:9/v1?accessToken={KEY}", "(accessToken)"),
    ],
    ids=["userinfo", "user", "api_key", "key", "sig", "camel-token"],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_a_secret_in_base_url_is_refused_without_echoing_it(tmp_path, url, said, command):
    spec = _spec(tmp_path, url)
    del spec["model"]["api_key_env"]
    if command == "run":
        done = run_spec(tmp_path, spec)
    else:
        (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
        validate = [sys.executable, "-m", "trustaudit.cli", "validate", str(tmp_path / "spec.yaml")]
        done = subprocess.run(validate, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "model.base_url:" in done.stderr and said in done.stderr
    assert _leaks(done, tmp_path, KEY) == []


def test_an_ordinary_query_parameter_is_accepted(tmp_path):
    from trustaudit.spec.urls import secret_in_url

    assert secret_in_url("https://example.org/openai/v1?api-version=2024-06-01") is None
    assert secret_in_url("http://127.0.0.1:8765/v1?model=x&monkey=1&keyword=2") is None
