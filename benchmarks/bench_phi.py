"""PHI detection: per-category precision, recall and F1 on seeded synthetic notes with gold spans,
and throughput of trustaudit's batched scan against a plain presidio ``analyze()`` loop with the
same recognizers, in one run (and a check that both find exactly the same spans).

    python benchmarks/bench_phi.py [--notes 1000] [--seed 0]

A gold item counts as found when a detected span of the same Safe Harbor category overlaps it;
precision counts detected spans (one per overlapping region) that overlap a gold item of their
category.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections import Counter
from pathlib import Path

from trustaudit.phi.recognizers import analyzer, find_phi, resolve_overlaps, scan
from trustaudit.phi.safe_harbor import SAFE_HARBOR

TARGET_RECALL = {
    "A": 0.98,
    "C": 0.98,
    "D": 0.98,
    "E": 0.98,
    "F": 0.98,
    "G": 0.98,
    "H": 0.98,
    "I": 0.98,
    "J": 0.98,
    "K": 0.98,
    "N": 0.98,
    "O": 0.98,
}  # names, dates, identifiers and contacts; the rest 0.95


def load_generator():
    path = Path(__file__).resolve().parent.parent / "fixtures" / "phi" / "notes.py"
    spec = importlib.util.spec_from_file_location("phi_notes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score(notes: list[dict], detected: list[list]) -> dict[str, Counter]:
    counts: dict[str, Counter] = {c.letter: Counter() for c in SAFE_HARBOR if c.entities}
    for note, spans in zip(notes, detected, strict=True):
        gold = note["spans"]
        for g in gold:
            counts[g["category"]]["gold"] += 1
            counts[g["category"]]["found"] += any(
                s.category == g["category"] and s.start < g["end"] and s.end > g["start"]
                for s in spans
            )
        for s in resolve_overlaps(spans):
            counts[s.category]["detected"] += 1
            counts[s.category]["correct"] += any(
                g["category"] == s.category and s.start < g["end"] and s.end > g["start"]
                for g in gold
            )
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    notes = load_generator().generate(args.notes, args.seed)
    texts = [n["text"] for n in notes]
    analyzer()  # load spaCy and the recognizers before timing
    start = time.perf_counter()
    loop = [find_phi(text) for text in texts]
    loop_seconds = time.perf_counter() - start
    rows = []
    for n_process in (1, 2):
        start = time.perf_counter()
        batched = scan(texts, batch_size=64, n_process=n_process)
        rows.append((n_process, time.perf_counter() - start, batched == loop))
    counts = score(notes, loop)
    chars = sum(map(len, texts)) / len(texts)
    print(
        f"{len(texts):,} synthetic notes (seed {args.seed}, {chars:.0f} characters on average, "
        f"{sum(c['gold'] for c in counts.values()):,} PHI items); presidio 2.2.366 with "
        "en_core_web_sm; 2 cores.\n"
    )
    print("| Safe Harbor category | items | recall | precision | F1 | recall target |")
    print("|---|---|---|---|---|---|")
    for category in SAFE_HARBOR:
        if not category.entities:
            continue
        c = counts[category.letter]
        recall = c["found"] / c["gold"] if c["gold"] else float("nan")
        precision = c["correct"] / c["detected"] if c["detected"] else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else float("nan")
        target = TARGET_RECALL.get(category.letter, 0.95)
        print(
            f"| ({category.letter}) {category.name} | {c['gold']} | {recall:.3f} | {precision:.3f} "
            f"| {f1:.3f} | "
            f"{target:.2f} |"
        )
    for category in SAFE_HARBOR:
        if not category.entities:
            print(
                f"| ({category.letter}) {category.name} | — | not covered: cannot be detected in "
                "text | | | |"
            )
    print("\n| engine | texts/s | × presidio analyze() loop | same spans as the loop |")
    print("|---|---|---|---|")
    print(f"| presidio `analyze()` loop | {len(texts) / loop_seconds:.0f} | 1.00 | — |")
    for n_process, seconds, same in rows:
        print(
            f"| trustaudit scan, batch 64, {n_process} process(es) | {len(texts) / seconds:.0f} | "
            f"{loop_seconds / seconds:.2f} | {'yes' if same else 'NO'} |"
        )


if __name__ == "__main__":
    main()
