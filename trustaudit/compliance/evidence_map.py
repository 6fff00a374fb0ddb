"""The regulatory evidence map: each EU AI Act article, NIST AI RMF MEASURE subcategory and FDA
GMLP principle an audit can speak to (compliance-crosswalk.md §1.3–1.5), mapped to the checks and
files of these runs that evidence it, and to what a person must still supply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalogue import COMMITTEE, DEVELOPER, SECURITY
from .sources import RunSource

FAIRNESS = ("fairness", "counterfactual")
ROBUST = ("robustness", "text_robustness")
PRIVATE = ("privacy", "canary", "membership", "phi_scan")
LEDGER = ("accountability",)
ALL = ("*",)
REPORTS = ("report.json", "report.html", "junit.xml")
SEALED = ("manifest.json", "ledger.jsonl", *REPORTS)
CARD = ("compliance/card.xml", "compliance/hti1.json")
#: trustaudit's own validation results (MEASURE 2.13: how effective the tests are)
VALIDITY = (
    "trustaudit README: 'Gates that hold their error rate' (simulated error rates of the "
    "certify, detect and floor modes and the interval coverage; benchmarks/bench_validity.py)"
)


@dataclass(frozen=True)
class Item:
    framework: str
    item: str
    requirement: str
    auditors: tuple[str, ...]  # whose checks and metrics evidence it ('*': every auditor)
    files: tuple[str, ...]
    human: str = ""  # what a person must supply


ITEMS: tuple[Item, ...] = (
    Item(
        "EU AI Act",
        "Art. 10(2)(f)",
        "data examined for possible biases",
        (*FAIRNESS, "phi_scan"),
        REPORTS,
    ),
    Item(
        "EU AI Act",
        "Art. 10(2)(h)",
        "data gaps and shortcomings (groups not estimable)",
        FAIRNESS,
        REPORTS,
    ),
    Item(
        "EU AI Act",
        "Art. 10(3)",
        "representative data; statistical properties per group",
        ("fairness",),
        REPORTS,
        f"the reference population ({DEVELOPER})",
    ),
    Item(
        "EU AI Act",
        "Art. 12",
        "automatic logging, traceability",
        LEDGER,
        ("ledger.jsonl", "manifest.json"),
        "production logging and retention of at least 6 months (deployer)",
    ),
    Item(
        "EU AI Act",
        "Art. 13(3)(b)(ii)",
        "accuracy, robustness and their metrics",
        ("fairness", *ROBUST),
        REPORTS,
    ),
    Item(
        "EU AI Act",
        "Art. 13(3)(b)(v)",
        "performance for specific persons or groups",
        FAIRNESS,
        REPORTS,
    ),
    Item(
        "EU AI Act",
        "Art. 15(1)",
        "consistent performance over the lifecycle",
        LEDGER,
        SEALED,
        "the monitoring schedule",
    ),
    Item(
        "EU AI Act",
        "Art. 15(3)",
        "declared accuracy levels and metrics",
        LEDGER,
        REPORTS,
        f"the declaration itself ({DEVELOPER})",
    ),
    Item(
        "EU AI Act",
        "Art. 15(4)",
        "resilience to errors, faults and inconsistencies",
        ROBUST,
        REPORTS,
        "feedback loops",
    ),
    Item(
        "EU AI Act",
        "Art. 15(5)",
        "confidentiality attacks, adversarial examples, poisoning",
        PRIVATE,
        REPORTS,
        f"poisoning and adversarial testing ({SECURITY})",
    ),
    Item(
        "EU AI Act",
        "Annex IV(2)(g)",
        "validation and testing procedures, data, metrics, dated and signed test logs and reports",
        ALL,
        (*SEALED, *CARD, "attestation.dsse.json (trustaudit sign)"),
        "signature of a named responsible person",
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 1.1",
        "risks that cannot be measured are documented",
        (),
        CARD,
        "review of the card's known risks (not tested: security)",
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 2.1",
        "test sets, metrics and TEVV tools documented",
        ALL,
        ("manifest.json", *REPORTS),
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 2.3",
        "performance in conditions similar to deployment",
        ("fairness", *ROBUST),
        REPORTS,
        "that the audited data are local (answers key data_setting)",
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 2.5",
        "valid and reliable; limits of generalizability",
        ("fairness", "counterfactual"),
        REPORTS,
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 2.6",
        "safety risks evaluated",
        ROBUST,
        REPORTS,
        "clinical safety review",
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 2.7",
        "security and resilience evaluated",
        PRIVATE,
        REPORTS,
        f"security testing ({SECURITY})",
    ),
    Item(
        "NIST AI RMF",
        "MEASURE 2.8",
        "transparency and accountability risks",
        LEDGER,
        ("ledger.jsonl", "manifest.json"),
    ),
    Item("NIST AI RMF", "MEASURE 2.10", "privacy risk examined", PRIVATE, REPORTS),
    Item("NIST AI RMF", "MEASURE 2.11", "fairness and bias evaluated", FAIRNESS, REPORTS),
    Item(
        "NIST AI RMF",
        "MEASURE 2.13",
        "effectiveness of the TEVV metrics evaluated",
        (),
        (VALIDITY,),
    ),
    Item(
        "FDA GMLP",
        "Principle 2",
        "good software engineering and security practices",
        LEDGER,
        SEALED,
        f"security practice ({SECURITY})",
    ),
    Item(
        "FDA GMLP",
        "Principle 3",
        "representative clinical study data",
        ("fairness",),
        REPORTS,
        f"the intended population ({COMMITTEE})",
    ),
    Item(
        "FDA GMLP",
        "Principle 4",
        "training data independent of test data",
        (),
        (),
        "a training file to compare with (not evidenced by these runs)",
    ),
    Item("FDA GMLP", "Principle 8", "testing in clinically relevant conditions", ROBUST, REPORTS),
    Item(
        "FDA GMLP",
        "Principle 9",
        "clear, essential information to users",
        (),
        CARD,
        "the human fields of the card",
    ),
    Item(
        "FDA GMLP",
        "Principle 10",
        "deployed models monitored; re-training risks managed",
        LEDGER,
        SEALED,
        f"re-training policy ({COMMITTEE})",
    ),
)


def evidence_map(sources: list[RunSource]) -> tuple[dict[str, Any], ...]:
    """Every item with the checks (metric key, status, run) that evidence it in these runs, the
    files, what a person must add, and whether the runs evidence it at all."""
    return tuple(_row(item, sources) for item in ITEMS)


def _row(item: Item, sources: list[RunSource]) -> dict[str, Any]:
    checks = [
        {"run": s.run_id, "auditor": c["auditor"], "metric": c["metric"], "status": c["status"]}
        for s in sources
        for c in s.view["checks"]
        if _evidences(item, s, c["auditor"])
    ]
    ran = any(_evidences(item, s, a["label"]) for s in sources for a in s.view["auditors"])
    status = "evidenced" if ran else ("documented" if item.files else "not evidenced")
    return {
        "framework": item.framework,
        "item": item.item,
        "requirement": item.requirement,
        "status": status,
        "checks": checks,
        "files": list(item.files),
        "human": item.human,
    }


def _evidences(item: Item, source: RunSource, label: str) -> bool:
    """Whether the auditor with ``label`` in ``source`` is one the item counts."""
    names = {a["label"]: a["name"] for a in source.view["auditors"]}
    return "*" in item.auditors or names.get(label) in item.auditors
