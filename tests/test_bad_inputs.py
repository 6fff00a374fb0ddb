"""Issue 9, item 5: every bad input ends in exit 2 and a message naming the file, key, column
or row, or in a sensible audit; never a traceback, 'internal error' or a hang. The cases live in
tests/bad_inputs/."""

import pytest

from .bad_inputs import cli_cases, data_cases, spec_cases, text_cases
from .bad_inputs.harness import Case, Workspace, check

CASES: list[Case] = [*spec_cases.CASES, *data_cases.CASES, *text_cases.CASES, *cli_cases.CASES]


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 150


def _extra(case: Case) -> str | None:
    """The optional extra a case's input needs (Parquet files, PHI probes), by its id."""
    if "parquet" in case.id:
        return "parquet"
    return "privacy" if case.id.startswith(("probes-", "privacy-")) else None


PARAMS = [
    pytest.param(case, id=case.id, marks=[pytest.mark.extra(_extra(case))] if _extra(case) else [])
    for case in CASES
]


@pytest.mark.parametrize("case", PARAMS)
def test_bad_input(case, tmp_path, write_spec):
    check(case, Workspace(tmp_path, write_spec))
