"""Text adapters against a fault-injecting loopback server: retries, Retry-After, timeouts,
malformed answers, dropped connections, recorded errors; the API key never written; identical
requests sent once."""

import json
import re
import time

import pytest

from trustaudit.adapters import Generation, ModelInfo, TextRequest
from trustaudit.adapters.openai_http import OpenAICompatibleAdapter, RetryPolicy, _retry_after
from trustaudit.errors import AdapterError
from trustaudit.ledger.chain import LedgerWriter, read_ledger
from trustaudit.ledger.recorder import RecordedTextModel, Recorder
from trustaudit.testing.loopback import LoopbackLLM

from .conftest import run_spec

KEY = "sk-test-0123456789abcdef"


def _adapter(server, *, retries=3, timeout=5.0, waits=None):
    sleeps = waits if waits is not None else []
    return OpenAICompatibleAdapter(
        server.base_url,
        "loopback",
        ModelInfo("openai", "loopback", "1", "endpoint"),
        api_key=KEY,
        timeout=timeout,
        max_in_flight=4,
        retry=RetryPolicy(max_retries=retries, backoff=0.01),
        sleep=sleeps.append,
    )


def _request(prompt):
    return TextRequest((("user", prompt),), 0.0, 8, 1)


@pytest.fixture
def server():
    with LoopbackLLM(stall=1.0) as running:
        yield running


def test_plain_answer(server):
    answer = _adapter(server).generate(_request("Chest pain, sweating. Admit or discharge?"))
    assert answer == Generation("admit", None, "stop", 1)
    assert server.authorization == [f"Bearer {KEY}"]


@pytest.mark.parametrize("fault", ["500x2", "429x2", "garbagex2", "dropx2"])
def test_transient_faults_are_retried(server, fault):
    waits = []
    prompt = f"Cough for two days. FAULT:{fault}"
    assert _adapter(server, waits=waits).generate(_request(prompt)).text == "discharge"
    assert server.requests[prompt] == 3
    assert len(waits) == 2


def test_retry_after_is_honoured_and_backoff_doubles(server):
    waits = []
    _adapter(server, waits=waits).generate(_request("FAULT:429x1 rash"))
    assert waits == [0.0]  # the server said Retry-After: 0
    policy, rng = RetryPolicy(backoff=1.0, max_wait=5.0), __import__("random").Random(0)
    delays = [policy.wait(attempt, None, rng) for attempt in range(5)]
    assert [0.5 <= d / min(2**a, 5) <= 1.0 for a, d in enumerate(delays)] == [True] * 5
    assert _retry_after("3") == 3.0
    assert _retry_after("nonsense") is None
    assert (
        0
        <= _retry_after(time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30)))
        <= 31
    )


def test_stall_past_the_timeout_is_retried(server):
    prompt = "FAULT:stallx1 headache"
    assert _adapter(server, timeout=0.3).generate(_request(prompt)).text == "discharge"
    assert server.requests[prompt] == 2


def test_giving_up_names_the_last_problem_and_never_the_key(server):
    with pytest.raises(AdapterError) as caught:
        _adapter(server, retries=2).generate(_request("FAULT:500 always"))
    assert "no answer after 3 attempts; last: HTTP 500" in str(caught.value)
    assert KEY not in str(caught.value)


def test_client_errors_are_not_retried(server):
    with pytest.raises(AdapterError, match="HTTP 400"):
        _adapter(server).generate(_request("FAULT:400 bad request"))
    assert server.requests["FAULT:400 bad request"] == 1


@pytest.mark.extra("privacy")
def test_phi_in_an_error_body_is_masked(server):
    prompt = "FAULT:400 Patient MRN: 00482913, SSN 219-09-9998"
    with pytest.raises(AdapterError) as caught:
        _adapter(server).generate(_request(prompt))
    message = str(caught.value)
    assert "HTTP 400" in message
    assert "00482913" not in message
    assert "219-09-9998" not in message
    assert "<MEDICAL_RECORD_NUMBER>" in message


