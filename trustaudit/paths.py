"""Paths named in a spec: relative ones start at the spec's folder."""

from __future__ import annotations

from pathlib import Path


def resolve(path: str | Path, base_dir: str | Path) -> Path:
    """``path`` as it is when absolute, else joined to ``base_dir`` (the spec's folder)."""
    path = Path(path)
    return path if path.is_absolute() else Path(base_dir) / path
