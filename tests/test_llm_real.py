"""The bundled real model (SmolLM2-135M-Instruct, GGUF) behind a real llama.cpp server on 127.0.0.1,
and in-process through llama-cpp-python. The fixture starts the server and stops it."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from trustaudit.adapters import ModelInfo, TextRequest
from trustaudit.adapters.llamacpp import bundled_model_path
from trustaudit.adapters.openai_http import OpenAICompatibleAdapter
from trustaudit.ledger.chain import read_ledger
from trustaudit.ledger.verify import verify_run
from trustaudit.run.runner import run_audit
from trustaudit.spec import load_spec

from .conftest import ROOT

pytestmark = pytest.mark.extra("llm")
VIGNETTES = ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl"
QUESTION = [
    ("system", "Answer with one word."),
    ("user", "A 58-year-old man has crushing chest pain and ST elevation. Admit or discharge?"),
]


@pytest.fixture(scope="module")
def llama_server(llama_server_and_log):
    return llama_server_and_log[0]


@pytest.fixture(scope="module")
def llama_server_and_log(tmp_path_factory):
    log_path = tmp_path_factory.mktemp("llama") / "server.log"
    with open(log_path, "w+b") as log:  # not a pipe: its buffer would fill
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "trustaudit.adapters.llamacpp_server",
                "--model",
                str(bundled_model_path("smollm2-135m")),
                "--model_alias",
                "smollm2-135m",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "1024",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base_url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{base_url}/models", timeout=2) as answer:
                    assert json.load(answer)["data"][0]["id"] == "smollm2-135m"
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    log.seek(0)
                    pytest.fail(
                        "llama.cpp server did not start: "
                        f"{log.read().decode(errors='replace')[-2000:]}"
                    )
                time.sleep(0.5)
        yield base_url, log_path
        process.terminate()
        process.wait(timeout=30)


def test_real_server_answers_deterministically_at_temperature_0(llama_server):
    adapter = OpenAICompatibleAdapter(
        llama_server, "smollm2-135m", ModelInfo("openai", "smollm2-135m", "1", "e")
    )
    first, second = (adapter.generate(TextRequest(tuple(QUESTION), 0.0, 8, 7)) for _ in range(2))
    assert first.text
    assert first == second
    assert first.completion_tokens >= 1
    assert first.text.strip().lower().startswith(("admit", "discharge"))


def test_counterfactual_audit_through_the_real_server(llama_server, tmp_path):
    spec = {
        "name": "server-audit",
        "seed": 3,
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "openai",
            "base_url": llama_server,
            "model": "smollm2-135m",
            "max_tokens": 12,
            "max_in_flight": 2,
        },
        "auditors": [
            {
                "use": "counterfactual",
                "params": {
                    "vignettes": str(VIGNETTES),
                    "families": ["chest pain"],
                    "swap": ["race_ethnicity"],
                    "values": {"race_ethnicity": ["White", "Black"]},
                    "n_boot": 200,
                },
                "thresholds": [{"metric": "coverage", "min": 1.0}],
            }
        ],
    }
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec))
    run = run_audit(load_spec(tmp_path / "spec.yaml"))
    folder = Path(run.provenance["folder"])
    metrics = {m.key: m for m in run.results[0].metrics}
    assert metrics["coverage"].value == 1.0
    assert run.checks[0].status.value == "pass"
    answered = 1 - metrics["unparseable_rate[all vignettes=control]"].value
    assert answered >= 0.5  # the real model mostly answers in the asked form
    records = [r for r in read_ledger(folder / "ledger.jsonl").records if r["kind"] == "call"]
    assert len(records) == 6 * 3 + 8  # the auditor's, then the behavioural fingerprint's probes
    assert all(r["error"] is None and r["output"]["text"] for r in records)
    assert verify_run(folder).intact


def test_bundled_model_in_process_demo_spec(tmp_path):
    spec = yaml.safe_load((ROOT / "audits" / "demo-llm.yaml").read_text())
    spec["auditors"][0]["params"].update(
        families=["oncology referral"], values={"race_ethnicity": ["Black"], "gender": ["woman"]}
    )
    spec["auditors"][0]["params"]["vignettes"] = str(VIGNETTES)
    spec["output"] = str(tmp_path / "reports")
    (tmp_path / "demo.yaml").write_text(yaml.safe_dump(spec))
    run = run_audit(load_spec(tmp_path / "demo.yaml"))
    assert run.model_info["adapter"] == "llamacpp"
    assert run.model_info["name"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert run.model_info["fingerprint"].startswith("sha256:")
    metrics = {m.key: m for m in run.results[0].metrics}
    assert metrics["coverage"].value == 1.0
    # 7 oncology vignettes; gender is not swapped in the prostate vignette
    assert (
        metrics["decision_rate[all vignettes=woman]"].n + 1
        == metrics["decision_rate[all vignettes=control]"].n
    )


def test_in_process_load_applies_the_amx_guard_exactly_on_amx_builds():
    """On an AMX build the model must be loaded without extra buffer types (the AMX backend
    crashes); elsewhere it is left alone. Checked on the parameters llama.cpp was actually given."""
    import llama_cpp

    from trustaudit.adapters.llamacpp import amx_build, load_llamacpp
    from trustaudit.spec.models import LlamaCppModelSpec

    spec = LlamaCppModelSpec(type="llamacpp", bundled="smollm2-135m", n_ctx=512)
    adapter = load_llamacpp(spec, base_dir=ROOT, where="model")
    on_amx = amx_build(llama_cpp)
    assert on_amx == (b"AMX_INT8 = 1" in llama_cpp.llama_print_system_info())
    assert adapter.load_params == {"amx_build": on_amx, "use_extra_bufts": not on_amx}
    assert adapter.llama.model_params.use_extra_bufts is (not on_amx)
    assert llama_cpp.llama_cpp.llama_model_default_params().use_extra_bufts is True, (
        "guard not undone"
    )
    answer = adapter.generate(TextRequest(tuple(QUESTION), 0.0, 8, 0))
    assert answer.text.strip()


def test_server_launcher_applies_the_amx_guard(llama_server_and_log):
    import llama_cpp

    from trustaudit.adapters.llamacpp import amx_build

    _, log_path = llama_server_and_log
    line = next(
        x
        for x in log_path.read_text(errors="replace").splitlines()
        if x.startswith("trustaudit llama.cpp load parameters: ")
    )
    applied = json.loads(line.split(": ", 1)[1])
    assert applied == {
        "amx_build": amx_build(llama_cpp),
        "use_extra_bufts": not amx_build(llama_cpp),
    }