def test_refused_connection_is_an_adapter_error():
    adapter = OpenAICompatibleAdapter(
        "http://127.0.0.1:9/v1",
        "x",
        ModelInfo("openai", "x", "1", "e"),
        retry=RetryPolicy(max_retries=1, backoff=0),
        sleep=lambda s: None,
    )
    with pytest.raises(AdapterError, match="ConnectionRefusedError"):
        adapter.generate(_request("hello"))


def test_recorded_batch_sends_identical_requests_once_and_records_errors(server, tmp_path):
    writer = LedgerWriter(tmp_path / "ledger.jsonl")
    recorder = Recorder(writer, run_id="t")
    spec_model = type("M", (), {"temperature": 0.0, "max_tokens": 8})()
    model = RecordedTextModel(_adapter(server, retries=1), recorder, spec_model, seed=5)
    prompts = ["chest pain A", "chest pain A", "fever B", "FAULT:500 C"] + [
        f"case {i}" for i in range(12)
    ]
    answers = model.generate_many([model.request([("user", p)]) for p in prompts])
    assert [a.text for a in answers[:3]] == ["admit", "admit", "discharge"]
    assert answers[3].text == ""
    assert "no answer after 2 attempts" in answers[3].error
    assert server.requests["chest pain A"] == 1
    assert server.requests["FAULT:500 C"] == 2
    writer._file.flush()
    records = read_ledger(tmp_path / "ledger.jsonl").records
    assert len(records) == 15
    assert sum(r["error"] is not None for r in records) == 1
    assert {r["params"]["seed"] for r in records} == {5}
    assert KEY not in (tmp_path / "ledger.jsonl").read_text()
    # a second identical batch is answered from the record
    again = model.generate_many([model.request([("user", "fever B")])])
    writer.close()
    assert again[0].text == "discharge"
    assert server.requests["fever B"] == 1
    assert read_ledger(tmp_path / "ledger.jsonl").records[-1]["replayed_from"] is not None


