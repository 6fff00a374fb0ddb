"""JUnit XML from the view-model: one testcase per check, one testsuite per auditor."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .view import CheckView, ReportView

_ELEMENT = {"fail": "failure", "error": "error", "skipped": "skipped"}


def _fails(check: CheckView) -> bool:
    """A failure for CI: a failed check, or an inconclusive one whose threshold says so."""
    blocking = check["status"] == "inconclusive" and check["on_inconclusive"] == "fail"
    return check["status"] == "fail" or blocking


def render_junit(view: ReportView) -> str:
    summary = view["summary"]
    root = ET.Element(
        "testsuites",
        name=f"trustaudit {view['run']['name']}",
        tests=str(sum(summary.values())),
        failures=str(sum(_fails(c) for c in view["checks"])),
        errors=str(summary["error"]),
        skipped=str(summary["skipped"]),
    )
    for auditor in view["auditors"]:
        checks = [c for c in view["checks"] if c["auditor"] == auditor["label"]]
        suite = ET.SubElement(
            root,
            "testsuite",
            name=auditor["label"],
            tests=str(len(checks)),
            failures=str(sum(_fails(c) for c in checks)),
            errors=str(sum(c["status"] == "error" for c in checks)),
            skipped=str(sum(c["status"] == "skipped" for c in checks)),
            time=f"{auditor['seconds']:.3f}",
        )
        if auditor["status"] == "error" and not checks:
            case = ET.SubElement(
                suite, "testcase", classname=f"trustaudit.{auditor['label']}", name="run"
            )
            ET.SubElement(case, "error", message=auditor["error"])
        for check in checks:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"trustaudit.{auditor['label']}",
                name=f"{check['metric']} {check['threshold']}",
            )
            element = "failure" if _fails(check) else _ELEMENT.get(check["status"])
            if element:
                ET.SubElement(case, element, message=check["message"])
            elif check["status"] in ("warn", "inconclusive"):
                word = "WARNING" if check["status"] == "warn" else "INCONCLUSIVE"
                ET.SubElement(case, "system-out").text = f"{word}: {check['message']}"
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
