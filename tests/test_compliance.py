"""The compliance pack (issue 14, item 1): real run folders made by the real CLI on the bundled
demo specs, their compliance files read back and checked against report.json and the CHAI
schema. Expected values come from report.json, the answers file and the schema, never from the
code under test."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from .conftest import ROOT, counterfactual_auditor
from .tamper_cases import records, reseal

NS = {"mc": "https://mc.chai.org/v0.2/schema.xsd"}
PACK = ("card.xml", "hti1.json", "evidence-map.json", "evidence.json")
EXAMPLE_ANSWERS = ROOT / "audits" / "answers" / "card-answers.example.yaml"
BIASED_LLM = ROOT / "tests" / "fixtures" / "biased_llm.py"
VIGNETTES = ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl"


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "trustaudit.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=600)


def run_folder(spec: Path, out: Path) -> Path:
    done = cli("run", str(spec), "--out", str(out), "--quiet")
    assert done.returncode in (0, 1), done.stdout + done.stderr
    (folder,) = [p for p in out.iterdir() if p.is_dir()]
    return folder


def llm_spec(folder: Path) -> Path:
    """A text model (the deliberately biased rule-based 'LLM') under counterfactual and
    text-robustness audits: the LLM side of the card without a local model."""
    spec = {
        "name": "biased-llm",
        "seed": 3,
        "model": {"type": "callable", "generate": f"{BIASED_LLM}:generate"},
        "auditors": [
            {
                **counterfactual_auditor(VIGNETTES),
                "thresholds": [{"metric": "flip_rate", "max": 0.1}],
            },
            {
                "use": "text_robustness",
                "params": {"vignettes": str(VIGNETTES), "families": ["chest pain"], "n_boot": 20},
            },
        ],
    }
    path = folder / "llm.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The demo, the diabetes demo and a text model, each run once by the real CLI."""
    root = tmp_path_factory.mktemp("compliance")
    return {
        "demo": run_folder(ROOT / "audits" / "demo.yaml", root / "demo"),
        "diabetes": run_folder(ROOT / "audits" / "diabetes.yaml", root / "diabetes"),
        "llm": run_folder(llm_spec(root), root / "llm"),
    }


def report(folder: Path) -> dict:
    return json.loads((folder / "report.json").read_text())


def evidence(folder: Path) -> dict:
    return json.loads((folder / "compliance" / "evidence.json").read_text())


def card(path: Path) -> ET.Element:
    return ET.parse(path).getroot()


def element_text(root: ET.Element, path: str) -> str:
    found = root.find(path, NS)
    assert found is not None, path
    return found.text or ""


@pytest.mark.extra("compliance")
@pytest.mark.parametrize("name", ["demo", "diabetes", "llm"])
def test_the_card_of_each_demo_run_is_valid_chai_v02(runs, name):
    from trustaudit.compliance.validate import card_problems

    xml = (runs[name] / "compliance" / "card.xml").read_bytes()
    assert card_problems(xml) == []
    # the validator does reject a card missing a required element
    broken = xml.replace(b"<ClinicalRiskLevel>", b"<ClinicalRisk>").replace(
        b"</ClinicalRiskLevel>", b"</ClinicalRisk>"
    )
    assert any("ClinicalRisk" in problem for problem in card_problems(broken))


@pytest.mark.parametrize("name", ["demo", "diabetes", "llm"])
def test_every_measured_value_is_a_metric_of_the_run(runs, name):
    """Each MetricResult's ValueJson names a metric key of report.json (auditor and run id
    included) and carries its estimate, interval and n exactly."""
    view = report(runs[name])
    metrics = {(a["label"], m["key"]): m for a in view["auditors"] for m in a["metrics"]}
    results = card(runs[name] / "compliance" / "card.xml").findall(".//mc:MetricResult", NS)
    measured = [json.loads(element_text(r, "mc:ValueJson")) for r in results]
    traced = [v for v in measured if v["kind"] != "not_measured"]
    assert traced, "no measured value on the card"
    for value in traced:
        source = value["source"]
        assert source["run"] == view["run"]["id"]
        metric = metrics[(source["auditor"], source["metric"])]
        assert value["n"] == metric["n"]
        if value["kind"] == "estimate_ci":
            expected = (metric["value"], metric["ci_low"], metric["ci_high"])
            assert (value["estimate"], value["lower"], value["upper"]) == expected
            assert value["level"] == 95
        else:
            assert value["value"] == metric["value"]
            # a disparity's descriptive bootstrap spread is never stated as a 95% interval
            assert "level" not in value
            if "descriptive" in (metric["interval"] or ""):
                assert value["spread"]["lower"] == metric["ci_low"]


