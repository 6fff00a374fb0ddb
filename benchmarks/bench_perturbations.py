"""Text perturbation speed: every clinical text perturbation over 10,000 synthetic notes (level
0.3).

python benchmarks/bench_perturbations.py [--notes 10000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from trustaudit.perturbations.text import TEXT, negate

TEMPLATE = (
    "A {age} yo {sex} with CHF and HTN on Lipitor and Eliquis has chest pain for {hours} hours; "
    "glucose {glucose} mg/dL, creatinine {creat} mg/dL, temp {temp} °F, weight {weight} lb. "
    "ECG shows ST depression. Plan: admit, serial troponins, ASA and heparin. "
    "Follow-up with cardiology in 2 weeks."
)


def notes(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [
        TEMPLATE.format(
            age=rng.integers(30, 90),
            sex=rng.choice(["man", "woman"]),
            hours=rng.integers(1, 12),
            glucose=rng.integers(70, 400),
            creat=round(rng.uniform(0.5, 4), 1),
            temp=round(rng.uniform(97, 104), 1),
            weight=rng.integers(100, 300),
        )
        for _ in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=10_000)
    args = parser.parse_args()
    texts = notes(args.notes)
    print(
        f"{len(texts):,} synthetic notes of ~{sum(map(len, texts)) // len(texts)} characters, "
        "level 0.3, one core.\n"
    )
    print("| perturbation | notes/s |")
    print("|---|---|")
    for name, perturb in {**TEXT, "negation": lambda t, level, rng: negate(t)}.items():
        rng = np.random.default_rng(0)
        start = time.perf_counter()
        for text in texts:
            perturb(text, 0.3, rng)
        print(f"| {name} | {len(texts) / (time.perf_counter() - start):,.0f} |")


if __name__ == "__main__":
    main()
