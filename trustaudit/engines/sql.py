"""SQL text for DuckDB: quoted names and the relation a spec's data section names."""

from __future__ import annotations


def quoted(name: str) -> str:
    """A column name as a SQL identifier (any character, quotes doubled)."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """A string as a SQL literal (quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def relation_sql(paths: list[str] | None, sql: str | None) -> str:
    """``(user query)`` or a reader over the files: Parquet (with hive partitions, so a
    partitioned folder's key columns are columns) or CSV (header, types sniffed over the whole
    file, so a late odd value is not misread)."""
    if sql is not None:
        return f"({sql.strip().rstrip(';')}\n)"  # a trailing -- comment must not eat the ')'
    assert paths, "a relation needs a query or files"
    files = "[" + ", ".join(literal(p) for p in paths) + "]"
    if all(p.lower().endswith(".csv") for p in paths):
        return f"read_csv({files}, header = true, sample_size = -1)"
    return f"read_parquet({files}, hive_partitioning = true, union_by_name = true)"
