"""Drafted and measured facts about the model, the data and the method, taken from report.json
and manifest.json: what the audit knows first-hand, so a person need not retype it."""

from __future__ import annotations

from typing import Any

from .drafts_warnings import PRIVACY_AUDITORS, Draft
from .sources import RunSource

TEXT_AUDITORS = ("counterfactual", "privacy", "text_robustness", "canary")
MANIFEST = "manifest.json"


def _model(sources: list[RunSource]) -> dict[str, Any]:
    """The audited model's info (the first run with a model; {} for data-only audits)."""
    return next((s.view["model"] for s in sources if s.view.get("model")), {})


def _is_text(sources: list[RunSource]) -> bool:
    return any(a["name"] in TEXT_AUDITORS for s in sources for a in s.view["auditors"])


def model_name(sources: list[RunSource]) -> Draft:
    model = _model(sources)
    name = model.get("name") or "no model (an audit of data alone)"
    return Draft(f"{name} (audit: {sources[0].name})", (f"{MANIFEST}: models",))


def release_version(sources: list[RunSource]) -> Draft:
    model = _model(sources)
    text = f"{model.get('version', 'unversioned')} (fingerprint {model.get('fingerprint')})"
    if not model:
        text = "no model audited (an audit of data alone)"
    return Draft(text, (f"{MANIFEST}: models",), ("model.version", "model.fingerprint"))


def model_type(sources: list[RunSource]) -> Draft:
    model = _model(sources)
    if not model:
        return Draft("no model audited (an audit of data alone)", (f"{MANIFEST}: models",))
    kind = "text generation (LLM)" if _is_text(sources) else "tabular classifier"
    name, adapter = model.get("name", "—"), model.get("adapter")
    text = f"{kind}: {name} served by trustaudit's {adapter} adapter"
    return Draft(text, (f"{MANIFEST}: models", "report.json: auditors"))


def foundation_models(sources: list[RunSource]) -> Draft:
    model = _model(sources)
    if not _is_text(sources):
        return Draft("None: not a foundation-model application.", ("report.json: auditors",))
    return Draft(
        f"{model.get('name')} (version {model.get('version')}, {model.get('fingerprint')})",
        (f"{MANIFEST}: models",),
    )


def output_type(sources: list[RunSource]) -> Draft:
    if _is_text(sources):
        text = "recommendation: free-text answers, read as decisions by trustaudit's extraction"
    else:
        text = "prediction/classification: a class from a risk score at a cut-off"
    return Draft(text, ("report.json: auditors",))


def _data_lines(sources: list[RunSource]) -> list[str]:
    lines = []
    for source in sources:
        for data in source.manifest.get("data", []):
            lines.append(
                f"- {source.name}: {data.get('source')}, {data.get('rows'):,} rows, "
                f"{data.get('sha256')}"
            )
    return lines


def input_data_source(sources: list[RunSource]) -> Draft:
    lines = _data_lines(sources) or ["- No tabular data: the audit prompted the model."]
    head = "The audited data (the deployment's own input sources are for the data steward):"
    return Draft("\n".join([head, *lines]), (f"{MANIFEST}: data",))


def input_output_types(sources: list[RunSource]) -> Draft:
    lines = []
    for source in sources:
        data = source.view.get("data") or {}
        if data:
            lines.append(
                f"- {source.name}: {data.get('columns')} columns in; target "
                f"`{data.get('target')}` (positive label {data.get('positive_label')})"
            )
    lines.append(f"- Output: {output_type(sources).text}")
    return Draft("\n".join(lines), ("report.json: data", "report.json: auditors"))


def demographic_inputs(sources: list[RunSource]) -> Draft:
    lines = []
    for source in sources:
        for auditor in source.view["auditors"]:
            params = auditor["params"]
            for key in ("sensitive_features", "swap"):
                if params.get(key):
                    lines.append(f"- {auditor['label']}: {key} {', '.join(map(str, params[key]))}")
    head = (
        "Demographic variables the audit grouped by or swapped (whether the model takes them as "
        "inputs is not recorded by the run; the developer confirms):"
    )
    return Draft("\n".join([head, *(lines or ["- none"])]), ("report.json: auditor parameters",))


def _group_sizes(sources: list[RunSource]) -> tuple[list[str], list[str]]:
    """Group n and share of the audited rows, per grouping, from the fairness auditor."""
    lines, keys = [], []
    for source in sources:
        for auditor in source.view["auditors"]:
            sizes = [m for m in auditor["metrics"] if m["name"] == "group_size"]
            total = next((m["value"] for m in sizes if m["grouping"] == "overall"), None)
            for metric in sizes:
                if metric["group"] is None or not total:
                    continue
                share = metric["value"] / total
                where = f"{metric['grouping']}={metric['group']}"
                lines.append(f"- {where}: n={metric['value']:,.0f} ({share:.1%})")
                keys.append(metric["key"])
    return lines, keys


def representativeness(sources: list[RunSource]) -> Draft:
    lines, keys = _group_sizes(sources)
    text = "\n".join(lines) or "No group sizes measured (no fairness auditor on tabular data)."
    return Draft(text, ("report.json: group_size metrics",), tuple(keys))


