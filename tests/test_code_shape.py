"""The shape the code keeps (issue 10): small modules and functions, and no unexplained lint
suppressions. Line length and formatting are ruff's (`.ci/run` runs it); these are what ruff does
not measure."""

from __future__ import annotations

import ast
import re

import pytest

from .conftest import ROOT

PACKAGE = sorted((ROOT / "trustaudit").rglob("*.py"))
TESTS = [p for p in sorted((ROOT / "tests").rglob("*.py")) if p.name != "test_code_shape.py"]
SOURCES = PACKAGE + TESTS + sorted((ROOT / "benchmarks").glob("*.py"))
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 50


def _name(path):
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", PACKAGE, ids=_name)
def test_modules_and_functions_are_small(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_every_noqa_says_why(path):
    bare = [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if "# noqa" in line and not re.search(r"# noqa: [A-Z0-9, ]+ \(.+\)", line)
    ]
    assert bare == []
