"""Recorded prompt/response pairs (JSONL): audit outputs collected elsewhere.

Each line: ``{"messages": [{"role": ..., "content": ...}, ...], "response": "..."}`` (or
``"prompt"`` for a single user message), optionally ``"temperature"``, ``"seed"``. A request nobody
recorded is an error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import AdapterError, DataError
from ..fingerprint import canonical, sha256_file
from ..inputs.data import AuditData
from ..inputs.jsonl import read_records
from ..paths import resolve
from .base import Generation, ModelInfo, TextRequest


@dataclass
class ReplayAdapter:
    answers: dict[bytes, str]
    info: ModelInfo
    max_in_flight: int = 8

    def generate(self, request: TextRequest) -> Generation:
        for key in (
            _key(request.chat_messages(), request.temperature, request.seed),
            _key(request.chat_messages()),
        ):
            if key in self.answers:
                return Generation(self.answers[key])
        raise AdapterError(
            f"replay adapter ({self.info.name}): no recorded response for this prompt."
        )


def _key(messages: list[dict], temperature: float | None = None, seed: int | None = None) -> bytes:
    return canonical({"messages": messages, "temperature": temperature, "seed": seed})


def _pair(item: dict, where: str) -> tuple[bytes, str]:
    messages = (
        item["messages"] if "messages" in item else [{"role": "user", "content": item["prompt"]}]
    )
    if not isinstance(item["response"], str):
        raise DataError(f"{where}: 'response' must be text, got {type(item['response']).__name__}.")
    if "temperature" in item:
        return _key(messages, item.get("temperature"), item.get("seed")), item["response"]
    return _key(messages), item["response"]


def load_replay(
    spec_model, *, base_dir: Path, where: str, data: AuditData | None = None
) -> ReplayAdapter:
    path = resolve(spec_model.path, base_dir)
    if not path.is_file():
        raise DataError(f"{where}.path: file '{path}' does not exist.")
    answers = dict(
        read_records(
            path,
            _pair,
            "a JSON object with 'messages' (or 'prompt') and 'response'",
            "recorded response",
        )
    )
    info = ModelInfo("replay", path.name, spec_model.version or "recorded", sha256_file(path))
    return ReplayAdapter(answers, info)
