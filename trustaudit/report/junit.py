"""JUnit XML from the view-model: one testcase per check, one testsuite per auditor.

Every attribute and text passes ``printable``: characters XML 1.0 forbids (most C0 controls, lone
surrogates, U+FFFE/U+FFFF) and those a CI log would act on (ESC, bidi overrides) are written as
visible escapes such as ``\\x07``, so the file is always well-formed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..printable import printable
from .view import CheckView, ReportView

_ELEMENT = {"fail": "failure", "error": "error", "skipped": "skipped"}


def _fails(check: CheckView) -> bool:
    """A failure for CI: a failed check, or an inconclusive one whose threshold says so."""
    blocking = check["status"] == "inconclusive" and check["on_inconclusive"] == "fail"
    return check["status"] == "fail" or blocking


def _element(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: printable(v) for k, v in attrs.items()})
    if text is not None:
        element.text = printable(text)
    return element


def render_junit(view: ReportView) -> str:
    summary = view["summary"]
    root = ET.Element(
        "testsuites",
        name=printable(f"trustaudit {view['run']['name']}"),
        tests=str(sum(summary.values())),
        failures=str(sum(_fails(c) for c in view["checks"])),
        errors=str(summary["error"]),
        skipped=str(summary["skipped"]),
    )
    for auditor in view["auditors"]:
        checks = [c for c in view["checks"] if c["auditor"] == auditor["label"]]
        suite = _element(
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
            case = _element(
                suite, "testcase", classname=f"trustaudit.{auditor['label']}", name="run"
            )
            _element(case, "error", message=auditor["error"])
        for check in checks:
            case = _element(
                suite,
                "testcase",
                classname=f"trustaudit.{auditor['label']}",
                name=f"{check['metric']} {check['threshold']}",
            )
            element = "failure" if _fails(check) else _ELEMENT.get(check["status"])
            if element:
                _element(case, element, message=check["message"])
            elif check["status"] in ("warn", "inconclusive"):
                word = "WARNING" if check["status"] == "warn" else "INCONCLUSIVE"
                _element(case, "system-out", f"{word}: {check['message']}")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
