"""Resumable at every instant (issue 12, item 1): a real run of an LLM audit against a real
loopback server is killed at each phase (SIGKILL, and SIGTERM at some), then ``--resume`` finishes
it: a verifying folder, the report and exit code of an uninterrupted run, the ledger's calls of an
uninterrupted run, and the server paid twice only for the requests in flight at the kill. Once the
seal is being written the run is complete: an interruption there lets it finish.

Instants a test cannot hit from outside are chosen by tests/killpoint.py, which signals the CLI's
own process there; calls in flight are caught from outside, by watching the server and the
ledger."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from trustaudit.ledger.chain import read_ledger
from trustaudit.ledger.manifest import read_manifest
from trustaudit.ledger.runfolder import REPORT_FILES
from trustaudit.ledger.verify import verify_run
from trustaudit.testing import LoopbackLLM

from .conftest import ROOT, comparable_report

KILLPOINT = Path(__file__).with_name("killpoint.py")
VIGNETTES = ROOT / "fixtures" / "vignettes" / "clinical_vignettes.jsonl"
FIRST_AUDITOR = "counterfactual"


@dataclass(frozen=True)
class Reference:
    """What the uninterrupted run wrote and sent."""

    code: int
    folder: Path
    report: dict
    calls: Counter  # the ledger's records, in a form that does not depend on order or time
    prompts: frozenset[str]


def _spec(base_url: str) -> dict:
    """Two LLM auditors (a boundary between them with nothing in flight) and the accountability
    auditor, which reads the ledger last."""
    chest_pain = {"vignettes": str(VIGNETTES), "families": ["chest pain"], "n_boot": 20}
    return {
        "name": "kill-phases",
        "seed": 5,
        "model": {"type": "openai", "base_url": base_url, "model": "m", "max_in_flight": 4},
        "auditors": [
            {
                "use": FIRST_AUDITOR,
                "params": {
                    **chest_pain,
                    "swap": ["race_ethnicity"],
                    "values": {"race_ethnicity": ["White", "Black"]},
                },
            },
            {
                "use": "text_robustness",
                "params": {**chest_pain, "perturbations": [{"name": "typos", "levels": [0.1]}]},
            },
            {"use": "accountability", "thresholds": [{"metric": "chain_intact", "min": 1}]},
        ],
    }


def _run(spec: Path, *extra: str, point: str | None = None, signum: str = "SIGKILL"):
    """The CLI in a subprocess; through killpoint.py when ``point`` is given."""
    head = [sys.executable, "-m", "trustaudit.cli"]
    if point is not None:
        head = [sys.executable, str(KILLPOINT), point, signum]
    command = [*head, "run", str(spec), *extra, "--quiet"]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _calls(folder: Path) -> Counter:
    """The ledger's records by kind, request, auditor, check and whether each is a replay."""
    return Counter(
        (r["kind"], r.get("request_key"), r.get("auditor"), r.get("check"), _replay(r))
        for r in read_ledger(folder / "ledger.jsonl").records
    )


def _replay(record: dict) -> bool:
    return record.get("replayed_from") is not None


def _answered(folder: Path) -> int:
    """Requests the ledger holds an answer for (replays asked the server nothing)."""
    records = read_ledger(folder / "ledger.jsonl").records
    return sum(r["kind"] == "call" and not _replay(r) for r in records)


def _settled(server: LoopbackLLM) -> int:
    """The server's request count once no request sent before a kill is still arriving."""
    seen = -1
    while seen != sum(server.requests.values()):
        seen = sum(server.requests.values())
        time.sleep(0.1)
    return seen


SEAL = Counter({("seal", None, None, None, False): 1})


def _before_manifest(folder: Path, seen: int, reference: Reference) -> None:
    assert seen == 0
    assert (folder / "ledger.jsonl").read_bytes() == b""
    assert not (folder / "manifest.json").exists()


def _before_first_call(folder: Path, seen: int, reference: Reference) -> None:
    assert seen == 0
    assert (folder / "ledger.jsonl").read_bytes() == b""
    assert read_manifest(folder)["status"] == "running"


