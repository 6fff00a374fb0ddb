"""Scale: one fairness audit of recorded predictions on pandas, DuckDB and Spark local[2], beside
fairlearn's MetricFrame, at 1M, 10M and 100M rows, in one run.

    python benchmarks/bench_scale.py [--rows 1000000,10000000,100000000] [--boot 1000]
        [--engines pandas,duckdb,spark] [--data /tmp/trustaudit-scale] [--phi-notes 100000]

The PHI half (``--phi-notes``, 0 skips it) is benchmarks/bench_scale_phi.py: the scan in one
process, two processes and Spark local[2] partitions on the same notes.

The data (sex × race: 8 intersectional groups, outcome, prediction, a continuous score) are
generated with a seed by DuckDB into Parquet under ``--data`` (not committed; generated once per
size). Each case is the real command line's ``run`` of a spec (recorded model, 1,000-resample CIs
on every metric, a gate) in a fresh subprocess, so its peak RSS is its own: the Python process's
peak, and Spark's JVM's peak (VmHWM) reported beside it. "same numbers" compares every metric's
value and interval with the DuckDB run of the same size. pandas runs where the data fit (it
reads the whole file); fairlearn computes the 4 count-based metrics' point estimates only
(its bootstrap would resample rows: see bench_fairness.py). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SEED = 20261126
PANDAS_MAX_ROWS = 10_000_000  # pandas holds every row: 100M rows need ~10 GB


def generate(rows: int, folder: Path) -> Path:
    """Recorded predictions with a seed: hash-based draws, so the file is the same whatever the
    thread count. Black patients' scores separate the outcome less (a real TPR gap)."""
    import duckdb

    path = folder / f"predictions-{rows}-{SEED}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    draw = "(hash(i, {k}, " + str(SEED) + ") % 1000003) / 1000003.0"
    sql = f"""
    COPY (
      SELECT sex, race, y, CAST(score > 0.5 AS INTEGER) AS pred, score FROM (
        SELECT sex, race, y,
          least(1.0, greatest(0.0,
            0.3 + y * CASE WHEN race = 'Black' THEN 0.12 ELSE 0.25 END
            + 0.5 * ({draw.format(k=4)} - 0.5))) AS score
        FROM (
          SELECT i,
            CASE WHEN {draw.format(k=1)} < 0.5 THEN 'F' ELSE 'M' END AS sex,
            ['White', 'Black', 'Hispanic', 'Asian'][1 + CAST(floor({draw.format(k=2)} * 4) AS INT)]
              AS race,
            CAST({draw.format(k=3)} < 0.3 AS INTEGER) AS y
          FROM range({rows}) t(i)
        )
      )
    ) TO '{path}.tmp' (FORMAT parquet, ROW_GROUP_SIZE 1000000)
    """
    with duckdb.connect() as connection:
        connection.execute("SET enable_progress_bar = false")
        connection.execute(sql)
    Path(f"{path}.tmp").rename(path)
    return path


def spec_text(path: Path, engine: str, boot: int, out: Path) -> str:
    engines = {"pandas": "pandas", "duckdb": "duckdb", "spark": "{type: spark, master: 'local[2]'}"}
    return f"""name: scale-{engine}
seed: 7
output: {out}
data: {{path: {path}, target: y, engine: {engines[engine]}}}
model: {{type: recorded, prediction_column: pred, score_column: score}}
auditors:
  - use: fairness
    params: {{sensitive_features: [sex, race], n_boot: {boot}}}
    thresholds:
      - {{metric: equal_opportunity_difference, max: 0.1, mode: detect}}
"""


def case_trustaudit(path: Path, engine: str, boot: int) -> dict:
    """One run through the command line's code path; its time, memory and metrics' digest."""
    from trustaudit.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        spec.write_text(spec_text(path, engine, boot, Path(tmp) / "runs"))
        jvm = _watch_jvm() if engine == "spark" else None
        started = _watch_start() if engine == "spark" else None
        start = time.perf_counter()
        code = main(["run", str(spec), "--quiet"])
        seconds = time.perf_counter() - start
        report = json.loads(next((Path(tmp) / "runs").glob("*/report.json")).read_text())
    metrics = sorted(
        (m["key"], m["value"], m["ci_low"], m["ci_high"])
        for auditor in report["auditors"]
        for m in auditor["metrics"]
    )
    return {
        "seconds": seconds,
        "rss_mb": _peak_rss_mb(),
        "jvm_mb": jvm() if jvm else None,
        "start_s": started() if started else None,
        "exit": code,
        "digest": hashlib.sha256(json.dumps(metrics).encode()).hexdigest()[:12],
    }


