"""Progress lines on stderr for long steps, throttled so loops can report freely."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from .printable import printable
from .redaction import redact


class Progress:
    """``step`` always prints; ``tick`` prints only once a loop has run ``interval`` seconds, then
    at most every ``interval`` seconds, so short loops stay quiet."""

    def __init__(self, stream: TextIO | None = sys.stderr, interval: float = 2.0) -> None:
        self._stream = stream
        self._interval = interval
        self._start = time.monotonic()
        self._last_output = self._start

    def step(self, message: str) -> None:
        self._last_output = time.monotonic()
        if self._stream is not None:
            print(
                f"[{time.monotonic() - self._start:7.1f}s] {printable(redact(message))}",
                file=self._stream,
                flush=True,
            )

    def tick(self, done: int, total: int, label: str) -> None:
        if time.monotonic() - self._last_output >= self._interval:
            self.step(f"{label}: {done}/{total}")


SILENT = Progress(stream=None)