def test_replay_adapter(tmp_path):
    from trustaudit.adapters.replay import load_replay
    from trustaudit.errors import DataError

    lines = [
        {"messages": [{"role": "user", "content": "chest pain?"}], "response": "Admit."},
        {"prompt": "fever?", "response": "Discharge."},
    ]
    (tmp_path / "recorded.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    spec = type("S", (), {"path": tmp_path / "recorded.jsonl", "version": None})()
    adapter = load_replay(spec, base_dir=tmp_path, where="model")
    assert adapter.generate(_request("chest pain?")).text == "Admit."
    assert adapter.generate(_request("fever?")).text == "Discharge."
    with pytest.raises(AdapterError, match="no recorded response for this prompt"):
        adapter.generate(_request("rash?"))
    (tmp_path / "bad.jsonl").write_text('{"prompt": "x", "response": "y"}\n{"prompt": "x"}\n')
    spec.path = tmp_path / "bad.jsonl"
    with pytest.raises(
        DataError, match=re.escape("bad.jsonl: line 2: expected a JSON object with 'messages'")
    ):
        load_replay(spec, base_dir=tmp_path, where="model")


def _fault_vignettes(path, faults):
    """Vignettes whose text scripts server faults (FAULT:500 answers every attempt with HTTP
    500)."""
    decision = {
        "kind": "choice",
        "choices": {"admit": ["admitted"], "discharge": ["home"]},
        "focal": "admit",
    }
    rows = [
        {
            "id": f"v{i}",
            "family": "test",
            "text": f"A {{age}}{{race}}{{person}} with chest pain. {fault}",
            "age": "50-year-old ",
            "question": "Admit or discharge?",
            "decision": decision,
        }
        for i, fault in enumerate(faults)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.mark.parametrize("min_coverage, code", [(0.9, 3), (0.4, 0)])
def test_failed_requests_are_recorded_and_coverage_sets_the_exit_code(
    server, tmp_path, monkeypatch, min_coverage, code
):

    _fault_vignettes(
        tmp_path / "v.jsonl",
        ["", "FAULT:500 (a)", "FAULT:429x1", "", "FAULT:dropx1", "FAULT:500 (b)"],
    )
    spec = {
        "name": "faults",
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "openai",
            "base_url": server.base_url,
            "model": "loopback",
            "max_retries": 2,
            "backoff": 0.0,
            "api_key_env": "TA_TEST_API_KEY",
        },
        "auditors": [
            {
                "use": "counterfactual",
                "params": {
                    "vignettes": str(tmp_path / "v.jsonl"),
                    "swap": ["race_ethnicity"],
                    "values": {"race_ethnicity": ["Black"]},
                    "n_boot": 50,
                    "min_coverage": min_coverage,
                },
            }
        ],
    }
    env = {**__import__("os").environ, "TA_TEST_API_KEY": KEY}
    done = run_spec(tmp_path, spec, "--quiet", env=env)
    assert done.returncode == code, done.stderr
    (folder,) = (tmp_path / "reports").iterdir()
    view = json.loads((folder / "report.json").read_text())
    coverage = next(m for m in view["auditors"][0]["metrics"] if m["name"] == "coverage")
    assert coverage["value"] == pytest.approx(
        8 / 12
    )  # 2 of 6 vignettes x (control + Black) fail for good
    records = read_ledger(folder / "ledger.jsonl").records
    assert sum(r.get("error") is not None for r in records) == 4
    # 2 prompts x 2 retries for each always-500 vignette, 1 retry for each 429x1 and dropx1 prompt
    assert view["provenance"]["retries"] == 2 * 2 * 2 + 2 + 2
    assert sum(view["provenance"]["failed_calls"].values()) == 4
    assert all(
        server.requests[p] == 3 for p in server.requests if "FAULT:500" in p
    )  # 1 + max_retries
    for path in folder.rglob("*"):
        assert path.is_dir() or KEY not in path.read_text()
    assert KEY not in done.stdout + done.stderr


def test_a_wrong_base_url_is_named_as_the_cause_of_failed_calls(server, tmp_path):
    """Every call 404s (base_url without /v1): the summary, the auditor's error and the report name
    the cause with its count and the fix, not only the coverage."""

    _fault_vignettes(tmp_path / "v.jsonl", ["(1)", "(2)", "(3)"])  # 3 distinct prompts per group
    base_url = server.base_url.removesuffix("/v1")
    spec = {
        "name": "no-v1",
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "openai",
            "base_url": base_url,
            "model": "loopback",
            "max_retries": 1,
            "backoff": 0.0,
        },
        "auditors": [
            {
                "use": "counterfactual",
                "params": {
                    "vignettes": str(tmp_path / "v.jsonl"),
                    "swap": ["race_ethnicity"],
                    "values": {"race_ethnicity": ["Black"]},
                    "n_boot": 20,
                },
            }
        ],
    }
    done = run_spec(tmp_path, spec, "--quiet")
    assert done.returncode == 3, done.stderr
    cause = f"HTTP 404 Not Found from {base_url}/chat/completions: check base_url"
    assert f"6 model calls failed; 6 of them: {cause}" in done.stdout
    (folder,) = (tmp_path / "reports").iterdir()
    view = json.loads((folder / "report.json").read_text())
    assert view["provenance"]["failed_calls"] == {next(iter(view["provenance"]["failed_calls"])): 6}
    assert next(iter(view["provenance"]["failed_calls"])).startswith(cause)
    assert view["provenance"]["retries"] == 0  # a 404 is not retried
    assert cause in view["auditors"][0]["error"]
    assert "6 model call(s) failed" in (folder / "report.html").read_text()


