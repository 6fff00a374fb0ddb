"""Bad specs: YAML, keys, types, non-finite numbers, model and data sections, auditors,
thresholds, output."""

from __future__ import annotations

import os

from .harness import Case, Workspace, mutated, run, tabular, text, validate

S = "spec.yaml"
NAN, INF = float("nan"), float("inf")
BOMB = "".join(
    f"{a}: &{a} [{', '.join([f'*{b}'] * 9)}]\n" for b, a in zip("abcdefg", "bcdefgh", strict=True)
)
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + BOMB + "name: bomb\n"


def raw(yaml_text: str):
    return validate(lambda ws: yaml_text)


def spec_path(make):
    """Arguments naming a path that ``make(ws)`` creates (or not) instead of a written spec."""
    return lambda ws: ["validate", str(make(ws))]


def _symlink_loop(ws: Workspace, name: str):
    path = ws.tmp / name
    os.symlink(path, path)
    return path


def key(path: str, value, *places: str, make=tabular, code: int = 2, command=validate) -> Case:
    """A case that sets one key of a valid spec; the message must name the key path."""
    shown = path.replace(".0.", "[0].").replace(".1.", "[1].")
    name = f"{command.__name__}-{make.__name__}-{path}={value!r}"[:80]
    where = (S,) if code == 2 else ()
    return Case(name, command(mutated(make, path, value)), code, (*where, *(places or (shown,))))


