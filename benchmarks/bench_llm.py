"""LLM throughput: trustaudit's text adapter and recorder against a loopback endpoint with a fixed
latency, and completion tokens/s of the bundled SmolLM2-135M model with and without trustaudit's AMX
guard.

    python benchmarks/bench_llm.py [--prompts 2000] [--latency 0.05]

Ideal throughput with k requests in flight is k / latency; the table gives the measured fraction of
it. "trustaudit overhead" is the client-side time per call beyond the server's latency at 1 in
flight (HTTP, JSON, ledger record, all included). The server (trustaudit.testing.LoopbackLLM) runs
in a subprocess so it does not share the client's interpreter. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = """
import sys, time
from trustaudit.testing import LoopbackLLM
with LoopbackLLM(latency=float(sys.argv[1])) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
"""


def throughput(base_url: str, prompts: int, in_flight: int) -> float:
    from trustaudit.adapters.base import ModelInfo
    from trustaudit.adapters.openai_http import OpenAICompatibleAdapter
    from trustaudit.ledger.chain import LedgerWriter
    from trustaudit.ledger.recorder import RecordedTextModel, Recorder

    adapter = OpenAICompatibleAdapter(
        base_url, "loopback", ModelInfo("openai", "loopback", "1", "e"), max_in_flight=in_flight
    )
    writer = LedgerWriter(Path(tempfile.mkdtemp()) / "ledger.jsonl")
    settings = type("Settings", (), {"temperature": 0.0, "max_tokens": 8})()
    model = RecordedTextModel(adapter, Recorder(writer, run_id="bench"), settings, seed=0)
    requests = [
        model.request([("user", f"Case {in_flight}-{i}: chest pain. Admit or discharge?")])
        for i in range(prompts)
    ]
    start = time.perf_counter()
    answers = model.generate_many(requests)
    seconds = time.perf_counter() - start
    writer.close()
    assert all(a.text == "admit" for a in answers), "every request must be answered"
    return prompts / seconds


TOKENS = """
import contextlib, json, sys, time
import llama_cpp
from trustaudit.adapters.llamacpp import amx_build, amx_guard, bundled_model_path
guard = amx_guard(llama_cpp) if sys.argv[1] == "guarded" else contextlib.nullcontext({})
with guard:
    llama = llama_cpp.Llama(model_path=str(bundled_model_path("smollm2-135m")), n_ctx=1024, seed=0,
                            verbose=False)
tokens, start = 0, time.perf_counter()
for i in range(int(sys.argv[2])):
    answer = llama.create_chat_completion(
        messages=[{"role": "user", "content": f"Explain sepsis to patient {i}."}],
        temperature=0, max_tokens=64, seed=0)
    tokens += answer["usage"]["completion_tokens"]
print(json.dumps({"rate": tokens / (time.perf_counter() - start), "tokens": tokens,
                  "amx_build": amx_build(llama_cpp),
                  "use_extra_bufts": llama.model_params.use_extra_bufts}))
"""


def bundled_tokens_per_second(mode: str, requests: int = 8) -> str:
    """One table row: the bundled model's speed loaded with or without trustaudit's AMX guard, each
    in a subprocess of its own so that a crash (the unguarded AMX backend segfaults) is reported."""
    done = subprocess.run(
        [sys.executable, "-c", TOKENS, mode, str(requests)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        why = f"signal {-done.returncode}" if done.returncode < 0 else f"exit {done.returncode}"
        return f"| {mode} | — | — | crashed ({why}) |"
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return (
        f"| {mode} | {row['amx_build']} | {row['use_extra_bufts']} | "
        f"{row['rate']:.1f} ({row['tokens']} tokens) |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--prompts", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(args.latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    base_url = server.stdout.readline().strip()
    try:
        print(
            f"{args.prompts:,} prompts per row against a loopback OpenAI-compatible endpoint "
            "answering after "
            f"{args.latency * 1000:.0f} ms; every call through the ledger; 2 cores.\n"
        )
        print("| in flight | ideal (req/s) | measured (req/s) | fraction of ideal |")
        print("|---|---|---|---|")
        overhead = None
        for in_flight in (1, 8, 32):
            prompts = args.prompts if in_flight > 1 else min(args.prompts, 200)
            rate = throughput(base_url, prompts, in_flight)
            ideal = in_flight / args.latency
            if in_flight == 1:
                overhead = (1 / rate - args.latency) * 1000
            print(f"| {in_flight} | {ideal:.0f} | {rate:.0f} | {rate / ideal:.1%} |")
        print(f"\ntrustaudit overhead per call (1 in flight, 200 calls): {overhead:.2f} ms.")
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    if importlib.util.find_spec("llama_cpp") is None:
        return
    print(
        "\nBundled SmolLM2-135M-Instruct (Q4_1) in-process, 8 answers of up to 64 tokens, "
        "temperature 0:\n"
    )
    print("| load | build has AMX | use_extra_bufts | completion tokens/s |")
    print("|---|---|---|---|")
    for mode in ("guarded", "unguarded"):
        print(bundled_tokens_per_second(mode))


if __name__ == "__main__":
    main()