def test_the_evidence_model_traces_every_measured_field(runs):
    """Fields with provenance 'measured' name metric keys of the run (or the manifest's model
    facts) and the run id."""
    view = report(runs["demo"])
    keys = {m["key"] for a in view["auditors"] for m in a["metrics"]}
    for field in evidence(runs["demo"])["fields"].values():
        provenance = field["provenance"]
        if provenance["kind"] != "measured":
            continue
        assert provenance["runs"] == [view["run"]["id"]], field["id"]
        model_facts = {"model.version", "model.fingerprint", "run.verdict"}
        assert set(provenance["metrics"]) <= keys | model_facts, field["id"]


def test_verdicts_and_key_metrics_come_from_the_checks(runs):
    view = report(runs["demo"])
    status = {(c["auditor"], c["metric"]): c["status"] for c in view["checks"]}
    fields = evidence(runs["demo"])["fields"]
    usefulness = {m["source"]["metric"]: m for m in fields["usefulness_results"]["measured"]}
    assert usefulness["auroc[overall]"]["verdict"] == status[("fairness", "auroc[overall]")]
    fairness = {m["source"]["metric"]: m for m in fields["fairness_results"]["measured"]}
    key = "equal_opportunity_difference[race_ethnicity]"
    assert fairness[key]["verdict"] == status[("fairness", key)] == "warn"
    llm = evidence(runs["llm"])["fields"]["fairness_results"]["measured"]
    assert any(m["source"]["metric"] == "flip_rate[all vignettes=Black]" for m in llm)


def test_warnings_are_drafted_from_the_checks_that_did_not_pass(runs):
    view = report(runs["demo"])
    root = card(runs["demo"] / "compliance" / "card.xml")
    warnings = element_text(root, ".//mc:KnownBiasesOrEthicalConsiderations")
    warnings += element_text(root, ".//mc:KnownRisksAndLimitations")
    flagged = [c["metric"] for c in view["checks"] if c["status"] in ("warn", "inconclusive")]
    passed = [c["metric"] for c in view["checks"] if c["status"] == "pass"]
    assert flagged and all(f"`{key}`" in warnings for key in flagged)
    assert not [key for key in passed if f"`{key}`" in warnings]
    assert "INCONCLUSIVE `disparate_impact_ratio[race_ethnicity]`" in warnings
    assert "Not tested: robustness" in warnings  # the demo runs no robustness auditor


def test_human_fields_are_explicit_placeholders_naming_who_fills_them(runs):
    root = card(runs["demo"] / "compliance" / "card.xml")
    intended = element_text(root, ".//mc:IntendedUseAndWorkflow")
    assert intended.startswith("[OPEN: to be filled by the clinical owner")
    assert "`intended_use`" in intended
    funding = element_text(root, ".//mc:FundingSource")
    assert "[OPEN: to be filled by the model developer" in funding
    fields = evidence(runs["demo"])["fields"]
    assert fields["intended_use"]["open"] and fields["intended_use"]["provenance"]["role"]
    assert not fields["known_biases"]["open"]  # drafted, for review


def test_hti1_attributes_and_the_evidence_map(runs):
    folder = runs["demo"]
    hti1 = json.loads((folder / "compliance" / "hti1.json").read_text())
    assert [a["number"] for a in hti1["attributes"]] == list(range(1, 32))
    validity = hti1["attributes"][20]["fields"][0]
    assert validity["id"] == "usefulness_results" and validity["measured"]
    assert "HTI-5" in hti1["rule"]
    mapped = json.loads((folder / "compliance" / "evidence-map.json").read_text())["items"]
    items = {row["item"]: row for row in mapped}
    for item in ("Art. 10(2)(f)", "Art. 12", "Art. 13(3)(b)(v)", "Art. 15(3)", "Annex IV(2)(g)"):
        assert item in items
    assert {"MEASURE 2.11", "MEASURE 2.13", "Principle 4"} <= set(items)
    accountability = {
        c["metric"] for c in report(folder)["checks"] if c["auditor"] == "accountability"
    }
    assert {c["metric"] for c in items["Art. 12"]["checks"]} == accountability
    assert items["Principle 4"]["status"] == "not evidenced"


def test_the_html_report_has_a_compliance_section(runs):
    html = (runs["demo"] / "report.html").read_text()
    assert '<h2 id="compliance">Compliance</h2>' in html
    assert "MEASURE 2.13" in html and "compliance/card.xml" in html
    assert html.index('id="compliance"') < html.index('id="reproducibility"')


