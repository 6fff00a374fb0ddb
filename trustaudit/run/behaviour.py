"""The behavioural fingerprint of a model behind an endpoint: the hash of its answers to a small,
fixed probe set at temperature 0 with a fixed seed.

Why: an endpoint's fingerprint is its URL and model name, so a different model behind the same URL
looks unchanged and the same model on a new port looks new. What a model answers identifies it
where its weights cannot be hashed. The probes go through the recorded model like every other
call (ledger, resume), after the auditors, so the audit's own calls are the ledger's first. They
are sent only when every audit call was answered: a failing endpoint's answers fingerprint
nothing. An endpoint that does not honour temperature 0 and the seed answers differently from run
to run, and ``trustaudit compare`` then reports a changed behaviour: a finding in itself."""

from __future__ import annotations

from typing import Any

from ..adapters.base import TextRequest
from ..fingerprint import canonical, sha256_hex
from ..ledger.recorder import RecordedTextModel, Recorder

PROBED_ADAPTERS = frozenset({"openai", "llamacpp"})  # the models whose weights are not hashed
PROBE_SCOPE = "behaviour"  # the ledger's 'auditor' of the probe calls
PROBE_SEED = 20261126
PROBE_MAX_TOKENS = 8
PROBE_SYSTEM = "Answer briefly."
PROBES = (
    "Name the organ that pumps blood.",
    "Is aspirin an anticoagulant or an antiplatelet drug?",
    "What does the abbreviation BP stand for?",
    "Complete: the normal adult body temperature is about",
    "Yes or no: is insulin used to treat diabetes?",
    "Which vitamin is made in the skin in sunlight?",
    "Admit or discharge: chest pain with ST elevation.",
    "Count from one to five.",
)


def probe_requests() -> list[TextRequest]:
    """The fixed probe requests: same prompts, temperature 0, seed and length in every run."""
    return [
        TextRequest((("system", PROBE_SYSTEM), ("user", prompt)), 0.0, PROBE_MAX_TOKENS, PROBE_SEED)
        for prompt in PROBES
    ]


# names the probe set: fingerprints taken with different probes are not compared
PROBE_SET = "sha256:" + sha256_hex(canonical([(r.messages, r.params()) for r in probe_requests()]))


def behaviour_fingerprint(model: Any, recorder: Recorder) -> dict[str, Any] | None:
    """The manifest's ``behaviour`` entry of a probed model (None for other models): the answers'
    hash, or None with the reason it could not be taken."""
    if not isinstance(model, RecordedTextModel) or model.info.adapter not in PROBED_ADAPTERS:
        return None
    entry: dict[str, Any] = {"probe_set": PROBE_SET, "probes": len(PROBES), "sha256": None}
    failed = sum(recorder.failures.values())
    if failed:
        return entry | {"note": f"not taken: {failed} audit call(s) failed"}
    with recorder.scope(PROBE_SCOPE, "probe"):
        answers = model.generate_many(probe_requests())
    unanswered = sum(answer.error is not None for answer in answers)
    if unanswered:
        return entry | {"note": f"not taken: {unanswered} of {len(PROBES)} probes failed"}
    digest = sha256_hex(canonical([answer.text for answer in answers]))
    return entry | {"sha256": "sha256:" + digest, "note": ""}
