"""A scriptable OpenAI-compatible server on 127.0.0.1 for tests and benchmarks (no model behind it).

A prompt can script faults for its own requests with ``FAULT:<kind>x<n>`` (the first n attempts
fail): ``500``, ``429`` (with ``Retry-After: 0``), ``stall`` (answers after the client's timeout),
``garbage`` (malformed JSON), ``drop`` (closes the connection without answering), ``400`` (always,
not retryable), ``drip`` (a valid answer sent a byte at a time over ``stall`` seconds). A path
other than ``/v1/chat/completions`` gets HTTP 404. Otherwise it answers ``admit`` when the prompt
mentions chest pain, else ``discharge``, after ``latency`` seconds (``answer`` replaces that rule:
another model behind the same URL). Every request is counted, by prompt, so tests can show what
was (not) sent again."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FAULT = re.compile(r"FAULT:(500|429|stall|garbage|drop|400|drip)(?:x(\d+))?")


class LoopbackLLM:
    """``with LoopbackLLM(latency=0.05) as server: server.base_url``"""

    def __init__(self, latency: float = 0.0, stall: float = 2.0) -> None:
        self.latency = latency
        self.stall = stall
        self.answer: Callable[[str], str] = admit_for_chest_pain  # prompt -> the answer's text
        self.requests: Counter = Counter()  # prompt -> requests received
        self.authorization: list[str] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Handler, self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> LoopbackLLM:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def count(self, prompt: str, authorization: str) -> int:
        """Count a request for ``prompt``; return which attempt at it this is (1 = the first)."""
        with self._lock:
            self.requests[prompt] += 1
            self.authorization.append(authorization)
            return self.requests[prompt]


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests as ``owner`` scripts them."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # as real servers do: no 40 ms delayed-ACK stalls

    def __init__(self, owner: LoopbackLLM, *args: Any) -> None:
        self.owner = owner
        super().__init__(*args)

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        prompt = body["messages"][-1]["content"]
        attempt = self.owner.count(prompt, self.headers.get("Authorization", ""))
        if not self.path.endswith("/v1/chat/completions"):  # as real servers do
            self._send(404, b'{"error": "not found"}')
            return
        fault = FAULT.search(prompt)
        kind = fault.group(1) if fault and attempt <= int(fault.group(2) or 10**9) else None
        if kind == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if kind == "drip":  # headers at once, then the body a byte at a time, for ``stall`` s
            self._drip(json.dumps(_completion(self.owner.answer(prompt))).encode())
            return
        if kind == "stall":
            time.sleep(self.owner.stall)
        time.sleep(self.owner.latency)
        if kind in ("500", "429", "400"):
            error = {"error": "injected", "echo": prompt[:120]}  # servers echo requests in errors
            retry = {"Retry-After": "0"} if kind == "429" else {}
            self._send(int(kind), json.dumps(error).encode(), retry)
        elif kind == "garbage":
            self._send(200, b'{"choices": [{"message": ')
        else:
            self._send(200, json.dumps(_completion(self.owner.answer(prompt))).encode())

    def _drip(self, data: bytes) -> None:
        """A complete answer, sent so slowly that every single read is quick but the whole takes
        ``stall`` seconds (a per-read timeout never fires)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.flush()
        pause = self.owner.stall / len(data)
        try:
            for byte in data:
                time.sleep(pause)
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        except OSError:  # the client gave up
            self.close_connection = True

    def _send(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def admit_for_chest_pain(prompt: str) -> str:
    """The default answer: admit for chest pain, else discharge."""
    return "admit" if "chest pain" in prompt.lower() else "discharge"


def _completion(text: str) -> dict[str, Any]:
    """A chat completion answering ``text``."""
    message = {"role": "assistant", "content": text}
    return {
        "choices": [{"message": message, "finish_reason": "stop"}],
        "usage": {"completion_tokens": 1},
    }
