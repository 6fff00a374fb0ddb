"""Fairness at scale: trustaudit's auditor against fairlearn's MetricFrame on the same data, in one
run.

    python benchmarks/bench_fairness.py [--rows 1000000] [--boot 1000]

1,000,000 rows, two sensitive features (sex x race: 10 intersectional groups), 4 count-based metrics
(selection rate, TPR, FPR, accuracy). Each case runs in a fresh subprocess so its peak RSS is its
own. fairlearn's bootstrap resamples rows, so it is timed per resample on a smaller N; its cost at
full N is extrapolated (labelled as such). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

SEED = 20261125


def make_data(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    sex = rng.choice(["F", "M"], rows)
    race = rng.choice(
        ["White", "Black", "Hispanic", "Asian", "Other"], rows, p=[0.6, 0.15, 0.15, 0.06, 0.04]
    )
    y = (rng.random(rows) < np.where(race == "Black", 0.25, 0.2)).astype(int)
    y_pred = np.where(rng.random(rows) < np.where(race == "Black", 0.7, 0.8), y, 1 - y)
    return pd.DataFrame({"sex": sex, "race": race, "y": y, "y_pred": y_pred})


def fairlearn_metrics():
    from fairlearn.metrics import false_positive_rate, selection_rate, true_positive_rate
    from sklearn.metrics import accuracy_score

    return {
        "selection_rate": selection_rate,
        "tpr": true_positive_rate,
        "fpr": false_positive_rate,
        "accuracy": accuracy_score,
    }


def case_trustaudit(frame: pd.DataFrame, boot: int) -> dict:
    from trustaudit.adapters.base import ModelInfo
    from trustaudit.adapters.callable import CallableAdapter
    from trustaudit.auditors import AuditContext, FairnessAuditor
    from trustaudit.inputs.data import AuditData

    data = AuditData(frame, "y", 1, ("sex", "race"), "benchmark", "none")
    model = CallableAdapter(
        lambda X: frame["y_pred"].to_numpy(), None, ModelInfo("callable", "recorded", "1", "none")
    )
    auditor = FairnessAuditor(sensitive_features=("sex", "race"), n_boot=boot)
    start = time.perf_counter()
    result = auditor.run(model, data, AuditContext(seed=0, label="fairness"))
    return {"seconds": time.perf_counter() - start, "metrics": len(result.metrics)}


def case_fairlearn_point(frame: pd.DataFrame, boot: int) -> dict:
    from fairlearn.metrics import MetricFrame

    start = time.perf_counter()
    MetricFrame(
        metrics=fairlearn_metrics(),
        y_true=frame["y"],
        y_pred=frame["y_pred"],
        sensitive_features=frame[["sex", "race"]],
    )
    return {"seconds": time.perf_counter() - start}


def case_fairlearn_boot(frame: pd.DataFrame, boot: int) -> dict:
    from fairlearn.metrics import MetricFrame

    start = time.perf_counter()
    MetricFrame(
        metrics=fairlearn_metrics(),
        y_true=frame["y"],
        y_pred=frame["y_pred"],
        sensitive_features=frame[["sex", "race"]],
        n_boot=boot,
        ci_quantiles=[0.025, 0.975],
        random_state=0,
    )
    return {"seconds": time.perf_counter() - start}


CASES = {
    "trustaudit": case_trustaudit,
    "fairlearn_point": case_fairlearn_point,
    "fairlearn_boot": case_fairlearn_boot,
}


def run_case(name: str, rows: int, boot: int) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--case", name, "--rows", str(rows), "--boot", str(boot)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def agreement(rows: int) -> float:
    """Largest |trustaudit - fairlearn| over the 4 metrics and 10 intersectional groups (point
    estimates)."""
    from fairlearn.metrics import MetricFrame

    from trustaudit.auditors import FairnessAuditor

    frame = make_data(rows)
    ours = FairnessAuditor(sensitive_features=("sex", "race"), n_boot=0).measure(
        frame["y"].to_numpy(), frame["y_pred"].to_numpy(), None, frame[["sex", "race"]], seed=0
    )
    by_key = {m.key: m.value for m in ours.metrics}
    theirs = MetricFrame(
        metrics=fairlearn_metrics(),
        y_true=frame["y"],
        y_pred=frame["y_pred"],
        sensitive_features=frame[["sex", "race"]],
    ).by_group
    return max(
        abs(by_key[f"{name}[sex+race={sex}+{race}]"] - value)
        for (sex, race), row in theirs.iterrows()
        for name, value in row.items()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--boot", type=int, default=1000)
    parser.add_argument(
        "--small-rows", type=int, default=100_000, help="N for fairlearn's bootstrap"
    )
    parser.add_argument(
        "--small-boot", type=int, default=5, help="fairlearn resamples at --small-rows"
    )
    parser.add_argument("--case", choices=CASES)
    args = parser.parse_args()
    if args.case:
        frame = make_data(args.rows)
        result = CASES[args.case](frame, args.boot)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    ours = run_case("trustaudit", args.rows, args.boot)
    ours_point = run_case("trustaudit", args.rows, 0)
    point = run_case("fairlearn_point", args.rows, 0)
    small_boot = run_case("fairlearn_boot", args.small_rows, args.small_boot)
    small_point = run_case("fairlearn_point", args.small_rows, 0)
    per_resample = (small_boot["seconds"] - small_point["seconds"]) / args.small_boot
    # fairlearn's per-resample cost grows with N like its point estimate does
    extrapolated = per_resample * (point["seconds"] / small_point["seconds"]) * args.boot

    print(
        f"{args.rows:,} rows, 2 sensitive features (10 intersectional groups), "
        "4 count-based metrics; "
        f"2 cores; peak RSS of the whole process, data included.\n"
    )
    print(
        "| tool | what | rows | resamples | time (s) | peak RSS (MB) "
        "| time ÷ fairlearn point estimates |"
    )
    print("|---|---|---|---|---|---|---|")
    rows = [
        (
            "trustaudit",
            "auditor, 95% CIs on every metric and disparity",
            args.rows,
            args.boot,
            ours,
        ),
        ("trustaudit", "auditor, point estimates only", args.rows, 0, ours_point),
        ("fairlearn MetricFrame", "point estimates", args.rows, 0, point),
        (
            "fairlearn MetricFrame",
            "bootstrap CIs",
            f"{args.small_rows:,}",
            args.small_boot,
            small_boot,
        ),
    ]
    for tool, what, n, boot, result in rows:
        n = f"{n:,}" if isinstance(n, int) else n
        print(
            f"| {tool} | {what} | {n} | {boot:,} | {result['seconds']:.2f} | "
            f"{result['peak_rss_mb']:.0f} | "
            f"{result['seconds'] / point['seconds']:.3f} |"
        )
    print(
        f"| fairlearn MetricFrame | bootstrap CIs, extrapolated | {args.rows:,} | {args.boot:,} | "
        f"≈ {extrapolated:,.0f} (≈ {extrapolated / 3600:.1f} h) | — | "
        f"{extrapolated / point['seconds']:,.0f} |"
    )
    print(
        f"\nfairlearn per resample at {args.small_rows:,} rows: {per_resample:.2f} s. "
        "Point estimates: max |trustaudit − fairlearn| over 40 group values = "
        f"{agreement(args.rows):.1e}."
    )


if __name__ == "__main__":
    main()
