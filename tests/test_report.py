"""The run folder: report.json (the view-model), the HTML and JUnit rendered from it; safety and
determinism."""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from trustaudit.findings import Metric, MetricKind
from trustaudit.report.html import ci_label, disparity_table, fmt, plain_metrics
from trustaudit.report.schema import report_json_schema
from trustaudit.report.view import SCHEMA_VERSION, _metric_view, json_safe
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import ROOT, base_spec

HOSTILE = '<script>alert("x")</script>'
HOSTILE_ATTR = '"><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    spec_path = tmp / "spec.yaml"
    import yaml

    spec = base_spec(output=str(tmp / "reports"))
    spec["auditors"][0]["thresholds"] += [
        {"metric": "auroc[overall]", "min": 0.9, "provenance": "proposed"},
        {"metric": "tpr", "min": 0.55, "level": "warn"},
    ]
    spec_path.write_text(yaml.safe_dump(spec))
    run = run_audit(load_spec(spec_path))
    folder = Path(run.provenance["folder"])
    return (
        run,
        folder,
        json.loads((folder / "report.json").read_text()),
        (folder / "report.html").read_text(),
    )


def test_run_folder_holds_the_three_files(report):
    run, folder, view, _ = report
    assert sorted(p.name for p in folder.iterdir()) == [
        "compliance",
        "junit.xml",
        "ledger.jsonl",
        "manifest.json",
        "report.html",
        "report.json",
    ]
    assert re.fullmatch(r"test-audit-\d{8}T\d{6}Z", folder.name)
    assert view["schema_version"] == SCHEMA_VERSION == "1.4"
    assert view["run"]["verdict"] == "fail"
    assert view["run"]["exit_code"] == 1
    assert len(view["checks"]) == len(run.checks)


def test_html_opens_with_the_verdict_and_lists_every_check(report):
    _, _, view, html = report
    assert (
        html.index("Verdict")
        < html.index('id="checks"')
        < html.index('id="auditor-1"')
        < html.index('id="reproducibility"')
    )
    checks_table = html[html.index('id="checks"') : html.index('id="auditor-1"')]
    for check in view["checks"]:
        assert f"<code>{check['metric']}</code>" in checks_table
        assert fmt(check["value"]) in checks_table
    assert checks_table.count('class="badge fail"') == view["summary"]["fail"]


def test_html_is_self_contained(report):
    _, _, _, html = report
    assert html.count("<svg") >= 4  # per-group figures for 3 groupings and the disparities
    assert not re.search(r"<script|<link|@import|src=\"http|href=\"http|url\((?!#)", html, re.I)


def test_reproducibility_appendix(report):
    _, _, view, html = report
    appendix = html[html.index('id="reproducibility"') :]
    for value in (
        view["reproducibility"]["fingerprints"]["data"],
        view["reproducibility"]["environment"]["fairlearn"],
        "seed: 3",
        "n_boot: 200",
    ):
        assert value in appendix


def test_junit_has_one_testcase_per_check(report):
    _, folder, view, _ = report
    root = ET.parse(folder / "junit.xml").getroot()
    cases = root.findall(".//testcase")
    assert len(cases) == len(view["checks"]) == int(root.get("tests"))
    assert len(root.findall(".//failure")) == view["summary"]["fail"] == int(root.get("failures"))
    assert len(root.findall(".//skipped")) == view["summary"]["skipped"]
    assert (
        sum("WARNING" in (c.findtext("system-out") or "") for c in cases) == view["summary"]["warn"]
    )


def test_hostile_group_names_are_text_not_markup(write_spec, tmp_path, cohort):
    hostile = cohort.assign(sex=cohort["sex"].map({"F": HOSTILE, "M": HOSTILE_ATTR}))
    hostile.to_csv(tmp_path / "hostile.csv", index=False)
    spec = base_spec(data={"path": str(tmp_path / "hostile.csv"), "target": "readmitted_30d"})
    spec["auditors"][0]["thresholds"].append({"metric": f"tpr[sex={HOSTILE}]", "min": 0.1})
    folder = Path(run_audit(load_spec(write_spec(spec)), out=tmp_path / "out").provenance["folder"])
    html = (folder / "report.html").read_text()
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    svg_text = " ".join(re.findall(r"<svg.*?</svg>", html, re.S))
    assert "&lt;script&gt;" in svg_text  # figure labels too
    root = ET.parse(folder / "junit.xml").getroot()  # still well-formed XML
    assert any(HOSTILE in case.get("name") for case in root.iter("testcase"))
    assert (
        json.loads((folder / "report.json").read_text())["checks"][-1]["metric"]
        == f"tpr[sex={HOSTILE}]"
    )