def test_answers_are_merged_and_unanswered_fields_stay_open(runs, tmp_path):
    answers = yaml.safe_load(EXAMPLE_ANSWERS.read_text())
    done = cli("card", str(runs["demo"]), "--answers", str(EXAMPLE_ANSWERS), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PACK)
    root = card(tmp_path / "card.xml")
    assert element_text(root, ".//mc:IntendedUseAndWorkflow") == answers["intended_use"].strip()
    assert element_text(root, ".//mc:ReleaseDate") == answers["release_date"]  # a date, as given
    keywords = [k.text for k in root.findall(".//mc:Keywords/mc:Keyword", NS)]
    assert keywords == answers["keywords"]
    maintenance = element_text(root, ".//mc:OngoingMaintenance")
    assert maintenance.startswith(answers["ongoing_maintenance"].strip())
    assert report(runs["demo"])["run"]["id"] in maintenance  # the drafted history is kept
    assert element_text(root, ".//mc:HowToUse").startswith("[OPEN:")  # not answered
    fields = json.loads((tmp_path / "evidence.json").read_text())["fields"]
    assert fields["intended_use"]["provenance"] == {
        **fields["intended_use"]["provenance"],
        "kind": "human",
        "answered": True,
    }
    assert "how_to_use" in done.stdout and "intended_use" not in done.stdout.split("open:")[1]
    assert cli("verify", str(runs["demo"])).returncode == 0  # the sealed run was not touched


def test_several_runs_of_one_model_make_one_card(runs, tmp_path):
    again = run_folder(ROOT / "audits" / "demo.yaml", tmp_path / "again")
    done = cli("card", str(runs["demo"]), str(again), "--out", str(tmp_path / "card"))
    assert done.returncode == 0, done.stderr
    found = json.loads((tmp_path / "card" / "evidence.json").read_text())
    ids = [report(runs["demo"])["run"]["id"], report(again)["run"]["id"]]
    assert [r["id"] for r in found["runs"]] == ids
    measured = found["fields"]["usefulness_results"]["measured"]
    assert {m["source"]["run"] for m in measured} == set(ids)
    assert all(ids[0] in found["fields"]["ongoing_maintenance"]["value"] for _ in ids)


