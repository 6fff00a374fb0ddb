"""Metric keys known before any model call.

Each auditor lists the keys it will produce from its parameters, the data and its input files
(``Auditor.metric_keys``); ``KeySpace.problem`` tells a threshold that names none of them what
it probably meant. So ``trustaudit validate`` rejects a misspelled family, group, category or
level that the gate would only reject after every model call was paid for.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from .errors import did_you_mean
from .findings import metric_key

Key = tuple[str, str | None, str | None]  # (name, grouping, group), as in findings.Metric
SHOWN = 12  # groups (or groupings) a message lists; more are only counted (they may be data values)


def keys(
    names: Iterable[str], grouping: str | None = None, groups: Iterable[str | None] = (None,)
) -> set[Key]:
    """Every (name, grouping, group) combination: the keys of metrics measured per group."""
    groups = tuple(groups)
    return {(name, grouping, group) for name in names for group in groups}


def split_key(text: str) -> Key:
    """``tpr[sex=F]`` -> (tpr, sex, F); ``x[g]`` -> (x, g, None); ``x`` -> (x, None, None)."""
    name, bracket, rest = text.partition("[")
    if not bracket or not rest.endswith("]"):
        return text, None, None
    grouping, equals, group = rest[:-1].partition("=")
    return name, grouping, group if equals else None


def level_group(level: float) -> str:
    """The group label of a perturbation level in metric keys: ``flip_rate[typos=0.1]``."""
    return f"{level:g}"


@dataclass(frozen=True)
class KeySpace:
    """The metric keys an auditor will produce with its parameters, data and input files.

    ``aliases`` maps other spellings of a group (lower case; e.g. a PHI category's name) to the
    group the auditor uses; ``absent`` says why a metric name is not produced with these parameters.
    ``from_data``: groups are data values, so those of a grouping with more than SHOWN groups (an id
    or a name column, say) are never quoted, not even in 'did you mean'.
    """

    keys: frozenset[Key]
    aliases: Mapping[str, str] = field(default_factory=dict)
    absent: Mapping[str, str] = field(default_factory=dict)
    from_data: bool = False

    @cached_property
    def names(self) -> set[str]:
        return {name for name, _, _ in self.keys}

    @cached_property
    def texts(self) -> set[str]:
        return {metric_key(*key) for key in self.keys}

    @cached_property
    def _hidden(self) -> set[str | None]:
        """Groupings whose groups may not be quoted."""
        groups: dict[str | None, set[str | None]] = {}
        for _, grouping, group in self.keys:
            groups.setdefault(grouping, set()).add(group)
        return {g for g, members in groups.items() if self.from_data and len(members) > SHOWN}

    def problem(self, metric: str, auditor: str) -> str | None:
        """None when a threshold's ``metric`` (a name or a key) matches a metric here, else why."""
        if metric in self.names or metric in self.texts:
            return None
        name = split_key(metric)[0]
        same = [key for key in self.keys if key[0] == name]
        quotable = [key for key in same if key[2] is None or key[1] not in self._hidden]
        if not same:
            why = f" {self.absent[name]}" if name in self.absent else ""
            return (
                f"'{metric}' matches no metric {auditor} will produce with these parameters."
                f"{why} It will produce: {', '.join(sorted(self.names))}."
            )
        return (
            f"'{metric}' matches no metric {auditor} will produce."
            f"{self._guess(metric, quotable)} {self.describe(name)}"
        )

    def _guess(self, metric: str, candidates: list[Key]) -> str:
        """'Did you mean': a group given without its grouping (``x[G]``) or by another name
        (``x[category=SSN]``) under its grouping, else the closest key by spelling."""
        _, grouping, group = split_key(metric)
        wanted = group if group is not None else grouping
        wanted = self.aliases.get(str(wanted).lower(), wanted)
        regrouped = [metric_key(*key) for key in candidates if wanted != group and key[2] == wanted]
        if regrouped:
            closest = difflib.get_close_matches(metric, regrouped, n=1, cutoff=0)[0]
            return f" Did you mean '{closest}'?"
        return did_you_mean(metric, [metric_key(*key) for key in candidates])

    def describe(self, name: str) -> str:
        """The keys of one metric, grouping by grouping; long group lists are only counted."""
        groups: dict[str, list[str | None]] = {}
        for key_name, grouping, group in self.keys:
            if key_name == name and grouping is not None:
                groups.setdefault(grouping, []).append(group)
        parts = [f"'{name}'" + (" (all of them)" if groups else "")]
        for grouping in sorted(groups)[:SHOWN]:
            named = sorted(g for g in groups[grouping] if g is not None)
            if None in groups[grouping]:
                parts.append(f"'{metric_key(name, grouping)}'")
            if named:
                shown = ", ".join(named) if len(named) <= SHOWN else f"{len(named)} groups"
                parts.append(f"'{name}[{grouping}=…]' for {shown}")
        more = f"; and {len(groups) - SHOWN} more groupings" if len(groups) > SHOWN else ""
        return f"Keys of '{name}': {'; '.join(parts)}{more}."