def _between_auditors(folder: Path, seen: int, reference: Reference) -> None:
    first = Counter({c: n for c, n in reference.calls.items() if c[2] == FIRST_AUDITOR})
    assert _calls(folder) == first  # every call of the first auditor, none of the second's
    assert seen == _answered(folder)  # nothing in flight


def _in_flight(folder: Path, seen: int, reference: Reference) -> None:
    assert seen > _answered(folder)


def _in_flight_finished(folder: Path, seen: int, reference: Reference) -> None:
    """SIGTERM: the requests in flight finished and were recorded, queued ones were never sent."""
    assert 0 < seen == _answered(folder) < len(reference.prompts)


def _in_report(name: str) -> Callable[[Path, int, Reference], None]:
    def check(folder: Path, seen: int, reference: Reference) -> None:
        assert read_manifest(folder)["status"] == "complete"
        assert _calls(folder) + SEAL == reference.calls  # every call, no seal
        # only the temporary file it is written through is partly written: the report is absent
        (written,) = [p for p in folder.iterdir() if p.name.startswith(name)]
        assert written.name == f"{name}.partial" and not (folder / name).exists()
        assert 0 < written.stat().st_size < (reference.folder / name).stat().st_size
        later = REPORT_FILES[REPORT_FILES.index(name) + 1 :]
        assert not [n for n in later if (folder / n).exists()]

    return check


def _torn_seal(folder: Path, seen: int, reference: Reference) -> None:
    found = read_ledger(folder / "ledger.jsonl")
    assert found.torn.startswith(b'{"files":{"compliance/card.xml":')  # the seal's first half
    assert _calls(folder) + SEAL == reference.calls
    assert all((folder / name).stat().st_size for name in REPORT_FILES)


@dataclass(frozen=True)
class Phase:
    point: str  # killpoint.py's instant, or "none": the test signals the run while calls fly
    at_kill: Callable[[Path, int, Reference], None]  # the folder shows the kill hit this phase
    signum: str = "SIGKILL"
    latency: float = 0.01  # the server's, in seconds


PHASES = {
    "before-manifest": Phase("manifest", _before_manifest),
    "before-first-call": Phase("first-call", _before_first_call),
    "between-calls": Phase("second-auditor", _between_auditors),
    "calls-in-flight": Phase("none", _in_flight, latency=0.3),
    "writing-report.json": Phase("report.json", _in_report("report.json")),
    "writing-report.html": Phase("report.html", _in_report("report.html")),
    "writing-junit.xml": Phase("junit.xml", _in_report("junit.xml")),
    "writing-seal": Phase("seal", _torn_seal),
    "calls-in-flight-sigterm": Phase("none", _in_flight_finished, "SIGTERM", 0.3),
    "writing-report.html-sigterm": Phase("report.html", _in_report("report.html"), "SIGTERM"),
}


@pytest.fixture(scope="module")
def server():
    with LoopbackLLM(latency=0.01) as running:
        yield running


@pytest.fixture(scope="module")
def spec_path(tmp_path_factory, server) -> Path:
    path = tmp_path_factory.mktemp("kill-phases") / "spec.yaml"
    path.write_text(yaml.safe_dump(_spec(server.base_url)))
    return path


@pytest.fixture(scope="module")
def reference(spec_path, server, tmp_path_factory) -> Reference:
    server.requests.clear()
    reports = tmp_path_factory.mktemp("uninterrupted")
    process = _run(spec_path, "--out", str(reports))
    _, err = process.communicate(timeout=120)
    assert process.returncode in (0, 1), err
    assert max(server.requests.values()) == 1
    (folder,) = reports.iterdir()
    calls = _calls(folder)
    return Reference(
        process.returncode, folder, comparable_report(folder), calls, frozenset(server.requests)
    )