def test_a_dead_endpoint_never_passes_an_audit(tmp_path):
    """Every call refused: text robustness and canary extraction end in 'could not complete'
    (exit 3) naming the cause, instead of skipped checks or a 0% leak rate built from failures."""

    _fault_vignettes(tmp_path / "v.jsonl", ["(1)", "(2)"])
    canary = {"id": "c1", "prefix": "Record 7 pin:", "secret": "482913", "digits": 6}
    (tmp_path / "c.jsonl").write_text(json.dumps(canary) + "\n")
    spec = {
        "name": "dead",
        "output": str(tmp_path / "reports"),
        "model": {
            "type": "openai",
            "base_url": "http://127.0.0.1:1/v1",
            "model": "m",
            "max_retries": 0,
        },
        "auditors": [
            {
                "use": "text_robustness",
                "params": {"vignettes": str(tmp_path / "v.jsonl"), "n_boot": 20},
                "thresholds": [{"metric": "flip_rate", "max": 0.1}],
            },
            {
                "use": "canary",
                "params": {"canaries": str(tmp_path / "c.jsonl")},
                "thresholds": [{"metric": "verbatim_rate", "max": 0}],
            },
        ],
    }
    done = run_spec(tmp_path, spec, "--quiet")
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Auditor(s) failed: text_robustness, canary." in done.stdout
    assert "from http://127.0.0.1:1/v1/chat/completions" in done.stdout
    (folder,) = (tmp_path / "reports").iterdir()
    view = json.loads((folder / "report.json").read_text())
    assert [a["status"] for a in view["auditors"]] == ["error", "error"]


def test_timeout_bounds_the_whole_answer_not_each_read():
    """A server that sends the answer a byte at a time (every read quick) for 10 s: the request
    gives up at the timeout instead of accepting an answer that took 10 s."""
    with LoopbackLLM(stall=10.0) as dripping:
        started = time.monotonic()
        with pytest.raises(AdapterError, match="TimeoutError"):
            _adapter(dripping, retries=0, timeout=1.0).generate(_request("FAULT:drip cough"))
        assert time.monotonic() - started < 5  # the timeout, not the 10 s drip


def test_after_the_run_deadline_nothing_is_sent(server):
    adapter = OpenAICompatibleAdapter(
        server.base_url,
        "loopback",
        ModelInfo("openai", "loopback", "1", "endpoint"),
        timeout=5.0,
        deadline=0.5,
    )
    assert adapter.generate(_request("Chest pain first")).text == "admit"
    time.sleep(0.6)
    with pytest.raises(AdapterError, match="deadline"):
        adapter.generate(_request("Chest pain second"))
    assert "Chest pain second" not in server.requests


@pytest.mark.extra("privacy")
@pytest.mark.parametrize("capture", ["masked", "digest"])
def test_an_error_quoting_phi_is_masked_in_the_ledger(tmp_path, capture):
    """A failing endpoint whose error quotes the patient (fault injected: a real server's error
    text cannot be scripted on demand)."""

    class Failing:
        info = ModelInfo("openai", "x", "1", "endpoint")
        max_in_flight = 1

        def generate(self, request):
            raise AdapterError("HTTP 400: bad request for John Smith, SSN 219-09-9998")

    writer = LedgerWriter(tmp_path / "ledger.jsonl")
    recorder = Recorder(writer, run_id="t", capture=capture)
    spec_model = type("M", (), {"temperature": 0.0, "max_tokens": 8})()
    model = RecordedTextModel(Failing(), recorder, spec_model, seed=1)
    (answer,) = model.generate_many([model.request([("user", "Chest pain, SSN 219-09-9998")])])
    writer.close()
    assert answer.error
    text = (tmp_path / "ledger.jsonl").read_text()
    assert "219-09-9998" not in text and "John Smith" not in text
    (record,) = read_ledger(tmp_path / "ledger.jsonl").records
    assert "HTTP 400" in record["error"]
