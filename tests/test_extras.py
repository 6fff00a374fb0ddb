"""The optional-dependency boundary: a feature whose extra is missing fails before anything runs
with one message naming the extra and the install command; masking falls back to patterns without
presidio. Here the extras are hidden with monkeypatch; `.ci/run` also runs `pytest -m "not extra"`
in a real base install, where nothing is hidden."""

from __future__ import annotations

import pytest

from trustaudit import extras
from trustaudit.cli import main
from trustaudit.phi.masking import mask_phi

from .conftest import base_spec


@pytest.fixture
def no_extras(monkeypatch):
    monkeypatch.setattr(extras, "available", lambda extra: False)


def _phi_scan_spec():
    spec = base_spec()
    spec["auditors"] = [{"use": "phi_scan", "params": {"column": "race_ethnicity"}}]
    return spec


@pytest.mark.parametrize(
    "spec, key, extra",
    [
        (_phi_scan_spec(), "auditors[0].use", "privacy"),
        (base_spec(ledger={"capture": "masked"}), "ledger.capture", "privacy"),
        (
            base_spec(
                model={"type": "llamacpp", "bundled": "smollm2-135m"},
                auditors=[{"use": "counterfactual"}],
                data=None,
            ),
            "model.type",
            "llm",
        ),
        (base_spec(data={"path": "logs/*.parquet", "target": "y"}), "data.engine", "duckdb"),
        (base_spec(data={"table": "predictions", "target": "y"}), "data.engine", "spark"),
    ],
)
def test_a_missing_extra_is_one_message_with_the_install_command(
    no_extras, write_spec, capsys, spec, key, extra
):
    path = write_spec({k: v for k, v in spec.items() if v is not None})
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {key}" in err
    assert f"needs the '{extra}' extra" in err
    assert f"pip install 'trustaudit[{extra}]'" in err
    assert "Traceback" not in err
    assert "ModuleNotFoundError" not in err


def test_require_names_what_is_missing(no_extras):
    with pytest.raises(
        extras.MissingExtraError, match=r"the server needs the 'llm' extra"
    ) as caught:
        extras.require("llm", "the server")
    assert isinstance(caught.value, ImportError)


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("SSN 219-09-9998 on file", "219-09-9998"),
        ("call (617) 555-0143 today", "555-0143"),
        ("call 617-555-0143 today", "617-555-0143"),
        ("MRN 00482913 admitted", "00482913"),
        ("member id ABC123456789", "ABC123456789"),
        ("mail jo.smith+x@clinic.example.org now", "jo.smith+x@clinic.example.org"),
        ("portal https://portal.example.org/p/4411 now", "portal.example.org"),
    ],
)
def test_pattern_masking_without_the_privacy_extra(no_extras, text, hidden):
    assert hidden not in mask_phi(text)


def test_pattern_masking_keeps_clinical_numbers(no_extras):
    text = "BP 120/80, HR 88, glucose 140 mg/dL, dose 500 mg, pain 8/10, year 2024"
    assert mask_phi(text) == text


def test_extras_are_detected_without_importing_them():
    assert extras.available("privacy") == all(
        __import__("importlib").util.find_spec(m) is not None for m in extras.EXTRAS["privacy"]
    )
