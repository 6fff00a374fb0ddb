"""Rows processed while an engine's query runs: a thread polls the engine's own progress (DuckDB's
``query_progress``, Spark's stage tasks) and reports it, so a long GROUP BY shows progress."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Tick = Callable[[int, int], None]  # (rows processed, rows in all)


@contextmanager
def polling(
    fraction: Callable[[], float | None], rows: int, tick: Tick | None, every: float = 1.0
) -> Iterator[None]:
    """Report ``fraction()`` of ``rows`` to ``tick`` every ``every`` seconds until the block
    ends (nothing without ``tick``)."""
    if tick is None:
        yield
        return
    done = threading.Event()

    def report() -> None:
        while not done.wait(every):
            share = fraction()
            if share is not None and 0 <= share <= 1:
                tick(int(share * rows), rows)

    thread = threading.Thread(target=report, name="trustaudit-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
