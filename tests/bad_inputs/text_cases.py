"""Bad JSONL files of text audits: vignettes (counterfactual, text_robustness), PHI probes
(privacy),
canaries (canary) and recorded answers (replay); each message names the file and the line."""

from __future__ import annotations

import os

from .harness import CANARY, PROBE, VIGNETTE, Case, Workspace, mutated, run, text, validate

V = "vignettes.jsonl"


def lines(use: str, name: str, content: str | bytes, **params):
    """A valid text spec whose auditor file (``name``) holds ``content`` instead."""

    def make(ws: Workspace) -> dict:
        spec = text(ws, use, **params)
        ws.file(name, content)
        return spec

    return validate(make)


def record(use: str, name: str, base: dict, path: str, value, *places: str, line: int = 1) -> Case:
    """``base`` with one key changed (None deletes it); the message must name the file and line."""
    changed = set_key(base, path, value)
    content = "".join(
        f"{r}\n"
        for r in (
            [__import__("json").dumps(base)] * (line - 1) + [__import__("json").dumps(changed)]
        )
    )
    case_id = f"{use}-line{line}-{path}={value!r}"[:70]
    return Case(case_id, lines(use, name, content), 2, (name, f"line {line}", *places))


def set_key(base: dict, path: str, value) -> dict:
    from ..conftest import set_at

    return set_at(__import__("copy").deepcopy(base), path, value)


def vignette(path: str, value, *places: str, line: int = 1) -> Case:
    return record("counterfactual", V, VIGNETTE, path, value, *places, line=line)


def _loop(ws: Workspace) -> dict:
    spec = text(ws)
    os.remove(ws.tmp / V)
    os.symlink(ws.tmp / V, ws.tmp / V)
    return spec


