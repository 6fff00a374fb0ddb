"""Ledger cost per model call: 100,000 small in-process calls, with and without the ledger and its
HMAC.

    python benchmarks/bench_ledger.py [--calls 100000]

Each case runs in a fresh subprocess. A call is a short prompt in, a short answer out (what an LLM
adapter records), every prompt distinct. "Ledger cost" is (time with the recorder - time of the bare
calls) / calls. RSS is sampled at 10% and 100% of the calls to show whether memory grows with the
ledger. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

CASES = (
    "bare calls",
    "ledger, capture full",
    "ledger, capture full, HMAC",
    "ledger, capture digest",
)


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run_case(case: str, calls: int) -> dict:
    from trustaudit.adapters.base import ModelInfo
    from trustaudit.ledger.chain import LedgerWriter, sha256_hex
    from trustaudit.ledger.recorder import Recorder

    def model(prompt: str) -> str:
        return prompt[::-1]

    prompts = [
        f"Patient {i}: 67-year-old with chest pain radiating to the left arm. Triage level?"
        for i in range(calls)
    ]
    info = ModelInfo("callable", "reverse", "1", "sha256:0")
    recorder = None
    if case != "bare calls":
        folder = Path(tempfile.mkdtemp())
        writer = LedgerWriter(
            folder / "ledger.jsonl", hmac_key=b"bench key" if "HMAC" in case else None
        )
        recorder = Recorder(
            writer, run_id="bench", capture="digest" if "digest" in case else "full"
        )
    tenth = max(calls // 10, 1)
    start = time.perf_counter()
    rss_early = 0.0
    for i, prompt in enumerate(prompts):
        if recorder is None:
            model(prompt)
        else:
            recorder.call(
                info,
                "generate",
                {"temperature": 0, "max_tokens": 64},
                sha256_hex(prompt.encode()),
                prompt,
                partial(model, prompt),
                lambda text: text,
                lambda text: text,
            )
        if i + 1 == tenth:
            rss_early = _rss_mb()
    seconds = time.perf_counter() - start
    if recorder is not None:
        recorder.writer.close()
    return {"seconds": seconds, "rss_early": rss_early, "rss_end": _rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.calls)))
        return
    results = {}
    for (
        case
    ) in CASES:  # the fastest of 5 runs of each case: on a shared VM, noise only ever adds time
        runs = [
            json.loads(
                subprocess.run(
                    [sys.executable, __file__, "--case", case, "--calls", str(args.calls)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            for _ in range(5)
        ]
        results[case] = min(runs, key=lambda r: r["seconds"])
    bare = results["bare calls"]["seconds"]
    print(
        f"{args.calls:,} in-process calls, every prompt distinct; 2 cores; fastest of 5 runs. "
        "RSS in MB after 10% and 100% of the calls.\n"
    )
    print(
        "| case | total (s) | per call (µs) | ledger cost per record (µs) | RSS at 10% | RSS at "
        "100% |"
    )
    print("|---|---|---|---|---|---|")
    for case, r in results.items():
        cost = "—" if case == "bare calls" else f"{(r['seconds'] - bare) / args.calls * 1e6:.1f}"
        print(
            f"| {case} | {r['seconds']:.2f} | {r['seconds'] / args.calls * 1e6:.1f} | {cost} | "
            f"{r['rss_early']:.0f} | {r['rss_end']:.0f} |"
        )


if __name__ == "__main__":
    main()
