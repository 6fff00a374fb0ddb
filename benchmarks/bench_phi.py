"""PHI detection, trustaudit beside plain presidio, in one run:

- recall and precision per Safe Harbor category on corpora with gold spans: trustaudit's own
  (fixtures/phi/notes.py) and the independent evaluation corpus (fixtures/phi/eval, written by
  other authors than the recognizers: its tune, dev and check splits, each by another author, which
  the rules were tuned on in turn, and with ``--final`` its held-out split, never tuned on);
- throughput and peak memory: plain presidio's ``AnalyzerEngine().analyze()`` loop (its default
  recognizers, the full en_core_web_sm pipeline: the reference tool), trustaudit's one-text-at-a-
  time reference path (``find_phi``) and its batched ``scan`` with 1 and 2 processes, each in a
  fresh process, with a check that the batched spans equal the reference path's.

    python benchmarks/bench_phi.py [--notes 1000] [--seed 0] [--final] [--speed-only]

A gold item counts as found when a detected span of the same Safe Harbor category overlaps it;
precision counts detected spans (one per overlapping region) that overlap a gold item of their
category.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # fixtures/ as a package

from trustaudit.phi.recognizers import (
    SPACY_MODEL,
    PhiSpan,
    _offline_tldextract,
    find_phi,
    resolve_overlaps,
    scan,
)
from trustaudit.phi.safe_harbor import CATEGORY_OF, SAFE_HARBOR

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


ENGINES = {
    "presidio": "presidio `analyze()` loop (reference tool)",
    "reference": "trustaudit `find_phi` loop (reference path)",
    "scan1": "trustaudit `scan`, batch 64, 1 process",
    "scan2": "trustaudit `scan`, batch 64, 2 processes",
    "ner1": "spaCy's NER-only pipe alone, 1 process (the floor, not a PHI detector)",
    "ner2": "spaCy's NER-only pipe alone, 2 processes (the floor, not a PHI detector)",
}


@cache
def ner_only() -> Any:
    """The spaCy pipeline trustaudit runs (NER alone), without presidio or any recognizer."""
    import spacy

    from trustaudit.phi.engine import UNUSED_COMPONENTS

    return spacy.load(SPACY_MODEL, exclude=list(UNUSED_COMPONENTS))


def ner_entities(texts: list[str], n_process: int) -> list[list[tuple[int, int, str]]]:
    docs = ner_only().pipe(texts, batch_size=64, n_process=n_process)
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in docs]


@cache
def plain_presidio() -> Any:
    """presidio as a user gets it: its default recognizers over the full spaCy pipeline."""
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    _offline_tldextract()
    model = {"lang_code": "en", "model_name": SPACY_MODEL}
    nlp = NlpEngineProvider(
        nlp_configuration={"nlp_engine_name": "spacy", "models": [model]}
    ).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def presidio_spans(text: str) -> list[PhiSpan]:
    """Plain presidio's findings as trustaudit spans (entities outside Safe Harbor left out)."""
    return [
        PhiSpan(r.start, r.end, r.entity_type, CATEGORY_OF[r.entity_type], r.score)
        for r in plain_presidio().analyze(text=text, language="en")
        if r.entity_type in CATEGORY_OF
    ]


def corpora(notes: int, seed: int, final: bool) -> dict[str, list[dict]]:
    """The corpora with gold spans, by name."""
    from fixtures.phi.eval import generate

    found = {
        f"trustaudit's corpus (fixtures/phi/notes.py, {notes} notes)": load_generator().generate(
            notes, seed
        ),
        "independent corpus, tune split (600 notes)": generate(600, 0, "tune"),
        "independent corpus, dev split (600 notes, a second author)": generate(600, 0, "dev"),
        "independent corpus, check split (600 notes, a third author)": generate(600, 0, "check"),
    }
    if final:
        found["independent corpus, held-out split (600 notes)"] = generate(600, 0, "heldout")
    return found