CASES = [
    Case(
        "vignettes-missing-file",
        validate(mutated(text, "auditors.0.params.vignettes", "none.jsonl")),
        2,
        ("auditors[0].params.vignettes", "none.jsonl", "does not exist"),
    ),
    Case(
        "vignettes-a-folder",
        validate(mutated(text, "auditors.0.params.vignettes", ".")),
        2,
        ("auditors[0].params.vignettes", "is a folder"),
    ),
    Case("vignettes-symlink-loop", validate(_loop), 2, (V, "symbolic link loop")),
    Case("vignettes-empty", lines("counterfactual", V, ""), 2, (V, "no vignettes")),
    Case(
        "vignettes-not-json",
        lines("counterfactual", V, "{id: 1}\n"),
        2,
        (V, "line 1", "expected a vignette"),
    ),
    Case(
        "vignettes-json-list",
        lines("counterfactual", V, "[1, 2]\n"),
        2,
        (V, "line 1", "not a JSON object"),
    ),
    Case(
        "vignettes-not-utf8", lines("counterfactual", V, b'{"id": "\xe9"}\n'), 2, (V, "not UTF-8")
    ),
    vignette("decision", None, "missing key 'decision'"),
    vignette("decision", "admit", "decision: expected an object"),
    vignette("question", ["Admit?"], "question: expected text"),
    vignette("family", None, "missing key 'family'"),
    vignette("age", 58, "age: expected text"),
    vignette("relevant", "gender", "relevant: expected a list"),
    vignette("relevant", ["gendr"], "relevant: unknown slot 'gendr'", "Did you mean 'gender'?"),
    vignette("text", "A {nme} is ill.", "text: unknown placeholder {nme}"),
    vignette("text", "A {age is ill.", "expected a vignette object"),
    vignette("decision.kind", "choose", "decision.kind: unknown decision kind"),
    vignette(
        "decision.choices",
        {"admit": ["in"]},
        "decision.choices: a choice decision needs at least two",
    ),
    vignette(
        "decision.choices.admit", "admitted", "decision.choices.admit: expected a list of synonyms"
    ),
    vignette(
        "decision.choices.admit",
        ["admitted", "re:(admit"],
        "decision.choices.admit[1]",
        "invalid regular expression",
    ),
    vignette("decision", {"kind": "letter", "options": 4}, "decision.options"),
    vignette("decision", {"kind": "letter", "options": "A("}, "decision.options"),
    vignette("decision", {"kind": "number", "unit": ["mg"]}, "decision.unit"),
    vignette("decision.focal", "stay", "decision.focal: 'stay' is not one of the decisions"),
    vignette("gold", "stay", "gold: 'stay' is not one of the decisions"),
    vignette("decision", "admit", "decision: expected an object", line=3),
    Case(
        "vignettes-duplicate-ids",
        lines("counterfactual", V, f"{__import__('json').dumps(VIGNETTE)}\n" * 2),
        2,
        (V, "id 'v1' is used twice"),
    ),
    Case(
        "vignettes-unknown-family",
        validate(mutated(text, "auditors.0.params.families", ["chest pian"])),
        2,
        ("auditors[0].params.families", "Did you mean 'chest pain'?"),
    ),
    Case(
        "counterfactual-unknown-slot",
        validate(mutated(text, "auditors.0.params.swap", ["rase"])),
        2,
        ("auditors[0].params", "unknown slot 'rase'"),
    ),
    Case(
        "counterfactual-unknown-value",
        validate(mutated(text, "auditors.0.params.values", {"gender": ["robot"]})),
        2,
        ("auditors[0].params", "values.gender"),
    ),
    record("text_robustness", V, VIGNETTE, "decision", "admit", "decision: expected an object"),
    Case(
        "probes-missing-file",
        validate(mutated(lambda ws: text(ws, "privacy"), "auditors.0.params.probes", "none.jsonl")),
        2,
        ("auditors[0].params.probes", "none.jsonl"),
    ),
    Case("probes-empty", lines("privacy", "probes.jsonl", ""), 2, ("probes.jsonl", "no probes")),
    Case(
        "probes-not-json",
        lines("privacy", "probes.jsonl", "hello\n"),
        2,
        ("probes.jsonl", "line 1"),
    ),
    record("privacy", "probes.jsonl", PROBE, "messages", None, "KeyError"),
    record("privacy", "probes.jsonl", PROBE, "messages", [], "non-empty list"),
    record("privacy", "probes.jsonl", PROBE, "messages", "Who is patient 1?", "expected"),
    record("privacy", "probes.jsonl", PROBE, "messages.0.content", 5, "text content"),
    Case(
        "canaries-file-missing",
        validate(
            mutated(lambda ws: text(ws, "canary"), "auditors.0.params.canaries", "none.jsonl")
        ),
        2,
        ("auditors[0].params.canaries", "none.jsonl"),
    ),
    Case(
        "canaries-file-empty",
        lines("canary", "canaries.jsonl", ""),
        2,
        ("canaries.jsonl", "no canarys"),
    ),
    record("canary", "canaries.jsonl", CANARY, "secret", "12345678x", "secret must be 9 digits"),
    record("canary", "canaries.jsonl", CANARY, "digits", 5, "secret must be 5 digits"),
    record("canary", "canaries.jsonl", CANARY, "digits", "nine", "'digits' a whole number"),
    record("canary", "canaries.jsonl", CANARY, "prefix", 12, "'prefix' must be text"),
    Case(
        "replay-bad-json",
        run(
            lambda ws: {
                **text(ws),
                "model": {"type": "replay", "path": str(ws.file("answers.jsonl", "{not json\n"))},
            }
        ),
        2,
        ("answers.jsonl", "line 1"),
    ),
    Case(
        "replay-response-number",
        run(
            lambda ws: {
                **text(ws),
                "model": {
                    "type": "replay",
                    "path": str(ws.file("answers.jsonl", '{"prompt": "x", "response": 5}\n')),
                },
            }
        ),
        2,
        ("answers.jsonl", "line 1", "'response' must be text"),
    ),
    Case(
        "replay-empty",
        run(
            lambda ws: {
                **text(ws),
                "model": {"type": "replay", "path": str(ws.file("answers.jsonl", ""))},
            }
        ),
        2,
        ("answers.jsonl", "no recorded responses"),
    ),
    Case("audit-text-counterfactual", run(text), 0, ("checks passed",)),
]
