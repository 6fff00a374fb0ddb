"""Every model call goes through a Recorder: it is written to the ledger, and an identical request
(same model, method, parameters and input) is sent to the model once per run; a repeat is answered
from the record and recorded as a replay. A resumed run re-asks what its interrupted session asked:
those asks are answered from their records without new ones, so the finished ledger is the one an
uninterrupted run writes.

Capture policy ``full`` keeps each call's output in its record (and a summary of tabular inputs,
whose rows are the audit data already fingerprinted in the manifest); ``masked`` keeps them with
detected PHI replaced by its tag; ``digest`` keeps hashes only."""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from ..adapters.base import Generation, ModelInfo, TextRequest
from ..errors import AdapterError
from ..redaction import map_strings
from ..shown import free_text
from .chain import LedgerWriter, canonical, sha256_hex

_SCOPE: contextvars.ContextVar[tuple[str, str]] = contextvars.ContextVar(
    "trustaudit_scope", default=("runner", "")
)


@dataclass(frozen=True)
class Recorded:
    """An output to reuse: its JSON form and the ledger record it came from."""

    output: Any
    seq: int


def key_prefix(request_key: str) -> int:
    """Index key: the first 64 bits of the request key (a hit is confirmed against the full key)."""
    return int(request_key[:16], 16)


class Recorder:
    """Writes a record per call and reuses outputs of identical requests."""

    def __init__(
        self,
        writer: LedgerWriter,
        *,
        run_id: str,
        capture: str = "full",
        replay: dict[int, int] | None = None,
        recorded_asks: Counter | None = None,
    ) -> None:
        self.writer = writer
        self.run_id = run_id
        self.capture = capture
        # capture 'full': request-key prefix -> ledger offset of the record holding the output
        # (memory stays small; outputs are read back from the file); 'digest': the ledger has no
        # outputs, so keep them here
        self._offsets: dict[int, int] = dict(replay or {})
        self._outputs: dict[str, Recorded] = {}
        # asks (request key, auditor, check) the interrupted session of this run already recorded
        self._recorded_asks: Counter = Counter(recorded_asks or {})
        self.calls = 0
        self.replayed = 0
        self.resumed = 0
        self.failures: Counter[str] = Counter()  # failed model calls by cause
        self._lock = (
            threading.Lock()
        )  # adapters may call from several threads; the model call runs outside it

    @contextlib.contextmanager
    def scope(self, auditor: str | None = None, check: str = "") -> Iterator[None]:
        """Calls made inside are attributed to ``auditor`` (default: the enclosing one) and
        ``check``."""
        token = _SCOPE.set((auditor or _SCOPE.get()[0], check))
        try:
            yield
        finally:
            _SCOPE.reset(token)

    def call(
        self,
        info: ModelInfo,
        method: str,
        params: dict[str, Any],
        input_digest: str,
        input_capture: Any,
        invoke: Callable[[], Any],
        encode: Callable[[Any], Any],
        decode: Callable[[Any], Any],
    ) -> Any:
        """Run ``invoke`` (or reuse a recorded answer) and append its record; errors are recorded,
        then raised."""
        key = sha256_hex(
            f"{info.adapter}\x1f{info.fingerprint}\x1f{method}\x1f{input_digest}\x1f".encode()
            + canonical(params)
        )
        fields = self._fields(info, method, params, key, input_digest)
        with self._lock:
            known = self._recall(key)
            if known is not None:
                return decode(self._reuse(known, fields, input_capture))
            self.calls += 1
        started, clock = _utc_now(), time.perf_counter()
        try:
            result = invoke()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self.failures[failure_cause(exc)] += 1
                self._append(fields, started, _utc_now(), _ms(clock), None, error, input_capture)
            raise
        encoded = encode(result)
        with self._lock:
            record = self._append(
                fields, started, _utc_now(), _ms(clock), encoded, None, input_capture
            )
            if self.capture == "full":
                self._offsets[key_prefix(key)] = self.writer.last_offset
            else:
                self._outputs[key] = Recorded(encoded, record["seq"])
        return result

    def _fields(
        self, info: ModelInfo, method: str, params: dict[str, Any], key: str, input_digest: str
    ) -> dict[str, Any]:
        """The record's fields that do not depend on the answer."""
        auditor, check = _SCOPE.get()
        return {
            "kind": "call",
            "run_id": self.run_id,
            "auditor": auditor,
            "check": check or method,
            "adapter": info.adapter,
            "model_name": info.name,
            "model_version": info.version,
            "model_fingerprint": info.fingerprint,
            "method": method,
            "params": params,
            "request_key": key,
            "input_sha256": input_digest,
            "capture": self.capture,
        }

    def _reuse(self, known: Recorded, fields: dict[str, Any], input_capture: Any) -> Any:
        """A recorded answer (caller holds the lock): an ask the interrupted session already
        recorded is taken as it is; a repeat within the run is recorded as a replay."""
        ask = (fields["request_key"], fields["auditor"], fields["check"])
        if self._recorded_asks[ask] > 0:
            self._recorded_asks[ask] -= 1
            self.resumed += 1
            return known.output
        self.replayed += 1
        now = _utc_now()
        self._append(
            fields, now, now, 0.0, known.output, None, input_capture, replayed_from=known.seq
        )
        return known.output

    def _recall(self, key: str) -> Recorded | None:
        if self.capture != "full":
            return self._outputs.get(key)
        offset = self._offsets.get(key_prefix(key))
        if offset is None:
            return None
        record = self.writer.read_at(offset)
        return (
            Recorded(record["output"], record["seq"]) if record.get("request_key") == key else None
        )

    def _append(
        self, fields, started, ended, latency_ms, output, error, input_capture, replayed_from=None
    ):
        fields.update(
            ts_start=started,
            ts_end=ended,
            latency_ms=round(latency_ms, 3),
            # an error can quote the request (servers echo it): masked unless capture is full
            error=error if self.capture == "full" or error is None else _masked(error),
            output_sha256=None if output is None else sha256_hex(canonical(output)),
            replayed_from=replayed_from,
        )
        if self.capture == "full":
            fields.update(input=input_capture, output=output)
        elif self.capture == "masked":
            fields.update(input=_masked(input_capture), output=_masked(output))
        return self.writer.append(fields)