def testing_data(sources: list[RunSource]) -> Draft:
    lines, keys = _group_sizes(sources)
    text = "\n".join([*(_data_lines(sources) or ["- Prompts only, no tabular data."]), *lines])
    return Draft(text, (f"{MANIFEST}: data", "report.json: group_size"), tuple(keys))


def test_type(sources: list[RunSource]) -> Draft:
    runs = [
        f"- {s.name} (run {s.run_id}, {s.view['run']['finished']}): "
        f"{', '.join(a['label'] for a in s.view['auditors'])}; verdict {s.view['run']['verdict']}"
        for s in sources
    ]
    head = f"Retrospective audit by trustaudit {sources[0].view['tool']['version']}:"
    return Draft("\n".join([head, *runs]), ("report.json: run, auditors",), ("run.verdict",))


def methods(sources: list[RunSource]) -> Draft:
    lines = []
    for source in sources:
        manifest = source.manifest
        intervals = sorted(
            {m["interval"] for a in source.view["auditors"] for m in a["metrics"] if m["interval"]}
        )
        lines.append(
            f"- {source.name}: spec sha256 {manifest.get('spec_sha256')}, seed "
            f"{manifest.get('seed')}; intervals: {', '.join(intervals) or 'none'}"
        )
    head = (
        "Each threshold judges a metric with its interval (modes certify, detect and floor hold "
        "their error rates; see the report's checks). Reproduce with the same spec and seed:"
    )
    return Draft("\n".join([head, *lines]), (f"{MANIFEST}: spec_sha256, seed", "report.json"))


def ongoing_maintenance(sources: list[RunSource]) -> Draft:
    lines = [
        f"- {s.view['run']['finished']}: {s.name} (run {s.run_id}), "
        f"verdict {s.view['run']['verdict']}"
        for s in sources
    ]
    changed = [
        f"- model_changed ({s.name}): "
        f"{'not measured' if m['value'] is None else m['value']} ({m['note'] or 'vs baseline'})"
        for s in sources
        for a in s.view["auditors"]
        for m in a["metrics"]
        if m["name"] == "model_changed"
    ]
    compared = [
        f"- {s.name} (run {s.run_id}) against run {c['baseline'].get('run_id', '?')}: "
        f"{c.get('verdict', '?')}; regressed: {_regressed(c)}"
        for s in sources
        for c in s.comparisons
    ]
    head = "Audit history of this model (rerun the same spec; --baseline compares runs):"
    return Draft(
        "\n".join([head, *lines, *changed, *compared]),
        ("report.json: run", "accountability", "comparison-*/comparison.json"),
    )


def _regressed(comparison: dict) -> str:
    failed = [c["metric"] for c in comparison.get("checks", []) if c.get("status") == "fail"]
    return ", ".join(failed) or "none"


def security(sources: list[RunSource]) -> Draft:
    ran = sorted(
        {a["label"] for s in sources for a in s.view["auditors"] if a["name"] in PRIVACY_AUDITORS}
    )
    tested = (
        f"Privacy attacks run: {', '.join(ran)} (see the safety results)."
        if ran
        else ("No privacy attack was run.")
    )
    return Draft(tested, ("report.json: auditors",))


def transparency(sources: list[RunSource]) -> Draft:
    text = (
        "Every model call of the audit is a record of the hash-chained ledger (ledger.jsonl); the "
        "seal covers manifest.json, the reports and these compliance files; `trustaudit verify "
        "RUN_DIR` checks them, and `trustaudit sign` adds a signed attestation."
    )
    return Draft(text, ("ledger.jsonl", MANIFEST))


def third_party_information(sources: list[RunSource]) -> Draft:
    environment = sources[0].manifest.get("environment", {})
    text = "Audited with: " + ", ".join(f"{k} {v}" for k, v in sorted(environment.items()))
    return Draft(text, (f"{MANIFEST}: environment",))


def external_testing_party(sources: list[RunSource]) -> Draft:
    operators = sorted({str(s.manifest.get("operator")) for s in sources})
    text = f"Run by {', '.join(operators)} with trustaudit {sources[0].view['tool']['version']}"
    return Draft(text, (f"{MANIFEST}: operator",))


def evaluation_references(sources: list[RunSource]) -> Draft:
    lines = [
        f"- run {s.run_id}: report.html, report.json, junit.xml, ledger.jsonl; manifest sha256 "
        f"{s.view['provenance'].get('manifest_sha256')}, ledger head "
        f"{s.view['provenance'].get('ledger_head')}"
        for s in sources
    ]
    return Draft("\n".join(lines), ("report.json: provenance",))


def bibliography(sources: list[RunSource]) -> Draft:
    """Where each threshold's bound comes from, as BibTeX ``@misc`` entries."""
    said = sorted(
        {
            c["provenance"]
            for s in sources
            for c in s.view["checks"]
            if c["provenance"] != "not stated"
        }
    )
    entries = [
        f"@misc{{threshold{i},\n  note = {{{text.replace('{', '(').replace('}', ')')}}}\n}}"
        for i, text in enumerate(said, start=1)
    ]
    return Draft("\n".join(entries), ("audit spec: threshold provenance",))