def case_fairlearn(path: Path) -> dict:
    """fairlearn's MetricFrame point estimates of 4 count-based metrics by sex × race."""
    import pandas as pd
    from fairlearn.metrics import (
        MetricFrame,
        false_positive_rate,
        selection_rate,
        true_positive_rate,
    )
    from sklearn.metrics import accuracy_score

    start = time.perf_counter()
    frame = pd.read_parquet(path, columns=["sex", "race", "y", "pred"])
    by_group = MetricFrame(
        metrics={
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "accuracy": accuracy_score,
        },
        y_true=frame["y"],
        y_pred=frame["pred"],
        sensitive_features=frame[["sex", "race"]],
    ).by_group
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rss_mb": _peak_rss_mb(), "jvm_mb": None, "groups": len(by_group)}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _watch_start():
    """A function returning the seconds the run's Spark session took to start (the JVM)."""
    from trustaudit.engines import spark_table

    took = {"s": None}
    session = spark_table._session

    def timed(*args):
        start = time.perf_counter()
        found = session(*args)
        took["s"] = time.perf_counter() - start
        return found

    spark_table._session = timed
    return lambda: took["s"]


def _watch_jvm():
    """A function returning the peak RSS (MB) of the JVM pyspark started, read before the run
    stops it: the session's stop is patched to read /proc/<pid>/status first."""
    from pyspark import SparkContext

    peak = {"mb": None}
    stop = SparkContext.stop

    def reading_stop(self):
        proc = getattr(SparkContext._gateway, "proc", None)
        if proc is not None:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            line = next(x for x in status.splitlines() if x.startswith("VmHWM"))
            peak["mb"] = int(line.split()[1]) / 1024
        stop(self)

    SparkContext.stop = reading_stop
    return lambda: peak["mb"]


def run_case(kind: str, path: Path, boot: int) -> dict:
    command = [sys.executable, __file__, "--case", kind, "--path", str(path), "--boot", str(boot)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "?"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(rows_list: list[int], engines: list[str], boot: int, folder: Path) -> str:
    lines = [
        "| rows | engine | what | seconds | × DuckDB | of which Spark start (s) "
        "| peak RSS Python (MB) | JVM (MB) | rows/s | same numbers as DuckDB |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for rows in rows_list:
        path = generate(rows, folder)
        found = {}
        for engine in engines:
            if engine == "pandas" and rows > PANDAS_MAX_ROWS:
                lines.append(
                    f"| {rows:,} | pandas | does not fit (every row in memory) "
                    "| — | — | — | — | — | — | — |"
                )
                continue
            found[engine] = run_case(engine, path, boot)
        if rows <= PANDAS_MAX_ROWS:
            found["fairlearn"] = run_case("fairlearn", path, boot)
        reference = found.get("duckdb", {})
        for name, result in found.items():
            lines.append(_line(rows, name, boot, result, reference))
    return "\n".join(lines)


def _line(rows: int, name: str, boot: int, result: dict, reference: dict) -> str:
    """A case's row; ``reference``: DuckDB's result at that size (its time and digest)."""
    what = (
        "MetricFrame, point estimates of 4 rates"
        if name == "fairlearn"
        else f"trustaudit run, {boot:,}-resample CIs on every metric"
    )
    if "error" in result:
        return f"| {rows:,} | {name} | {what} | failed: {result['error']} | | | | | | |"
    digest = reference.get("digest")
    same = "—" if "digest" not in result else ("yes" if result["digest"] == digest else "no")
    compared = "digest" in result and "seconds" in reference  # a trustaudit run, like DuckDB's
    ratio = f"{result['seconds'] / reference['seconds']:.1f}" if compared else "—"
    start = f"{result['start_s']:.1f}" if result.get("start_s") else "—"
    jvm = f"{result['jvm_mb']:.0f}" if result.get("jvm_mb") else "—"
    return (
        f"| {rows:,} | {name} | {what} | {result['seconds']:.1f} | {ratio} | {start} "
        f"| {result['rss_mb']:.0f} | {jvm} | {rows / result['seconds']:,.0f} | {same} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000000,10000000,100000000")
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument("--engines", default="pandas,duckdb,spark")
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "trustaudit-scale"))
    parser.add_argument("--phi-notes", type=int, default=100_000, help="0: no PHI scan")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        path = Path(args.path)
        kind = args.case
        result = (
            case_fairlearn(path) if kind == "fairlearn" else case_trustaudit(path, kind, args.boot)
        )
        print(json.dumps(result))
        return 0
    rows_list = [int(float(r)) for r in args.rows.split(",")]
    print(table(rows_list, args.engines.split(","), args.boot, Path(args.data)))
    if args.phi_notes:
        from bench_scale_phi import markdown  # this folder is on sys.path when run as a script

        print()
        print(markdown(args.phi_notes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
