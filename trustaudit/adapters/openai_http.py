"""Any OpenAI-compatible chat-completions endpoint (vLLM, Ollama, llama.cpp server, TGI, hosted APIs).

Keep-alive connections, one per worker thread; retries with exponential backoff and jitter on 5xx,
timeouts, dropped connections and malformed answers; on 429 it waits as long as ``Retry-After`` says.
Other 4xx answers are not retried. The API key is read from an environment variable and never appears
in an error message, the ledger or the report.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from ..errors import AdapterError
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
        return min(self.backoff * 2 ** attempt, self.max_wait) * (0.5 + rng.random() / 2)


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

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise AdapterError(f"openai adapter: base_url '{self.base_url}' is not an http(s) URL.")
        self._scheme, self._host, self._port = parts.scheme, parts.hostname, parts.port
        self._path = parts.path.rstrip("/") + "/chat/completions"
        self._local = threading.local()
        self._rng = random.Random(0)

    def generate(self, request: TextRequest) -> Generation:
        body = {"model": self.model, "messages": request.chat_messages(), "temperature": request.temperature,
                "max_tokens": request.max_tokens}
        if request.seed is not None:
            body["seed"] = request.seed
        payload = json.dumps(body).encode()
        problem = ""
        for attempt in range(self.retry.max_retries + 1):
            retry_after = None
            try:
                status, headers, data = self._post(payload)
            except (OSError, http.client.HTTPException) as exc:  # timeouts, refused and dropped connections
                self._drop_connection()
                problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            else:
                if status == 200:
                    try:
                        return self._parse(data)
                    except (ValueError, KeyError, IndexError, TypeError, AdapterError) as exc:
                        problem = f"malformed response ({type(exc).__name__}: {exc})"
                elif status in RETRYABLE_STATUS:
                    problem = f"HTTP {status}"
                    retry_after = _retry_after(headers.get("Retry-After"))
                else:
                    shown = _masked_snippet(data, self.api_key)
                    raise AdapterError(f"{self._who()}: HTTP {status}: {shown}. Check base_url, model and "
                                       "the API key variable.")
            if attempt < self.retry.max_retries:
                self.sleep(self.retry.wait(attempt, retry_after, self._rng))
        raise AdapterError(f"{self._who()}: no answer after {self.retry.max_retries + 1} attempts; last: {problem}")

    def _post(self, payload: bytes) -> tuple[int, http.client.HTTPMessage, bytes]:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            kind = http.client.HTTPSConnection if self._scheme == "https" else http.client.HTTPConnection
            connection = kind(self._host, self._port, timeout=self.timeout)
            connection.connect()
            connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle/delayed-ACK stalls
            self._local.connection = connection
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        connection.request("POST", self._path, body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
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
        return Generation(checked_text(choice["message"]["content"], self._who()), None, choice.get("finish_reason"),
                          usage.get("completion_tokens"))

    def _who(self) -> str:
        return f"openai adapter ({self.model} at {self.base_url})"


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


def _masked_snippet(data: bytes, api_key: str | None) -> str:
    """The start of an error body for the message: the API key and (with the privacy extra) any PHI masked."""
    text = data[:200].decode("utf-8", "replace").replace("\n", " ")
    if api_key:
        text = text.replace(api_key, "***")
    try:
        from ..auditors.phi import find_phi
        from ..masking import mask
    except ImportError:  # pragma: no cover - without presidio the body is shown as it is
        return text
    return mask(text, find_phi(text))


def load_openai(spec_model, *, where: str) -> OpenAICompatibleAdapter:
    import os

    key = None
    if spec_model.api_key_env:
        key = os.environ.get(spec_model.api_key_env)
        if not key:
            from ..errors import SpecError

            raise SpecError(f"{where}.api_key_env: environment variable {spec_model.api_key_env} is not set or empty. "
                            "Export the API key in it (it is never written anywhere).")
    info = ModelInfo("openai", spec_model.model, spec_model.version or "unversioned",
                     f"endpoint:{spec_model.base_url} model:{spec_model.model}")
    return OpenAICompatibleAdapter(spec_model.base_url, spec_model.model, info, api_key=key,
                                   timeout=spec_model.timeout, max_in_flight=spec_model.max_in_flight,
                                   retry=RetryPolicy(spec_model.max_retries, spec_model.backoff))
