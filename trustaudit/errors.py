"""The exception hierarchy. Every error trustaudit raises on purpose derives from TrustAuditError.

Each subclass also inherits the built-in a caller would catch, so ``except ValueError`` keeps
working. Messages say what, where (file, key path, column, row), what was found, what was expected,
and the fix."""

from __future__ import annotations

import difflib
import errno
import stat
from collections.abc import Iterable
from pathlib import Path


class TrustAuditError(Exception):
    """Base class of every trustaudit error."""


class SpecError(TrustAuditError, ValueError):
    """The audit spec is malformed or refers to something that does not exist (exit code 2)."""


class DataError(TrustAuditError, ValueError):
    """The audit data cannot be used: missing file or column, wrong values (exit code 2)."""


class UsageError(TrustAuditError, ValueError):
    """A command-line argument is wrong (exit code 2)."""


class AdapterError(TrustAuditError, RuntimeError):
    """A model adapter failed or returned something unusable (exit code 3).

    ``cause`` is a short, data-free statement of why with a hint (``HTTP 404 Not Found from
    http://…/chat/completions: check base_url``): failures are counted by it, so that a run's
    summary can name the dominant cause of failed calls."""

    def __init__(self, message: str, *, cause: str | None = None) -> None:
        super().__init__(message)
        self.cause = cause


class AuditorError(TrustAuditError, RuntimeError):
    """An auditor could not complete (reported as an ERROR result, exit code 3)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ``" Did you mean 'x'?"`` for a choice the word begins, else the closest by spelling,
    or ''."""
    choices, word = [str(c) for c in choices], str(word)
    close = [
        c for c in choices if len(word) >= 3 and c.lower().startswith(word.lower()) and c != word
    ][:1]
    close = close or difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file, as the end of a sentence; None when it can.

    Tells a symbolic link loop, a broken link, a folder and a device or pipe (whose read would
    block)
    apart from a plain missing file, so the message says what to fix."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop"
        return "is a broken symbolic link" if path.is_symlink() else "does not exist"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    return None if stat.S_ISREG(mode) else "is not a regular file (a device, pipe or socket)"
