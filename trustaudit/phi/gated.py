"""Patterns that run only on texts where they can match.

A context pattern such as "a name, then ', MD'" is tried at every capital letter of a note, and
most notes have no ', MD' at all. Every match of such a pattern contains a fixed part (its trigger:
the lookahead it ends with, the word it needs); one search for that part alone is a fraction of
the cost, and where it finds nothing the pattern cannot match either, so skipping it changes no
match."""

from __future__ import annotations

from collections.abc import Iterator

import regex


class Gated:
    """``pattern`` compiled, searched only in texts where one of ``triggers`` occurs.

    Every match of ``pattern`` must contain one of ``triggers``, each written as it is in the
    pattern (a part no alternative or optional group can leave out of a match, or one trigger
    per top-level alternative), without references to the pattern's groups."""

    def __init__(self, pattern: str, *triggers: str, flags: int = 0) -> None:
        for trigger in triggers:
            if trigger not in pattern:
                raise ValueError(f"the trigger {trigger!r} is not a part of the pattern")
        self.pattern = regex.compile(pattern, flags)
        self.trigger = regex.compile("|".join(f"(?:{t})" for t in triggers), flags)
        self.groups = self.pattern.groups

    def finditer(self, text: str) -> Iterator[regex.Match[str]]:
        return self.pattern.finditer(text) if self.trigger.search(text) else iter(())
