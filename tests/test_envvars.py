"""${VAR} and ${VAR:-default} in spec values: expanded before validation, errors name the key, and
the values of secret_env variables never reach the run folder."""

from __future__ import annotations

import pytest

from trustaudit.errors import SpecError
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec
from trustaudit.spec.envvars import expand

from .conftest import base_spec


@pytest.mark.parametrize(
    "written, environ, expected",
    [
        ("http://127.0.0.1:${PORT}/v1", {"PORT": "8765"}, "http://127.0.0.1:8765/v1"),
        ("${HOST:-localhost}:${PORT:-80}", {}, "localhost:80"),
        ("${HOST:-localhost}", {"HOST": ""}, "localhost"),  # empty counts as unset with a default
        ("${HOST}", {"HOST": ""}, ""),
        ("${A}${B}-${A}", {"A": "x", "B": "y"}, "xy-x"),
        ("costs $$5 and ${A}", {"A": "x"}, "costs $5 and x"),
        ("price $5, no reference", {}, "price $5, no reference"),
        ("${URL:-http://h:1/v1}", {}, "http://h:1/v1"),
    ],
)
def test_references_expand(written, environ, expected):
    result = expand({"model": {"base_url": written}}, set(), environ)
    assert result.problems == []
    assert result.value == {"model": {"base_url": expected}}


@pytest.mark.parametrize(
    "written, problem",
    [
        ("${NOPE}", "auditors[1].params.x: environment variable NOPE is not set"),
        ("${1BAD}", "auditors[1].params.x: malformed variable reference"),
        ("${UNCLOSED", "auditors[1].params.x: malformed variable reference"),
    ],
)
def test_bad_references_name_the_key(written, problem):
    raw = {"auditors": [{}, {"params": {"x": written}}]}
    (found,) = expand(raw, set(), {}).problems
    assert found.startswith(problem)


def test_keys_and_non_strings_are_left_alone():
    raw = {"${A}": 1, "seed": 3, "flags": [True, None, 2.5]}
    assert expand(raw, set(), {"A": "x"}).value == raw


def test_unset_variable_is_a_spec_error_naming_file_and_key(write_spec, monkeypatch):
    monkeypatch.delenv("TA_UNSET_VAR", raising=False)
    path = write_spec(base_spec(description="port ${TA_UNSET_VAR}"))
    with pytest.raises(
        SpecError, match=r"spec\.yaml: description: environment variable TA_UNSET_VAR is not"
    ):
        load_spec(path)


def test_expanded_values_are_validated_like_written_ones(write_spec, monkeypatch):
    monkeypatch.setenv("TA_SEED", "-4")
    with pytest.raises(SpecError, match="seed"):
        load_spec(write_spec(base_spec(seed="${TA_SEED}")))


def test_secret_values_are_used_but_never_written(write_spec, monkeypatch, tmp_path):
    secret, port = "s3cr3t-Value-9f8e", "8123"
    monkeypatch.setenv("TA_SECRET_TOKEN", secret)
    monkeypatch.setenv("TA_PORT", port)
    spec = load_spec(
        write_spec(
            base_spec(
                description="token ${TA_SECRET_TOKEN} on port ${TA_PORT}",
                secret_env=["TA_SECRET_TOKEN"],
            )
        )
    )
    assert spec.description == f"token {secret} on port {port}"  # the run sees the value
    assert spec.normalized()["description"] == "token ${TA_SECRET_TOKEN} on port ${TA_PORT}"
    plain = load_spec(write_spec(base_spec(description="port ${TA_PORT}"), "plain.yaml"))
    assert plain.normalized()["description"] == f"port {port}"  # not secret: recorded as run
    run = run_audit(spec, out=tmp_path / "out")
    folder = tmp_path / "out" / next(p.name for p in (tmp_path / "out").iterdir())
    assert run.spec["description"].startswith("token ${TA_SECRET_TOKEN}")
    for path in (p for p in folder.rglob("*") if p.is_file()):  # compliance/ included
        assert secret not in path.read_text(encoding="utf-8"), path.name