def test_same_spec_same_report_bytes_apart_from_ids_and_times(write_spec, tmp_path):
    spec = load_spec(write_spec(base_spec()))
    first, second = (
        Path(run_audit(spec, out=tmp_path / "out").provenance["folder"]) for _ in range(2)
    )
    texts = []
    for folder in (first, second):
        view = json.loads((folder / "report.json").read_text())
        volatile = [
            view["run"]["id"],
            view["run"]["started"],
            view["run"]["finished"],
            str(folder),
            view["provenance"]["ledger_head"],
            view["provenance"]["manifest_sha256"],
        ]
        texts.append(
            [
                _without((folder / name).read_text(), volatile)
                for name in ("report.json", "report.html", "junit.xml")
            ]
        )
    assert first != second
    assert texts[0] == texts[1]


def _without(text: str, values: list[str]) -> str:
    """Mask ids, timestamps, durations and the hashes derived from timestamps (ledger head, manifest
    hash)."""
    for value in values:
        text = text.replace(value, "<volatile>")
    return re.sub(r'"seconds": [\d.]+|· [\d.]+ s ·|time="[\d.]+"', "<duration>", text)


def test_report_json_validates_against_the_published_schema(report):
    jsonschema = pytest.importorskip("jsonschema")
    _, _, view, _ = report
    schema = report_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(view, schema)
    broken = {**view, "checks": [{**view["checks"][0], "status": "passed"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_demo_report_json_validates_against_the_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    run = run_audit(load_spec(ROOT / "audits" / "demo.yaml"), out=tmp_path)
    view = json.loads((Path(run.provenance["folder"]) / "report.json").read_text())
    jsonschema.validate(view, report_json_schema())


def test_disparities_and_left_out_groups_come_from_fields_not_names_or_notes():
    gap = Metric(
        name="some_gap",
        value=0.1,
        grouping="sex",
        note="prose that never says which groups",
        kind=MetricKind.DISPARITY,
        left_out=("X",),
    )
    per_group = Metric(name="tpr", value=0.5, grouping="sex", group="F")
    summary = Metric(name="chi2_p_bh", value=0.2, grouping="sex")  # grouping-level, no disparity
    metrics = [json_safe(_metric_view(m)) for m in (gap, per_group, summary)]
    table = disparity_table(metrics)
    assert table["groupings"] == ["sex"]
    assert [name for name, _ in table["rows"]] == ["some_gap"]
    assert table["left_out"] == ["sex: X"]
    assert [m["name"] for m in plain_metrics(metrics)] == ["chi2_p_bh"]


def test_interval_label_follows_the_auditors_confidence_level(report):
    _, _, view, html = report
    assert {a["confidence"] for a in view["auditors"]} == {0.95}
    assert "<th>95% CI</th>" in html
    assert ci_label([0.9, 0.9]) == "90% CI"
    assert ci_label([0.9, 0.95]) == ci_label([]) == ci_label([None]) == "CI"


def test_fairness_methods_only_when_a_fairness_auditor_ran(report, write_spec, tmp_path):
    _, _, _, html = report
    assert "<h3>Methods</h3>" in html
    spec = base_spec(output=str(tmp_path / "reports"))
    spec["auditors"] = [{"use": "accountability"}]
    run = run_audit(load_spec(write_spec(spec)))
    other = (Path(run.provenance["folder"]) / "report.html").read_text()
    assert "<h3>Methods</h3>" not in other


def test_an_auditor_badge_is_the_worst_of_its_checks(write_spec, tmp_path):
    """The heading badge says how the auditor's checks went, not merely that it ran."""
    spec = base_spec()
    spec["auditors"][0]["thresholds"] = [
        {"metric": "equal_opportunity_difference[race_ethnicity]", "max": 0.01},
        {"metric": "tpr[overall]", "min": 0.0, "level": "warn"},
    ]
    spec["auditors"].append({"use": "accountability"})
    run_audit(load_spec(write_spec(spec)), out=tmp_path / "o")
    (folder,) = (tmp_path / "o").iterdir()
    view = json.loads((folder / "report.json").read_text())
    fairness, accountability = view["auditors"]
    assert fairness["status"] == "pass"
    assert fairness["verdict"] == "fail"
    assert accountability["verdict"] == "pass"
    html = (folder / "report.html").read_text()
    assert '<span class="badge fail">fail</span></h2>' in html


def test_numbers_read_alike_rates_keep_three_decimals_counts_are_whole():
    from trustaudit.report.html import ci, fmt

    assert fmt(1.0) == "1.000" and ci(1.0, 1.0) == "[1.000, 1.000]"
    assert fmt(2500.0, "count") == "2,500" and fmt(1.0, "indicator") == "1"
    assert fmt(3) == "3" and fmt(float("nan")) == "—"


def test_group_tables_show_each_rates_counts(report):
    _, folder, view, _ = report
    html = (folder / "report.html").read_text()
    rates = [
        m
        for a in view["auditors"]
        for m in a["metrics"]
        if m["name"] == "tpr" and m["group"] is not None and m["value"] is not None
    ]
    assert rates and all(m["interval"] == "clopper-pearson" for m in rates)
    for m in rates:
        assert f"{m['successes']:,}/{m['trials']:,}" in html
        assert m["value"] == pytest.approx(m["successes"] / m["trials"])