_SECOND: list = [None, ""]  # the last whole second seen and its ISO-8601 text


def _masked(value: Any) -> Any:
    """Every string inside ``value`` through the masking boundary (``shown.free_text``); keys are
    the request's own field names."""
    return map_strings(value, free_text, keys=False)


def failure_cause(exc: Exception) -> str:
    """Why a model call failed, without the message (which may quote the model's input or
    output)."""
    cause = getattr(exc, "cause", None)
    return cause if isinstance(cause, str) else f"{type(exc).__name__} raised by the model adapter"


def _utc_now() -> str:
    """``datetime.now(timezone.utc).isoformat(timespec="microseconds")``, formatting each second
    only once."""
    now = time.time_ns() // 1000
    second, micro = divmod(now, 1_000_000)
    if _SECOND[0] != second:
        _SECOND[:] = [
            second,
            datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        ]
    return f"{_SECOND[1]}.{micro:06d}+00:00"


def _ms(clock: float) -> float:
    return (time.perf_counter() - clock) * 1000


def frame_digest(X: pd.DataFrame) -> str:
    """Content hash of a tabular request: column names, dtypes, index and values."""
    header = canonical([[str(c), str(t)] for c, t in X.dtypes.items()])
    return sha256_hex(header + pd.util.hash_pandas_object(X, index=True).to_numpy().tobytes())


def _encode_array(values: Any) -> Any:
    if values is None:
        return None
    array = np.asarray(values)
    if array.dtype.kind == "f":
        return [None if not np.isfinite(v) else float(v) for v in array.ravel()]
    return array.tolist()


