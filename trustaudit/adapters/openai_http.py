"""Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, TGI, hosted
APIs).

Keep-alive connections, one per worker thread; retries with exponential backoff and jitter on 5xx,
timeouts, dropped connections and malformed answers; on 429 it waits as long as ``Retry-After``
says. Other 4xx answers are not retried. The API key is read from an environment variable and never
appears in an error message, the ledger or the report."""

from __future__ import annotations

import http
import http.client
import json
import os
import random
import re
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import AdapterError, SpecError
from ..inputs.data import AuditData
from ..phi.masking import mask_phi
from ..redaction import register
from .base import Generation, ModelInfo, TextRequest, checked_text

RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


@dataclass
class RetryPolicy:
    max_retries: int = 4
    backoff: float = 0.5  # seconds before the first retry; doubles each time
    max_wait: float = 30.0

    def wait(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return min(retry_after, self.max_wait)
        return min(self.backoff * 2**attempt, self.max_wait) * (0.5 + rng.random() / 2)


@dataclass
class OpenAICompatibleAdapter:
    base_url: str
    model: str
    info: ModelInfo
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_in_flight: int = 8
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    sleep: Any = time.sleep
    deadline: float | None = None  # seconds from now after which no request is sent

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AdapterError(f"openai adapter: base_url '{self.base_url}' is not an http(s) URL.")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._path = parts.path.rstrip("/") + "/chat/completions"
        self._local = threading.local()
        self._rng = random.Random(0)
        self._retry_lock = threading.Lock()
        self.retries = 0  # requests sent again after a failure (shown in the report)
        self._stop_at = None if self.deadline is None else time.monotonic() + self.deadline

    def generate(self, request: TextRequest) -> Generation:
        body = {
            "model": self.model,
            "messages": request.chat_messages(),
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
        }
        if request.seed is not None:
            body["seed"] = request.seed
        payload = json.dumps(body).encode()
        problem = kind = ""
        for attempt in range(self.retry.max_retries + 1):
            self._check_deadline()
            retry_after = None
            try:
                status, headers, data = self._post(payload)
            except (
                OSError,
                http.client.HTTPException,
            ) as exc:  # timeouts, refused and dropped connections
                self._drop_connection()
                kind = type(exc).__name__
                problem = f"{kind}: {exc}" if str(exc) else kind
            else:
                if status == 200:
                    try:
                        return self._parse(data)
                    except (ValueError, KeyError, IndexError, TypeError, AdapterError) as exc:
                        kind = "malformed response"
                        problem = f"{kind} ({type(exc).__name__}: {exc})"
                elif status in RETRYABLE_STATUS:
                    problem = kind = f"HTTP {status} {_reason(status)}".rstrip()
                    retry_after = _retry_after(headers.get("Retry-After"))
                else:
                    shown = _masked_snippet(data, self.api_key)
                    cause = f"HTTP {status} {_reason(status)} from {self._url()}: {_hint(status)}"
                    raise AdapterError(
                        f"{self._who()}: HTTP {status}: {shown}. {_hint(status)}.", cause=cause
                    )
            if attempt < self.retry.max_retries:
                with self._retry_lock:
                    self.retries += 1
                self.sleep(self.retry.wait(attempt, retry_after, self._rng))
        attempts = self.retry.max_retries + 1
        raise AdapterError(
            f"{self._who()}: no answer after {attempts} attempts; last: {problem}",
            cause=f"{kind} from {self._url()} after {attempts} attempt(s): {UNREACHABLE_HINT}",
        )

    def _check_deadline(self) -> None:
        if self._stop_at is not None and time.monotonic() >= self._stop_at:
            raise AdapterError(
                f"{self._who()}: the run's deadline ({self.deadline:g} s) has passed; not sent.",
                cause=f"the run's deadline ({self.deadline:g} s) passed: raise model.deadline",
            )

    def _post(self, payload: bytes) -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request; ``timeout`` bounds it end to end (connect, send, headers and the whole
        body), so a server dripping bytes cannot hold it longer."""
        deadline = time.monotonic() + self.timeout
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = (
                http.client.HTTPSConnection
                if self._scheme == "https"
                else http.client.HTTPConnection
            )
            connection = kind(self._host, self._port, timeout=self.timeout)
            connection.connect()
            connection.sock.setsockopt(
                socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
            )  # no Nagle/delayed-ACK stalls
            self._local.connection = connection
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        _limit(connection, deadline)
        connection.request("POST", self._path, body=payload, headers=headers)
        _limit(connection, deadline)
        response = connection.getresponse()
        chunks = []
        while True:
            _limit(connection, deadline)
            chunk = response.read1(65536)  # what has arrived: a slow body meets the deadline
            if not chunk:
                break
            chunks.append(chunk)
        response.close()  # read1 leaves a fully read response open; the connection is reused
        data = b"".join(chunks)
        if response.getheader("Connection", "").lower() == "close":
            self._drop_connection()
        return response.status, response.headers, data

    def _drop_connection(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    def _parse(self, data: bytes) -> Generation:
        answer = json.loads(data)
        choice = answer["choices"][0]
        usage = answer.get("usage") or {}
        return Generation(
            checked_text(choice["message"]["content"], self._who()),
            None,
            choice.get("finish_reason"),
            usage.get("completion_tokens"),
        )

    def _url(self) -> str:
        return f"{self.base_url.rstrip('/')}/chat/completions"

    def _who(self) -> str:
        return f"openai adapter ({self.model} at {self.base_url})"


def _limit(connection: http.client.HTTPConnection, deadline: float) -> None:
    """Let the next socket operation wait only until ``deadline``; past it, time out now."""
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("no complete answer within the timeout")
    if connection.sock is not None:
        connection.sock.settimeout(remaining)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


UNREACHABLE_HINT = (
    "check that the endpoint is up and base_url is right, or raise timeout / "
    "max_retries if it is only slow"
)
_HINTS = {
    400: "the endpoint rejected the request: check model, max_tokens and temperature",
    401: "check the API key (the variable api_key_env names)",
    403: "check the API key and that it may use this model",
    404: "check base_url (up to /v1, e.g. http://127.0.0.1:8765/v1) and model",
    422: "the endpoint rejected the request: check model, max_tokens and temperature",
}


def _hint(status: int) -> str:
    return _HINTS.get(status, "check base_url, model and the API key variable")


def _reason(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _masked_snippet(data: bytes, api_key: str | None) -> str:
    """The start of an error body for the message, with the API key and any PHI masked."""
    text = data[:200].decode("utf-8", "replace").replace("\n", " ")
    if api_key:
        text = text.replace(api_key, "***")
    return mask_phi(text)


_HEADER_UNSAFE = (
    ("a line break (CR or LF)", re.compile("[\r\n]")),
    ("a NUL character", re.compile("\x00")),
    ("a control character", re.compile("[\x01-\x1f\x7f]")),
    ("a non-ASCII character", re.compile("[^\x00-\x7f]")),
)


def read_api_key(
    name: str | None, where: str, environ: Mapping[str, str] = os.environ
) -> str | None:
    """The API key in environment variable ``name``, stripped of surrounding whitespace (a key file
    with Windows line endings), registered as a secret; a spec error naming the variable, never
    the key, when it is unset, empty or holds a character an HTTP header cannot carry."""
    if not name:
        return None
    raw = environ.get(name, "")
    key = raw.strip()
    register(raw, key)
    if not key:
        raise SpecError(
            f"{where}: environment variable {name} is not set or empty. Export the API key in "
            "it (it is never written anywhere)."
        )
    for what, pattern in _HEADER_UNSAFE:
        if pattern.search(key):
            raise SpecError(
                f"{where}: the API key in environment variable {name} holds {what}, which an "
                "HTTP header cannot carry; check how the variable is set (the key is not shown)."
            )
    return key


def load_openai(
    spec_model, *, base_dir: Path, where: str, data: AuditData | None = None
) -> OpenAICompatibleAdapter:
    key = read_api_key(spec_model.api_key_env, f"{where}.api_key_env")
    info = ModelInfo(
        "openai",
        spec_model.model,
        spec_model.version or "unversioned",
        f"endpoint:{spec_model.base_url} model:{spec_model.model}",
    )
    return OpenAICompatibleAdapter(
        spec_model.base_url,
        spec_model.model,
        info,
        api_key=key,
        timeout=spec_model.timeout,
        max_in_flight=spec_model.max_in_flight,
        retry=RetryPolicy(spec_model.max_retries, spec_model.backoff),
        deadline=spec_model.deadline,
    )