CASES = [
    Case(
        "spec-file-missing",
        spec_path(lambda ws: ws.tmp / "nope.yaml"),
        2,
        ("nope.yaml", "spec file not found"),
    ),
    Case(
        "spec-is-a-folder", spec_path(lambda ws: ws.tmp), 2, ("spec file not found", "is a folder")
    ),
    Case(
        "spec-symlink-loop",
        spec_path(lambda ws: _symlink_loop(ws, "loop.yaml")),
        2,
        ("loop.yaml", "symbolic link loop"),
    ),
    Case("spec-empty", raw(""), 2, (S, "must be a mapping")),
    Case("spec-a-list", raw("- name: x\n"), 2, (S, "must be a mapping")),
    Case("spec-invalid-yaml", raw("name: x\nseed: [1\n"), 2, (S, "invalid YAML at line")),
    Case(
        "spec-tab-indent",
        raw("name: x\nmodel:\n\ttype: sklearn\n"),
        2,
        (S, "invalid YAML at line 3"),
    ),
    Case(
        "spec-not-utf8",
        spec_path(lambda ws: ws.file(S, "name: caf\xe9\n".encode("latin-1"))),
        2,
        (S, "not UTF-8"),
    ),
    Case("spec-alias-bomb-validate", raw(BOMB), 2, (S, "expands to", "aliases")),
    Case("spec-alias-bomb-run", run(lambda ws: BOMB), 2, (S, "expands to", "aliases")),
    Case(
        "spec-alias-self-reference",
        raw("name: &a [*a]\n"),
        2,
        (S, "name[0]", "refers to a node that contains"),
    ),
    Case(
        "spec-nested-too-deep",
        raw("name: " + "[" * 3000 + "]" * 3000 + "\n"),
        2,
        (S, "nested too deeply"),
    ),
    Case("spec-boolean-key", raw("name: x\non: 1\n"), 2, (S, "is not a string")),
    key("name", None, "name: missing required key"),
    key("name", "my audit", "name: String should match pattern"),
    key("seed", -1, "seed:"),
    key("seed", NAN, "seed:"),
    key("auditor", [], "auditor: unknown key", "Did you mean 'auditors'?"),
    key("model", None, "auditors[0].use: 'fairness' audits a tabular model: add a 'model'"),
    key("model.type", None, "model.type: missing"),
    key("model.type", "callabel", "model.type: unknown model type", "Did you mean 'callable'?"),
    key("model.generate", "model.py:predict", "model: "),
    key("model.predict", None, "model: "),
    key("model.declared", {"auroc": NAN}, "model.declared.auroc", "finite number"),
    key("model.declared", {"auroc": INF}, "model.declared.auroc", "finite number"),
    key("model.declared", {"auroc": "high"}, "model.declared.auroc"),
    key(
        "model",
        {"type": "sklearn", "path": "m.joblib", "factory": "m.py:f"},
        "model: give exactly one",
    ),
    key(
        "model", {"type": "sklearn", "path": "missing.joblib"}, "model.path: file", "does not exist"
    ),
    key("model", {"type": "sklearn", "path": "."}, "model.path: file", "is a folder"),
    key("model", {"type": "llamacpp"}, "model: give exactly one", make=text),
    key("model", {"type": "llamacpp", "bundled": "gpt-5"}, "model.bundled:", make=text),
    key("model", {"type": "replay", "path": "answers.jsonl"}, "model.path: file", make=text),
    key("model", {"type": "recorded"}, "model.prediction_column: missing"),
    key("model.temperature", NAN, "model.temperature", make=text),
    key("data", None, "needs tabular data"),
    key("data.path", "missing.csv", "data.path: file", "does not exist"),
    # a folder is a dataset (DuckDB's); pandas reads one file
    key("data", {"path": ".", "target": "y", "engine": "pandas"}, "data.engine:", "pandas reads"),
    key("data.factory", "data.py:make", "data: give exactly one"),
    key("data.target", ["y"], "data.target:"),
    key("data.target", None, "data.target", "fairness auditor needs the outcome column"),
    key("data.positive_label", [1], "data.positive_label: expected one value"),
    key("data.features", "age", "data.features:"),
    key("data.targt", "y", "data.targt: unknown key", "Did you mean 'target'?"),
    key("auditors", [], "auditors:"),
    key("auditors", None, "auditors: missing required key"),
    key("auditors.0", "fairness", "auditors[0]:"),
    key("auditors.0.use", "fairnes", "auditors[0].use", "Did you mean 'fairness'?"),
    key(
        "auditors.0",
        {"use": "counterfactual", "params": {"vignettes": S}},
        "auditors[0].use",
        "audits text models",
    ),
    key(
        "auditors.0",
        {"use": "fairness", "params": {"sensitive_features": ["sex"]}},
        "auditors[0].use",
        "audits tabular models",
        make=text,
    ),
    key(
        "auditors.0.params.sensitive_feature",
        ["sex"],
        "auditors[0].params.sensitive_feature: unknown parameter",
    ),
    key("auditors.0.params.sensitive_features", "sex", "auditors[0].params.sensitive_features"),
    key(
        "auditors.0.params.sensitive_features",
        ["sex", "sex"],
        "sensitive_features lists sex more than once",
    ),
    key("auditors.0.params.min_group_size", "ten", "auditors[0].params.min_group_size"),
    key("auditors.0.params.n_boot", NAN, "auditors[0].params.n_boot"),
    key("auditors.0.params.confidence", NAN, "auditors[0].params.confidence"),
    key("auditors.0.params.confidence", INF, "auditors[0].params.confidence"),
    key("auditors.0.params.max_groups", 1, "auditors[0].params.max_groups"),
    key(
        "auditors.0.thresholds.0.metric",
        "tpf",
        "auditors[0].thresholds[0].metric",
        "Did you mean 'tpr'?",
    ),
    key(
        "auditors.0.thresholds.0.min", None, "auditors[0].thresholds[0]: give 'min', 'max' or both"
    ),
    key(
        "auditors.0.thresholds.0.max",
        -1,
        "auditors[0].thresholds[0]: min (0.0) is greater than max",
    ),
    key("auditors.0.thresholds.0.max", NAN, "auditors[0].thresholds[0].max", "finite number"),
    key("auditors.0.thresholds.0.min", INF, "auditors[0].thresholds[0].min", "finite number"),
    key("auditors.0.thresholds.0.level", "error", "auditors[0].thresholds[0].level"),
    key("auditors.0.thresholds.0.maximum", 1, "auditors[0].thresholds[0].maximum: unknown key"),
    key(
        "auditors.0.thresholds.0.max",
        NAN,
        "auditors[0].thresholds[0].max",
        "finite number",
        command=run,
    ),
    key("ledger", {"capture": "everything"}, "ledger.capture"),
    key(
        "ledger",
        {"hmac_key_env": "TRUSTAUDIT_UNSET_KEY"},
        "ledger.hmac_key_env",
        "not set",
        command=run,
    ),
    key("output", "spec.yaml", "output:", "is a file"),
    key("output", "spec.yaml", "output:", "is a file", command=run),
    key("output", "/sys/trustaudit-reports", "output:", "cannot create the folder", command=run),
    key("output", "new/nested/reports", "3 checks passed", code=0, command=run),
]