def _signal_with_calls_in_flight(process, reports: Path, server: LoopbackLLM, signum: int):
    """Signal the run once the server has seen more requests than the ledger holds answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        seen = sum(server.requests.values())
        ledgers = list(reports.glob("*/ledger.jsonl"))
        if ledgers and seen >= 6 and seen > _answered(ledgers[0].parent):
            process.send_signal(signum)
            return
        time.sleep(0.01)
    process.kill()
    raise AssertionError("never caught the run with calls in flight")


def _interrupt(phase: Phase, spec: Path, reports: Path, server: LoopbackLLM) -> Path:
    """Run the audit, interrupted at ``phase``; the run folder it leaves."""
    signum = getattr(signal, phase.signum)
    process = _run(spec, "--out", str(reports), point=phase.point, signum=phase.signum)
    if phase.point == "none":
        _signal_with_calls_in_flight(process, reports, server, signum)
    _, err = process.communicate(timeout=120)
    if signum == signal.SIGKILL:
        assert process.returncode == -signal.SIGKILL, err
    else:  # handled like Ctrl-C
        assert process.returncode == 3, err
        assert "interrupted" in err
    assert "Traceback" not in err
    (folder,) = reports.iterdir()
    return folder


@pytest.mark.parametrize("name", list(PHASES))
def test_a_run_killed_at_any_phase_resumes_as_if_never_killed(
    name, tmp_path, server, spec_path, reference
):
    phase = PHASES[name]
    server.requests.clear()
    server.latency = phase.latency
    folder = _interrupt(phase, spec_path, tmp_path / "reports", server)
    server.latency = 0.01
    seen = _settled(server)
    phase.at_kill(folder, seen, reference)
    assert not verify_run(folder).intact
    in_flight = seen - _answered(folder)  # sent, never answered: the physical limit

    resumed = _run(spec_path, "--resume", str(folder))
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == reference.code, err
    assert "Traceback" not in err
    assert verify_run(folder).intact
    assert comparable_report(folder) == reference.report
    assert not list(folder.glob("*.partial"))  # no partly written file left behind
    assert _calls(folder) == reference.calls
    assert set(server.requests) == reference.prompts
    assert sum(server.requests.values()) == len(reference.prompts) + in_flight
    assert max(server.requests.values()) <= 2  # paid twice: only what was in flight


@pytest.mark.parametrize("signum", ["SIGTERM", "SIGKILL"])
def test_a_run_interrupted_once_its_seal_is_written_is_complete(
    signum, tmp_path, server, spec_path, reference
):
    """The seal is the commit. SIGTERM (or Ctrl-C) while it is written lets the run finish and
    report, never both sealed and 'interrupted'; killed just after it, the run is complete and
    --resume says there is nothing to resume."""
    server.requests.clear()
    reports = tmp_path / "reports"
    process = _run(spec_path, "--out", str(reports), point="sealed", signum=signum)
    out, err = process.communicate(timeout=120)
    assert "Traceback" not in err
    (folder,) = reports.iterdir()
    assert verify_run(folder).intact
    assert comparable_report(folder) == reference.report
    assert _calls(folder) == reference.calls
    assert server.requests == Counter(dict.fromkeys(reference.prompts, 1))
    if signum == "SIGTERM":
        assert process.returncode == reference.code, err
        assert "interrupted after the run was sealed: it is complete" in err
        assert "Report: " in out
        return
    assert process.returncode == -signal.SIGKILL
    resumed = _run(spec_path, "--resume", str(folder))
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 2
    assert "this run is complete; there is nothing to resume" in err


def test_an_interruption_held_by_the_seal_stops_before_the_next_spec(tmp_path, server, spec_path):
    reports = tmp_path / "reports"
    both = (str(spec_path), "--out", str(reports))  # the same spec twice: two runs
    process = _run(spec_path, *both, point="sealed", signum="SIGTERM")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 3, err
    assert "interrupted after the run was sealed: it is complete" in err
    assert "Traceback" not in err
    (folder,) = reports.iterdir()  # the second run never started
    assert verify_run(folder).intact
