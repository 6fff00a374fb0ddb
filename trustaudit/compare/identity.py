"""What was audited in each run, side by side: the model's and the data's fingerprints, the
endpoint's behavioural fingerprint, the spec; and a plain statement of what differs, so a change in
a metric is read against what changed."""

from __future__ import annotations

from typing import Any

from .runs import RunSnapshot


def identity(run: RunSnapshot) -> dict[str, Any]:
    """The run's model, data and spec fingerprints as the manifest recorded them."""
    manifest = run.manifest
    models = [m for m in manifest["models"] if isinstance(m, dict)]
    data = [d for d in manifest.get("data") or [] if isinstance(d, dict)]
    return {
        "run_id": run.run_id,
        "folder": str(run.folder),
        "started": manifest["started"],
        "spec_sha256": manifest["spec_sha256"],
        "model": {k: _text(models[0].get(k)) for k in ("adapter", "name", "version", "fingerprint")}
        if models
        else None,
        "behaviour": _behaviour(models[0]) if models else None,
        "data": [{k: d.get(k) for k in ("source", "sha256", "rows")} for d in data],
    }


def _behaviour(model: dict[str, Any]) -> dict[str, Any] | None:
    entry = model.get("behaviour")
    if not isinstance(entry, dict):
        return None
    return {k: _text(entry.get(k)) for k in ("sha256", "probe_set", "note")}


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def statements(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Sentences a reader needs before the metrics: same or different data, model, behaviour,
    spec."""
    return [_data(before, after), _model(before, after), *_behaviour_said(before, after)] + (
        []
        if before["spec_sha256"] == after["spec_sha256"]
        else ["The runs used different specs: auditors, parameters or thresholds may differ."]
    )


def _data(before: dict[str, Any], after: dict[str, Any]) -> str:
    hashes = [[d["sha256"] for d in run["data"]] for run in (before, after)]
    if not any(hashes):
        return "Neither run audited a data file (the probes and vignettes are fixed inputs)."
    if hashes[0] == hashes[1]:
        return (
            "The data are the same in both runs (same fingerprint): a change in a metric comes "
            "from the model or the spec, not from the patients."
        )
    return (
        "THE DATA DIFFER: the runs audited different data (fingerprints differ), so a change in a "
        "metric mixes the model's change with the change of population or sample."
    )


def _model(before: dict[str, Any], after: dict[str, Any]) -> str:
    old, new = before["model"], after["model"]
    if old is None or new is None:
        return "At least one run audited no model."
    if old["fingerprint"] == new["fingerprint"]:
        return "The model's fingerprint is the same in both runs."
    return (
        f"The model changed: fingerprint {old['fingerprint']} ({old['name']}, {old['version']}) "
        f"in the baseline, {new['fingerprint']} ({new['name']}, {new['version']}) now."
    )


def _behaviour_said(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old, new = before["behaviour"], after["behaviour"]
    if old is None and new is None:
        return []
    if old is None or new is None or not old["sha256"] or not new["sha256"]:
        return [
            "The behavioural fingerprint cannot be compared: "
            + "; ".join(_missing(run, role) for run, role in ((old, "baseline"), (new, "new")))
            + "."
        ]
    if old["probe_set"] != new["probe_set"]:
        return ["The behavioural fingerprints used different probe sets and cannot be compared."]
    if old["sha256"] == new["sha256"]:
        return ["The model answered the fixed probe set identically in both runs."]
    return [
        "THE MODEL'S BEHAVIOUR CHANGED: its answers to the fixed probe set (temperature 0, fixed "
        "seed) differ between the runs, so a different model or different settings answered"
        + (
            " behind the same endpoint and model name."
            if _same_endpoint(before["model"], after["model"])
            else "."
        )
    ]


def _missing(entry: dict[str, Any] | None, role: str) -> str:
    if entry is None:
        return f"the {role} run has none"
    return f"the {role} run: {entry['note'] or 'taken'}"


def _same_endpoint(old: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    return old is not None and new is not None and old["fingerprint"] == new["fingerprint"]
