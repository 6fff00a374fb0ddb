"""PHI scan throughput: the phi_scan auditor over N synthetic notes (fixtures/phi/eval, split
"dev", written to Parquet with a seed, not committed) in one process, in two forked processes,
and inside Spark local[2] partitions (``measure_table`` on a SparkTable), each case in a fresh
Python process so that loading the recognizers is counted; every case must give the same metrics.

    python benchmarks/bench_scale_phi.py [--notes 100000] [--seed 0]

``phi_scan_throughput(notes, seed)`` returns the rows for benchmarks/bench_scale.py's table."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # fixtures/ as a package

CASES = ("1 process", "2 processes (fork)", "Spark local[2]")
PARTS = 8  # Parquet row groups, and Spark partitions (maxPartitionBytes set to make them)


def write_notes(notes: int, seed: int, folder: Path) -> Path:
    """N dev-split notes in a Parquet file of PARTS row groups."""
    import pandas as pd

    from fixtures.phi.eval import generate

    path = folder / f"notes-{notes}-{seed}.parquet"
    if not path.exists():
        texts = [n["text"] for n in generate(notes, seed=seed, split="dev")]
        frame = pd.DataFrame({"note": texts})
        frame.to_parquet(path, row_group_size=max(notes // PARTS, 1))
    return path


def run_case(case: str, path: Path) -> dict:
    """One case, in this process: seconds (the session start apart for Spark) and a digest of
    the metrics."""
    from trustaudit.auditors import PhiScanAuditor

    processes = 2 if case == CASES[1] else 1
    auditor = PhiScanAuditor(column="note", n_boot=1000, n_process=processes)
    start = time.perf_counter()
    if case == CASES[2]:
        from trustaudit.engines.spark_table import SparkTable

        part_bytes = max(path.stat().st_size // PARTS, 1024)
        conf = {"spark.sql.files.maxPartitionBytes": str(part_bytes)}
        table = SparkTable.open(
            paths=[str(path)], master="local[2]", conf=conf, source=path.name, where="bench"
        )
        table.count()  # the session is up and the file read once
        started = time.perf_counter()
        result = auditor.measure_table(table, seed=0)
        table.close()
    else:
        import pandas as pd

        from trustaudit.auditors import AuditContext
        from trustaudit.inputs.data import AuditData

        frame = pd.read_parquet(path)
        data = AuditData(frame, None, 1, ("note",), path.name, "none")
        started = time.perf_counter()
        result = auditor.run(None, data, AuditContext(0, "phi_scan"))
    end = time.perf_counter()
    metrics = [(m.key, m.value, m.ci_low, m.ci_high, m.n) for m in result.metrics]
    return {
        "case": case,
        "startup": started - start,
        "scan": end - started,
        "driver_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "metrics": hashlib.sha256(json.dumps(metrics).encode()).hexdigest()[:16],
    }


def phi_scan_throughput(notes: int = 100_000, seed: int = 0) -> list[dict]:
    """Every case on the same N notes, each in a fresh process: seconds, notes/s, and whether
    its metrics equal the single process's."""
    folder = Path(tempfile.gettempdir()) / "trustaudit-bench-phi"
    folder.mkdir(exist_ok=True)
    path = write_notes(notes, seed, folder)
    rows = []
    for case in CASES:
        done = subprocess.run(
            [sys.executable, __file__, "--case", case, "--path", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row["notes_per_s"] = notes / (row["startup"] + row["scan"])
        row["same_metrics"] = row["metrics"] == (rows[0]["metrics"] if rows else row["metrics"])
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--path", type=Path)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.path)))
        return
    print(markdown(args.notes, args.seed))


def markdown(notes: int, seed: int = 0) -> str:
    """The cases' table (for this script and benchmarks/bench_scale.py)."""
    lines = [
        f"PHI scan of {notes:,} notes (dev split, seed {seed}), 1,000 resamples; "
        f"load average after: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n",
        "| engine | start (s) | scan (s) | notes/s | driver peak RSS (MB) | same metrics |",
        "|---|---|---|---|---|---|",
    ]
    for r in phi_scan_throughput(notes, seed):
        lines.append(
            f"| {r['case']} | {r['startup']:.1f} | {r['scan']:.1f} | {r['notes_per_s']:.0f} "
            f"| {r['driver_rss_mb']:.0f} | {'yes' if r['same_metrics'] else 'NO'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