@pytest.mark.parametrize(
    ("answers", "said"),
    [
        ("intended_us: x\n", ["'intended_us'", "Did you mean 'intended_use'?", "Allowed keys:"]),
        ("usefulness_results: x\n", ["'usefulness_results'", "measured by the audit"]),
        ("- a list\n", ["expected a mapping of field to answer"]),
        ("intended_use: {a: 1}\n", ["intended_use: expected text, got an object"]),
        ("intended_use: [\n", ["invalid YAML"]),
        ("release_date: next spring\n", ["release_date: expected a date as YYYY"]),
    ],
)
def test_bad_answers_exit_2_naming_the_key_and_the_fix(runs, tmp_path, answers, said):
    path = tmp_path / "answers.yaml"
    path.write_text(answers)
    done = cli("card", str(runs["demo"]), "--answers", str(path), "--out", str(tmp_path / "o"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(path) in done.stderr and "Traceback" not in done.stderr
    assert all(text in done.stderr for text in said), done.stderr
    assert not (tmp_path / "o").exists()


def test_bad_folders_exit_2(runs, tmp_path):
    other = cli("card", str(runs["demo"]), str(runs["diabetes"]), "--out", str(tmp_path / "o"))
    assert other.returncode == 2 and "audits another model" in other.stderr
    inside = cli("card", str(runs["demo"]), "--out", str(runs["demo"] / "card"))
    assert inside.returncode == 2 and "seal would then break" in inside.stderr
    (tmp_path / "empty").mkdir()
    empty = cli("card", str(tmp_path / "empty"))
    assert empty.returncode == 2 and "not a trustaudit run folder" in empty.stderr
    assert "Traceback" not in other.stderr + inside.stderr + empty.stderr


def test_a_report_of_an_older_trustaudit_exits_2_naming_the_field(runs, tmp_path):
    """report.json written before intervals and confidence were recorded: exit 2 with the file,
    the missing field and the fix, not a crash."""
    import shutil

    old = tmp_path / "old-run"
    shutil.copytree(runs["demo"], old)
    view = json.loads((old / "report.json").read_text())
    for auditor in view["auditors"]:
        del auditor["confidence"]
    (old / "report.json").write_text(json.dumps(view))
    done = cli("card", str(old), "--out", str(tmp_path / "card"))
    assert done.returncode == 2, done.stderr
    assert "has no 'confidence'" in done.stderr and "Rerun the spec" in done.stderr
    assert "Traceback" not in done.stderr


def test_no_phi_in_any_rendered_document(tmp_path):
    """A group value and answers holding identifiers: none reaches the pack, the report or the
    card command's output in the clear."""
    from .test_phi_boundary import EMAIL, SHAPED

    cohort = ROOT / "fixtures" / "readmission" / "cohort.csv"
    frame = pd_read(cohort).head(600)
    frame["payer"] = frame["payer"].mask(frame.index % 5 == 0, SHAPED["ssn"])
    frame.to_csv(tmp_path / "cohort.csv", index=False)
    spec = {
        "name": "planted",
        "seed": 1,
        "model": {
            "type": "sklearn",
            "factory": f"{ROOT}/fixtures/readmission/cohort.py:train_model",
        },
        "data": {"path": str(tmp_path / "cohort.csv"), "target": "readmitted_30d"},
        "auditors": [
            {
                "use": "fairness",
                "params": {"sensitive_features": ["payer"], "n_boot": 20},
                "thresholds": [{"metric": "selection_rate", "min": 0.99, "level": "warn"}],
            }
        ],
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    folder = run_folder(tmp_path / "spec.yaml", tmp_path / "out")
    biases = element_text(
        card(folder / "compliance" / "card.xml"), ".//mc:KnownBiasesOrEthicalConsiderations"
    )
    assert "payer=<US_SSN>" in biases  # the group is named, masked
    answers = {"developer_contact": f"{EMAIL}, {SHAPED['phone']}", "summary": SHAPED["mrn"]}
    (tmp_path / "answers.yaml").write_text(yaml.safe_dump(answers))
    done = cli(
        "card",
        str(folder),
        "--answers",
        str(tmp_path / "answers.yaml"),
        "--out",
        str(tmp_path / "card"),
    )
    assert done.returncode == 0, done.stderr
    outputs = {"stdout": done.stdout + done.stderr}
    for path in [*folder.rglob("*"), *(tmp_path / "card").rglob("*")]:
        if path.is_file():
            outputs[str(path)] = path.read_text(encoding="utf-8")
    planted = [*SHAPED.values(), EMAIL]
    assert {
        where: [v for v in planted if v in text]
        for where, text in outputs.items()
        if any(v in text for v in planted)
    } == {}


def pd_read(path: Path):
    import pandas as pd

    return pd.read_csv(path)


def test_a_changed_compliance_file_breaks_verify(runs, tmp_path):
    folder = Path(shutil.copytree(runs["demo"], tmp_path / "edited"))
    path = folder / "compliance" / "card.xml"
    path.write_text(path.read_text().replace("[OPEN:", "[DONE:", 1))
    done = cli("verify", str(folder))
    assert done.returncode == 1
    assert "compliance/card.xml was changed after the run was sealed" in done.stdout
    gone = Path(shutil.copytree(runs["demo"], tmp_path / "gone"))
    (gone / "compliance" / "evidence.json").unlink()
    done = cli("verify", str(gone))
    assert done.returncode == 1 and "compliance/evidence.json is missing" in done.stdout


def test_a_seal_that_drops_the_compliance_files_is_caught(runs, tmp_path):
    """Resealed without the compliance entries while the files stay: broken. A run sealed before
    the pack existed (no compliance files, nor in its seal) still verifies."""
    folder = Path(shutil.copytree(runs["demo"], tmp_path / "dropped"))

    def drop(files: dict[str, str]) -> None:
        for name in [k for k in files if k.startswith("compliance/")]:
            files.pop(name)

    reseal(folder, records(folder), drop)
    done = cli("verify", str(folder))
    assert done.returncode == 1
    assert "the seal does not list compliance/card.xml" in done.stdout
    shutil.rmtree(folder / "compliance")
    assert cli("verify", str(folder)).returncode == 0


@pytest.mark.extra("privacy")
@pytest.mark.extra("compliance")
def test_a_data_only_audit_has_a_valid_card_too(tmp_path):
    from trustaudit.compliance.validate import card_problems

    folder = run_folder(ROOT / "audits" / "phi-scan.yaml", tmp_path)
    root_bytes = (folder / "compliance" / "card.xml").read_bytes()
    assert card_problems(root_bytes) == []
    root = card(folder / "compliance" / "card.xml")
    assert "no model audited" in element_text(root, ".//mc:ReleaseVersion")
    failed = [c["metric"] for c in report(folder)["checks"] if c["status"] == "fail"]
    assert failed and all(
        f"`{key}`" in element_text(root, ".//mc:KnownRisksAndLimitations") for key in failed
    )


def test_the_llm_card_names_its_fairness_findings(runs):
    view = report(runs["llm"])
    (counterfactual,) = [a for a in view["auditors"] if a["name"] == "counterfactual"]
    titles = [f["title"] for f in counterfactual["findings"] if f["severity"] != "info"]
    biases = evidence(runs["llm"])["fields"]["known_biases"]["value"]
    assert titles and all(title in biases for title in titles)
    assert "FAIL `flip_rate[all vignettes=Black]`" in biases
