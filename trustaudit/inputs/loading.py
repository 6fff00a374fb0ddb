"""Resolve ``module:attr`` and ``path/to/file.py:attr`` references named in a spec."""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from ..errors import SpecError, did_you_mean


def load_function(ref: str, *, base_dir: Path, where: str) -> Any:
    """Like ``load_object``, for a function: a constant named by mistake is caught before it is
    called."""
    found = load_object(ref, base_dir=base_dir, where=where)
    if not callable(found):
        raise SpecError(
            f"{where}: '{ref}' is a {type(found).__name__}, not a function. Name a function."
        )
    return found


def load_object(ref: str, *, base_dir: Path, where: str) -> Any:
    """Return the object ``ref`` names; ``where`` ("file: key.path") prefixes any error."""
    module_part, sep, attr = ref.rpartition(":")
    if not sep or not module_part or not attr:
        raise SpecError(
            f"{where}: '{ref}' is not a reference. Expected 'package.module:name' or "
            "'path/to/file.py:name'."
        )
    module = _load_module(module_part, base_dir=base_dir, where=where)
    try:
        return getattr(module, attr)
    except AttributeError:
        names = [n for n in dir(module) if not n.startswith("_")]
        raise SpecError(
            f"{where}: '{module_part}' has no attribute '{attr}'.{did_you_mean(attr, names)}"
        ) from None


def _load_module(module_part: str, *, base_dir: Path, where: str):
    if module_part.endswith(".py"):
        path = (base_dir / module_part).resolve()
        if not path.is_file():
            raise SpecError(
                f"{where}: file '{path}' does not exist. Paths are relative to the spec's folder."
            )
        name = f"trustaudit_user_{abs(hash(str(path)))}"
        if name in sys.modules:
            return sys.modules[name]
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise SpecError(f"{where}: '{path}' cannot be imported as a Python module.")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:  # a script's sys.exit() must not end the audit
            del sys.modules[name]
            raise SpecError(
                f"{where}: importing '{path}' failed: {type(exc).__name__}: {exc}"
            ) from exc
        return module
    try:
        return importlib.import_module(module_part)
    except (Exception, SystemExit) as exc:
        raise SpecError(
            f"{where}: cannot import module '{module_part}': {type(exc).__name__}: {exc}"
        ) from exc
