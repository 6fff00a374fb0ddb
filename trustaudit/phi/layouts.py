"""Labels whose value is not right after them: forms and tables lay labels out in ways a sentence
does not. A shared label ('Tel/Fax: 617-555-0100 / 617-555-0101') names its values in order; a
table's header row ('MRN    DOB    Member ID') names the values below it by column."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Label:
    start: int
    end: int
    entity: str
    first: str | None = None  # a shared label's first kind ('Tel' of 'Tel/Fax'): the first value's


_DIGIT = re.compile(r"\d")
# a word of prose: lowercase, two letters or more, not 'of' or 'no' ('Date of Birth', 'Acct no')
_PROSE = re.compile(r"\b(?!(?:of|no)\b)[a-z]{2,}\b")
COLUMN_SLACK = 3  # characters a value may stand left of its header's first letter
MAX_ROWS = 12  # rows a table header is looked for above a value


def shared(text: str, found: list[Label]) -> list[Label]:
    """``found`` with each 'A/B' pair of labels of two kinds made one label of kind B whose first
    value is of kind A."""
    out: list[Label] = []
    for label in found:
        previous = out[-1] if out else None
        if (
            previous is not None
            and previous.entity != label.entity
            and text[previous.end : label.start].strip() == "/"
        ):
            out[-1] = Label(previous.start, label.end, label.entity, previous.entity)
        else:
            out.append(label)
    return out


def kind_in_order(text: str, label: Label, start: int) -> Label:
    """A shared label's kind for the value at ``start``: the first kind until a number has been
    passed, the second after."""
    if label.first is None or _DIGIT.search(text, label.end, start):
        return label
    return Label(label.start, label.end, label.first)


def alone_on_its_line(text: str, found: list[Label], label: Label) -> bool:
    """No other label shares ``label``'s line: a label above its value, not a table header."""
    line_start = text.rfind("\n", 0, label.start) + 1
    line_end = text.find("\n", label.end)
    line_end = len(text) if line_end < 0 else line_end
    return not any(o is not label and line_start <= o.start < line_end for o in found)


def column_label(
    text: str, found: list[Label], start: int, kinds: frozenset[str] | None = None
) -> Label | None:
    """The header label above ``start`` in a table: on the nearest line above with two labels or
    more (rows between, no blank line), the last one that starts at or left of the value."""
    line_start = text.rfind("\n", 0, start) + 1
    column = start - line_start
    end = line_start - 1
    for _ in range(MAX_ROWS):
        if end < 0:
            return None
        begin = text.rfind("\n", 0, end) + 1
        if not text[begin:end].strip():
            return None  # a blank line ends the table
        header = [o for o in found if begin <= o.start < end]
        if len(header) >= 2 and _only_labels(text, begin, end, header):
            left = [o for o in header if o.start - begin - COLUMN_SLACK <= column]
            label = left[-1] if left else None
            return label if label and (kinds is None or label.entity in kinds) else None
        end = begin - 1
    return None


def _only_labels(text: str, begin: int, end: int, labels: list[Label]) -> bool:
    """A header row: besides its labels the line holds separators and other headings ('DOB',
    'Date of Birth'), no prose."""
    rest, at = [], begin
    for label in labels:
        rest.append(text[at : label.start])
        at = label.end
    rest.append(text[at:end])
    return not _PROSE.search("".join(rest))


def label_above(
    text: str, found: list[Label], start: int, kinds: frozenset[str] | None = None
) -> Label | None:
    """A label alone on the line above a value that starts its own line ('Fax:' then the number
    on the next line)."""
    line_start = text.rfind("\n", 0, start) + 1
    if line_start == 0 or text[line_start:start].strip():
        return None
    above = text.rfind("\n", 0, line_start - 1) + 1
    on_line = [o for o in found if above <= o.start < line_start - 1]
    if len(on_line) != 1 or (kinds is not None and on_line[0].entity not in kinds):
        return None
    label = on_line[0]
    rest = text[above : label.start] + text[label.end : line_start - 1]
    return label if not rest.strip(" \t:#-") else None
