"""Hostile data values render safely everywhere: each string below, used as a group value and as a
sensitive column's name, goes through a real run; report.html (and its inline SVG figures),
report.json, junit.xml, stdout and stderr are parsed or searched."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pandas as pd
import pytest

from trustaudit.printable import printable, shortened
from trustaudit.report.figures import LABEL_LIMIT

from .conftest import COHORT_CSV, base_spec, run_spec

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "quotes": 'O\'Brien "Jr" & <b>',
    "dollar": "$5 copay",
    "mathtext": "$\\foo$",
    "bell": "bell\x07",
    "ansi": "\x1b[31mred\x1b[0m",
    "rtl": "abc\u202egnp.exe",
    "long": "x" * 10_000,
    "jinja": "{{ 7*7 }} {% raw %}",
    "nul": "nul\x00byte",
}
# what XML 1.0 forbids, what a terminal acts on, what reorders text
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class _Page(HTMLParser):
    """The start tags and the text (entities decoded) of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _hostile_run(tmp_path, value: str, where: str):
    """The demo cohort with the group 'Asian' renamed ``value`` (where=group), or with a copy of
    'sex' named ``value`` as the second sensitive feature (where=column); a threshold names the
    hostile key, so it reaches the checks and junit.xml."""
    frame = pd.read_csv(COHORT_CSV)
    features = [c for c in frame.columns if c != "readmitted_30d"]
    if where == "group":
        frame["race_ethnicity"] = frame["race_ethnicity"].replace({"Asian": value})
        sensitive, key = ["race_ethnicity", "sex"], f"tpr[race_ethnicity={value}]"
    else:
        frame[value] = frame["sex"]
        sensitive, key = ["race_ethnicity", value], f"tpr[{value}=F]"
    frame.to_parquet(tmp_path / "cohort.parquet")
    spec = base_spec(
        output=str(tmp_path / "reports"),
        data={"path": str(tmp_path / "cohort.parquet"), "target": "readmitted_30d"},
    )
    spec["data"]["features"] = features
    spec["auditors"][0]["params"]["sensitive_features"] = sensitive
    spec["auditors"][0]["thresholds"].append({"metric": key, "min": 0.99})  # fails: a message
    done = run_spec(tmp_path, spec, "--quiet")
    (folder,) = (tmp_path / "reports").iterdir()
    return done, folder


@pytest.mark.extra("parquet")  # Parquet keeps NUL, control characters and any column name exactly
@pytest.mark.parametrize("where", ["group", "column"])
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_hostile_value_renders_safely_in_every_output(tmp_path, value, where):
    done, folder = _hostile_run(tmp_path, value, where)
    assert done.returncode in (0, 1), done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert not UNSAFE.search(done.stdout + done.stderr)

    # report.json keeps the exact value
    view = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    metrics = [m for a in view["auditors"] for m in a["metrics"]]
    field = "group" if where == "group" else "grouping"
    assert value in {m[field] for m in metrics}

    # report.html: parses, no tag from the data, nothing that acts; the value shown printable
    html = (folder / "report.html").read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    assert "script" not in page.tags and "<script" not in html.lower()
    assert not UNSAFE.search(html)
    assert any(printable(value) in text for text in page.text)

    # the inline SVG figures: well-formed XML, the label drawn as typed (not mathtext), shortened
    svgs = re.findall(r"<svg.*?</svg>", html, re.S)
    assert svgs
    labels = [
        e.text or "" for svg in svgs for e in ET.fromstring(svg).iter() if e.tag[-4:] == "text"
    ]
    assert any(printable(value)[:20] in label for label in labels)
    assert max(map(len, labels)) <= LABEL_LIMIT

    # junit.xml: well-formed, the value shown printable in the failing check
    junit = (folder / "junit.xml").read_text(encoding="utf-8")
    root = ET.fromstring(junit.encode("utf-8"))
    names = [case.get("name") for case in root.iter("testcase")]
    assert any(printable(value) in name for name in names)
    assert not UNSAFE.search(junit)


def test_printable_writes_controls_bidi_and_surrogates_as_escapes():
    assert printable("a\x07b\x1b[31m\x00\x9b") == "a\\x07b\\x1b[31m\\x00\\x9b"
    assert printable("\u202eabc\u2066 \ud800\uffff") == "\\u202eabc\\u2066 \\ud800\\uffff"
    assert printable("tab\tnew\nline é 中 عربي $\\foo$") == "tab\tnew\nline é 中 عربي $\\foo$"
    assert shortened("x" * 100, 10) == "x" * 9 + "…"