def recall_table(notes: list[dict]) -> list[str]:
    """Per category: items, then trustaudit's and plain presidio's recall and precision."""
    ours = score(notes, [find_phi(n["text"]) for n in notes])
    theirs = score(notes, [presidio_spans(n["text"]) for n in notes])
    lines = [
        "| Safe Harbor category | items | recall | precision | presidio recall | presidio "
        "precision | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for category in SAFE_HARBOR:
        if category.entities:
            a, b = ours[category.letter], theirs[category.letter]
            target = f"{TARGET_RECALL.get(category.letter, 0.95):.2f}"
            lines.append(_row(f"({category.letter}) {category.name}", a, b, target))
    lines.append(_row("all", sum(ours.values(), Counter()), sum(theirs.values(), Counter()), ""))
    return lines


def _row(label: str, ours: Counter, theirs: Counter, target: str) -> str:
    cells = [
        _ratio(counts, part, whole)
        for counts in (ours, theirs)
        for part, whole in (("found", "gold"), ("correct", "detected"))
    ]
    return f"| {label} | {ours['gold']} | {' | '.join(cells)} | {target} |"


def _ratio(counts: Counter, part: str, whole: str) -> str:
    return f"{counts[part] / counts[whole]:.3f}" if counts[whole] else "—"


def measure(engine: str, texts: list[str]) -> dict[str, Any]:
    """Seconds (models loaded before timing), peak RSS of this process and its workers, and a
    digest of the spans found."""
    detect: Callable[[list[str]], list[list[PhiSpan]]] = {
        "presidio": lambda ts: [presidio_spans(t) for t in ts],
        "reference": lambda ts: [find_phi(t) for t in ts],
        "scan1": lambda ts: scan(ts, batch_size=64, n_process=1),
        "scan2": lambda ts: scan(ts, batch_size=64, n_process=2),
        "ner1": lambda ts: ner_entities(ts, 1),
        "ner2": lambda ts: ner_entities(ts, 2),
    }[engine]
    detect(texts[:2])  # load spaCy and the recognizers
    start = time.perf_counter()
    spans = detect(texts)
    seconds = time.perf_counter() - start
    peak = sum(resource.getrusage(who).ru_maxrss for who in (RUSAGE_SELF, RUSAGE_CHILDREN))
    digest = hashlib.sha256(repr(spans).encode()).hexdigest()
    return {"seconds": seconds, "rss_mb": peak / 1024, "spans": digest}


def speed_table(notes: int, seed: int) -> list[str]:
    """Each engine in a fresh process (peak memory is per process), side by side."""
    rows, load = {}, os.getloadavg()[0]
    for engine in ENGINES:
        command = [sys.executable, __file__, "--engine", engine, "--notes", str(notes)]
        done = subprocess.run(
            [*command, "--seed", str(seed)], capture_output=True, text=True, check=True
        )
        rows[engine] = json.loads(done.stdout)
    base, reference = rows["presidio"]["seconds"], rows["reference"]["spans"]
    lines = [
        "| engine | notes/s | × presidio loop | peak RSS (MB) | spans identical to the reference "
        "path |",
        "|---|---|---|---|---|",
    ]
    for engine, row in rows.items():
        same = (
            "—"
            if engine == "presidio" or engine.startswith("ner")
            else ("yes" if row["spans"] == reference else "NO")
        )
        lines.append(
            f"| {ENGINES[engine]} | {notes / row['seconds']:.0f} | {base / row['seconds']:.2f} | "
            f"{row['rss_mb']:.0f} | {same} |"
        )
    return [
        *lines,
        f"\nThe machine's 1-minute load average: {load:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(other work on the cores slows the 2-process rows first).",
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--final", action="store_true", help="also score the held-out split")
    parser.add_argument("--speed-only", action="store_true", help="only the speed table")
    parser.add_argument("--engine", choices=list(ENGINES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    texts = [n["text"] for n in load_generator().generate(args.notes, args.seed)]
    if args.engine:  # one measurement, in its own process
        print(json.dumps(measure(args.engine, texts)))
        return
    print(
        f"presidio 2.2.366, {SPACY_MODEL}; {os.cpu_count()} cores. Recall: a gold item found by a "
        "span of its category; precision: detected regions that overlap a gold item of theirs.\n"
    )
    scored = {} if args.speed_only else corpora(args.notes, args.seed, args.final)
    for name, notes in scored.items():
        print(f"**{name}**\n")
        print("\n".join(recall_table(notes)) + "\n")
    chars = sum(map(len, texts)) / len(texts)
    print(
        f"**Speed**: {len(texts):,} notes of trustaudit's corpus, {chars:.0f} characters on "
        "average; each engine in a fresh process, models loaded before timing.\n"
    )
    print("\n".join(speed_table(args.notes, args.seed)))


if __name__ == "__main__":
    main()
