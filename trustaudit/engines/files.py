"""The files a data path names: one file, a glob (``logs/2026-*.parquet``, ``**`` descends) or a
folder (every Parquet or CSV file beneath it, as a partitioned dataset is laid out)."""

from __future__ import annotations

import glob
from pathlib import Path

from ..errors import DataError, file_problem

GLOB_CHARACTERS = frozenset("*?[")
DATA_SUFFIXES = (".parquet", ".pq", ".csv")


def is_dataset(path: Path) -> bool:
    """Whether ``path`` names several files (a glob or a folder) rather than one."""
    return bool(GLOB_CHARACTERS & set(str(path))) or path.is_dir()


def dataset_root(path: Path) -> str | None:
    """The folder a glob or folder's partition columns (``year=2026/``) are read below; None for
    one file."""
    if path.is_dir():
        return str(path)
    if not GLOB_CHARACTERS & set(str(path)):
        return None
    fixed = []
    for part in path.parts:
        if GLOB_CHARACTERS & set(part):
            break
        fixed.append(part)
    return str(Path(*fixed))


def data_files(path: Path, where: str) -> list[Path]:
    """The files ``path`` names, sorted; a DataError naming the path when there are none."""
    if GLOB_CHARACTERS & set(str(path)):
        found = [Path(p) for p in glob.glob(str(path), recursive=True)]
        root = Path(dataset_root(path) or ".")
        files = sorted(p for p in found if p.is_file() and not _hidden(p.relative_to(root)))
        what = "matches no file"
    elif path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.suffix.lower() in DATA_SUFFIXES and not _hidden(p.relative_to(path))
        )
        what = "is a folder without .parquet or .csv files"
    else:
        problem = file_problem(path)
        if problem:
            raise DataError(f"{where}: file '{path}' {problem}. Paths are relative to the spec.")
        return [path]
    if not files:
        raise DataError(f"{where}: '{path}' {what}. Check the path (relative to the spec).")
    kinds = [_kind(p) for p in files]
    odd = next((p for p, k in zip(files, kinds, strict=True) if k != kinds[0]), None)
    if odd is not None or kinds[0] == "other":
        raise DataError(
            f"{where}: '{path}' holds '{(odd or files[0]).name}' beside '{files[0].name}'; a "
            "dataset is all Parquet or all CSV files. Narrow the glob (e.g. *.parquet)."
        )
    return files


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    return "csv" if suffix == ".csv" else "parquet" if suffix in DATA_SUFFIXES else "other"


def _hidden(path: Path) -> bool:
    """Paths Spark and Hive skip: a part starting with '_' or '.' (e.g. _temporary/ of a write
    in progress, _SUCCESS, .crc files)."""
    return any(part.startswith(("_", ".")) for part in path.parts)