def _decode_array(values: Any) -> Any:
    return None if values is None else np.asarray([np.nan if v is None else v for v in values])


class RecordedTabularModel:
    """A tabular adapter whose every call goes through the recorder."""

    def __init__(self, inner: Any, recorder: Recorder) -> None:
        self.inner = inner
        self.info: ModelInfo = inner.info
        self._recorder = recorder

    def predict(self, X: pd.DataFrame) -> Any:
        return self._call("predict", X, self.inner.predict)

    def predict_scores(self, X: pd.DataFrame) -> Any | None:
        return self._call("predict_scores", X, self.inner.predict_scores)

    def _call(self, method: str, X: pd.DataFrame, fn: Callable[[pd.DataFrame], Any]) -> Any:
        summary = {"rows": len(X), "columns": [str(c) for c in X.columns]}
        return self._recorder.call(
            self.info,
            method,
            {"rows": len(X)},
            frame_digest(X),
            summary,
            lambda: fn(X),
            _encode_array,
            _decode_array,
        )


class RecordedTextModel:
    """A text adapter whose every request goes through the recorder; sampling settings come from the
    spec."""

    def __init__(self, inner: Any, recorder: Recorder, spec_model: Any, seed: int) -> None:
        self.inner = inner
        self.info: ModelInfo = inner.info
        self.max_in_flight: int = inner.max_in_flight
        self.temperature: float = spec_model.temperature
        self.max_tokens: int = spec_model.max_tokens
        self._seed = seed
        self._recorder = recorder

    def request(self, messages: list[tuple[str, str]], sample: int = 0) -> TextRequest:
        """The request for one sample of a prompt: seeded with the run's seed plus the sample
        number."""
        return TextRequest(tuple(messages), self.temperature, self.max_tokens, self._seed + sample)

    def generate(self, request: TextRequest) -> Generation:
        return self._recorder.call(
            self.info,
            "generate",
            request.params(),
            sha256_hex(canonical(request.messages)),
            request.chat_messages(),
            lambda: self.inner.generate(request),
            Generation.as_dict,
            lambda d: Generation(**d),
        )

    @property
    def can_score(self) -> bool:
        return getattr(self.inner, "logprob", None) is not None

    def logprob(self, prompt: str, continuation: str) -> float:
        """log P(continuation | prompt) from the adapter, through the ledger (a call like any
        other)."""
        if not self.can_score:
            raise AdapterError(f"{self.info.adapter} adapter ({self.info.name}) cannot score text.")
        pair = [prompt, continuation]
        return self._recorder.call(
            self.info,
            "logprob",
            {},
            sha256_hex(canonical(pair)),
            pair,
            lambda: float(self.inner.logprob(prompt, continuation)),
            float,
            float,
        )

    def generate_many(
        self, requests: list[TextRequest], progress: Any = None, label: str = ""
    ) -> list[Generation]:
        """Answers in request order; identical requests are sent once, at most ``max_in_flight`` at
        a time. A request that still fails after the adapter's retries becomes a Generation with
        ``error`` set."""
        unique = list(dict.fromkeys(requests))
        answers: dict[TextRequest, Generation] = {}

        def one(request: TextRequest) -> Generation:
            try:
                return self.generate(request)
            except AdapterError as exc:
                return Generation("", str(exc))

        pool = ThreadPoolExecutor(max_workers=self.max_in_flight)
        try:
            futures = [(r, pool.submit(contextvars.copy_context().run, one, r)) for r in unique]
            for done, (request, future) in enumerate(futures, start=1):
                answers[request] = future.result()
                if progress is not None:
                    progress.tick(done, len(futures), f"{label}: model answers")
        finally:  # interrupted: send nothing more (what was answered is in the ledger for --resume)
            pool.shutdown(wait=True, cancel_futures=True)
        return [answers[r] for r in requests]
