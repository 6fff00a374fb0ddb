"""Bad data: unreadable or empty files, wrong targets, duplicate or nested columns, huge group
counts, data and model factories that fail, exit or return the wrong thing; and data that should
audit fine."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from .harness import Case, Workspace, frame, mutated, run, tabular, validate

S = "spec.yaml"
FEATURE = "auditors[0].params.sensitive_features"


def with_file(name: str, content: str | bytes, command=validate):
    """The valid spec reading ``name`` as its data file."""

    def make(ws: Workspace) -> dict:
        spec = tabular(ws)
        ws.file(name, content)
        spec["data"]["path"] = name
        return spec

    return command(make)


def with_frame(change, command=validate, suffix: str = "csv", **params):
    """The valid spec on ``change(frame())`` (CSV or Parquet), with extra fairness parameters."""

    def make(ws: Workspace) -> dict:
        spec = tabular(ws)
        data = change(frame())
        path = ws.tmp / f"data.{suffix}"
        data.to_parquet(path) if suffix == "parquet" else data.to_csv(path, index=False)
        spec["data"]["path"] = path.name
        spec["auditors"][0]["params"].update(params)
        return spec

    return command(make)


def with_module(
    source: str, key: str = "data.factory", ref: str = "factory.py:make", command=validate
):
    """The valid spec with ``key`` naming a function in a tmp module written from ``source``."""

    def make(ws: Workspace) -> dict:
        ws.file("factory.py", source)
        spec = mutated(tabular, key, ref)(ws)
        if key == "data.factory":
            del spec["data"]["path"]
        return spec

    return command(make)


def _symlink(target: str, name: str = "link.csv"):
    def make(ws: Workspace) -> dict:
        spec = tabular(ws)
        os.symlink(ws.tmp / target, ws.tmp / name)
        spec["data"]["path"] = name
        return spec

    return validate(make)


def _fifo(ws: Workspace) -> dict:
    spec = tabular(ws)
    os.mkfifo(ws.tmp / "pipe.csv")
    spec["data"]["path"] = "pipe.csv"
    return spec


def _set(column: str, values):
    return lambda f: f.assign(**{column: values(f) if callable(values) else values})


def _duplicate_sex(f: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([f, f[["sex"]]], axis=1)


FRAME_FACTORY = "import pandas as pd\n\ndef make():\n    return {body}\n"
ROWS = "pd.DataFrame({'age': [40, 60] * 20, 'sex': ['F', 'M'] * 20, 'y': [0, 1, 1, 0] * 10})"

CASES = [
    Case("data-empty-file", with_file("empty.csv", ""), 2, ("data.path", "empty.csv")),
    Case("data-header-only", with_file("head.csv", "age,sex,race,y\n"), 2, ("data", "has no rows")),
    Case(
        "data-not-utf8",
        with_file("latin.csv", "age,sex,y\n40,\xe9,1\n".encode("latin-1")),
        2,
        ("data.path", "latin.csv", "not UTF-8"),
    ),
    Case(
        "data-binary-garbage",
        with_file("noise.csv", bytes(range(256)) * 4),
        2,
        ("data.path", "noise.csv"),
    ),
    Case(
        "data-ragged-rows",
        with_file("ragged.csv", "age,sex,y\n40,F,1\n50,M,0,7,8\n"),
        2,
        ("data.path", "ragged.csv", "line 3"),
    ),
    Case(
        "data-excel-file", with_file("data.xlsx", "x"), 2, ("data.path", "neither CSV nor Parquet")
    ),
    Case(
        "data-parquet-is-text",
        with_file("data.parquet", "age,sex,y\n1,F,0\n"),
        2,
        ("data.path", "data.parquet"),
    ),
    Case(
        "data-symlink-loop",
        _symlink("link.csv"),
        2,
        ("data.path", "link.csv", "symbolic link loop"),
    ),
    Case(
        "data-broken-symlink", _symlink("gone.csv"), 2, ("data.path", "gone.csv", "does not exist")
    ),
    Case("data-fifo", validate(_fifo), 2, ("data.path", "pipe.csv", "not a regular file")),
    Case(
        "data-duplicate-column-csv", with_frame(_duplicate_sex), 2, ("data.path", "'sex' (2 times)")
    ),
    Case(
        "data-duplicate-column-factory",
        with_module(
            FRAME_FACTORY.format(body="pd.concat([" + ROWS + ", " + ROWS + "[['sex']]], axis=1)")
        ),
        2,
        ("data.factory", "'sex' (2 times)"),
    ),
    Case(
        "data-target-column-missing",
        with_frame(lambda f: f.drop(columns="y")),
        2,
        ("data.target", "column 'y' is not in the data"),
    ),
    Case(
        "data-target-all-nan",
        with_frame(_set("y", np.nan)),
        2,
        ("data.target", "column 'y'", "missing value"),
    ),
    Case(
        "data-target-some-nan",
        with_frame(_set("y", lambda f: f.y.where(f.index != 4))),
        2,
        ("data.target", "data rows 5"),
    ),
    Case(
        "data-target-three-values",
        with_frame(_set("y", lambda f: f.index % 3)),
        2,
        ("data.target", "3 distinct values"),
    ),
    Case(
        "data-positive-label-absent",
        validate(mutated(tabular, "data.positive_label", 2)),
        2,
        ("data.target", "positive_label 2 does not occur"),
    ),
    Case(
        "data-semicolons",
        with_file("semi.csv", "age;sex;y\n40;F;1\n"),
        2,
        ("data.target", "column 'y' is not in the data"),
    ),
    Case(
        "data-features-unknown",
        validate(mutated(tabular, "data.features", ["age", "weight"])),
        2,
        ("data.features", "column 'weight'"),
    ),
    Case(
        "data-sensitive-typo",
        validate(mutated(tabular, "auditors.0.params.sensitive_features", ["sexx"])),
        2,
        (FEATURE, "column 'sexx'", "Did you mean 'sex'?"),
    ),
    Case(
        "data-10000-groups-validate",
        with_frame(
            lambda f: pd.DataFrame(
                {
                    "age": np.arange(10_000) % 90,
                    "sex": [f"id{i}" for i in range(10_000)],
                    "y": np.arange(10_000) % 2,
                }
            )
        ),
        2,
        (FEATURE, "'sex' has 10,000 distinct values", "max_groups"),
    ),
    Case(
        "data-10000-groups-run",
        with_frame(
            lambda f: pd.DataFrame(
                {
                    "age": np.arange(10_000) % 90,
                    "sex": np.arange(10_000),
                    "y": np.arange(10_000) % 2,
                }
            ),
            run,
        ),
        2,
        (FEATURE, "'sex' has 10,000 distinct values", "max_groups"),
    ),
    Case(
        "data-intersection-too-many",
        with_frame(
            lambda f: frame(150).assign(age=lambda g: g.index % 40),
            sensitive_features=["age", "race"],
        ),
        2,
        (FEATURE, "'age+race' has", "intersections: false"),
    ),
    Case(
        "data-nested-list-parquet",
        with_frame(_set("sex", lambda f: [[i, i] for i in f.index]), suffix="parquet"),
        2,
        (FEATURE, "column 'sex' holds lists"),
    ),
    Case(
        "data-nested-target-parquet",
        with_frame(_set("y", lambda f: [[i] for i in f.index]), suffix="parquet"),
        2,
        ("data.target", "column 'y' holds lists"),
    ),
    Case(
        "data-factory-no-module",
        with_module("", ref="no_such_module_xyz:make"),
        2,
        ("data.factory", "cannot import module"),
    ),
    Case(
        "data-factory-no-attribute",
        with_module("def make():\n    pass\n", ref="factory.py:mkae"),
        2,
        ("data.factory", "has no attribute 'mkae'", "Did you mean 'make'?"),
    ),
    Case(
        "data-factory-not-a-function",
        with_module("make = 3\n"),
        2,
        ("data.factory", "not a function"),
    ),
    Case(
        "data-factory-raises",
        with_module("def make():\n    raise KeyError('x')\n"),
        2,
        ("data.factory", "failed: KeyError"),
    ),
    Case(
        "data-factory-returns-list",
        with_module("def make():\n    return [1, 2]\n"),
        2,
        ("data.factory", "returned list"),
    ),
    Case(
        "data-factory-empty-frame",
        with_module(FRAME_FACTORY.format(body="pd.DataFrame()")),
        2,
        ("data", "has no rows"),
    ),
    Case(
        "data-factory-sys-exit-on-import",
        with_module("import sys\nsys.exit(0)\n"),
        2,
        ("data.factory", "SystemExit"),
    ),
    Case(
        "data-factory-sys-exit-when-called",
        with_module("import sys\n\ndef make():\n    sys.exit(3)\n"),
        2,
        ("data.factory", "SystemExit"),
    ),
    Case(
        "data-factory-syntax-error", with_module("def make(:\n"), 2, ("data.factory", "SyntaxError")
    ),
    Case(
        "model-sys-exit-on-import",
        with_module("import sys\nsys.exit(1)\n", "model.predict", command=run),
        2,
        ("model.predict", "SystemExit"),
    ),
    Case(
        "model-predict-not-a-function",
        with_module("make = 'x'\n", "model.predict", command=run),
        2,
        ("model.predict", "not a function"),
    ),
    Case(
        "model-predict-typo",
        with_module("def make(X):\n    pass\n", "model.predict", "factory.py:mak", run),
        2,
        ("model.predict", "Did you mean 'make'?"),
    ),
    Case(
        "model-sklearn-factory-sys-exit",
        with_module(
            "import sys\n\ndef make():\n    sys.exit(2)\n",
            "model",
            {"type": "sklearn", "factory": "factory.py:make"},
            run,
        ),
        2,
        ("model.factory", "SystemExit"),
    ),
    Case(
        "model-sklearn-path-not-pickle",
        run(mutated(tabular, "model", {"type": "sklearn", "path": "data.csv"})),
        2,
        ("model.path", "cannot load"),
    ),
    Case(
        "model-predict-exits-when-called",
        with_module("import sys\n\ndef make(X):\n    sys.exit(0)\n", "model.predict", command=run),
        3,
        ("1 errored",),
    ),
    Case(
        "model-predict-wrong-length",
        with_module("def make(X):\n    return [1]\n", "model.predict", command=run),
        3,
        ("1 errored",),
    ),
    Case(
        "model-recorded-column-missing",
        run(mutated(tabular, "model", {"type": "recorded", "prediction_column": "pred"})),
        2,
        ("model", "column 'pred' is not in"),
    ),
    Case(
        "audit-sensitive-all-missing", with_frame(_set("sex", np.nan), run), 0, ("checks passed",)
    ),
    Case("audit-one-class-target", with_frame(_set("y", 1), run), 0, ("3 checks passed",)),
    Case(
        "audit-mixed-type-groups",
        with_frame(_set("race", lambda f: [1, "a"] * 30), run, sensitive_features=["race"]),
        0,
        ("3 checks passed",),
    ),
    Case("audit-two-rows", with_frame(lambda f: f.head(2), run), 0, ("checks passed",)),
    Case(
        "audit-bom-csv",
        with_file("bom.csv", "\ufeff" + frame().to_csv(index=False), run),
        0,
        ("3 checks passed",),
    ),
]
