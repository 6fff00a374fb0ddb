"""Recorded prompt/response pairs (JSONL): audit outputs collected elsewhere.

Each line: ``{"messages": [{"role": ..., "content": ...}, ...], "response": "..."}`` (or ``"prompt"``
for a single user message), optionally ``"temperature"``, ``"seed"``. A request nobody recorded is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import AdapterError, DataError
from ..fingerprint import sha256_file
from ..ledger import canonical
from .base import Generation, ModelInfo, TextRequest


@dataclass
class ReplayAdapter:
    answers: dict[bytes, str]
    info: ModelInfo
    max_in_flight: int = 8

    def generate(self, request: TextRequest) -> Generation:
        for key in (_key(request.chat_messages(), request.temperature, request.seed), _key(request.chat_messages())):
            if key in self.answers:
                return Generation(self.answers[key])
        raise AdapterError(f"replay adapter ({self.info.name}): no recorded response for this prompt.")


def _key(messages: list[dict], temperature: float | None = None, seed: int | None = None) -> bytes:
    return canonical({"messages": messages, "temperature": temperature, "seed": seed})


def load_replay(spec_model, *, base_dir: Path, where: str) -> ReplayAdapter:
    path = spec_model.path if spec_model.path.is_absolute() else base_dir / spec_model.path
    if not path.is_file():
        raise DataError(f"{where}.path: file '{path}' does not exist.")
    answers = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                messages = item["messages"] if "messages" in item else [{"role": "user", "content": item["prompt"]}]
                response = item["response"]
            except (ValueError, KeyError, TypeError) as exc:
                raise DataError(f"{path}: line {number}: expected a JSON object with 'messages' (or 'prompt') and "
                                f"'response' ({type(exc).__name__}: {exc}).") from None
            if not isinstance(response, str):
                raise DataError(f"{path}: line {number}: 'response' must be text, got {type(response).__name__}.")
            key = _key(messages, item.get("temperature"), item.get("seed")) if "temperature" in item else _key(messages)
            answers[key] = response
    info = ModelInfo("replay", path.name, spec_model.version or "recorded", sha256_file(path))
    return ReplayAdapter(answers, info)
