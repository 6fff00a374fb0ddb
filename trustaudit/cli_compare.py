"""``trustaudit compare BASELINE_RUN NEW_RUN``, and the comparison ``run --baseline`` makes after
its run. Exit codes as ``run``: 0 no regression judged beyond its bound, 1 a regression (or an
inconclusive check under ``--inconclusive fail``), 2 a bad folder or option."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .compare import GateSettings, compare_runs
from .compare.regression import MaxRegression, parse_max_regression
from .compare.report import build_view, default_folder, headline, write_comparison
from .compare.runs import read_run
from .errors import UsageError
from .findings import Level
from .ledger.runfolder import make_parent
from .printable import printable
from .redaction import redact


def add_compare_command(commands: Any) -> None:
    compare = commands.add_parser(
        "compare",
        help="compare a run with a baseline run: every shared metric's change and its interval, "
        "a regression gate per metric family (exit 1 on a regression)",
    )
    compare.add_argument("baseline", metavar="BASELINE_RUN", help="the earlier run folder")
    compare.add_argument("new", metavar="NEW_RUN", help="the run folder to judge")
    compare.add_argument(
        "--out", help="folder for the comparison files (default: NEW_RUN/comparison-<baseline id>)"
    )
    add_max_regression(compare)
    compare.add_argument(
        "--mode",
        choices=("detect", "certify"),
        default="detect",
        help="detect (default): fail only on a proven regression; certify: pass only on proof "
        "that no metric regressed by the bound (non-inferiority)",
    )
    compare.add_argument(
        "--alpha", type=float, default=0.05, help="the gate's error rate (default 0.05)"
    )
    compare.add_argument(
        "--inconclusive",
        choices=("warn", "fail"),
        default="warn",
        help="whether an inconclusive check fails the comparison (default warn)",
    )
    compare.set_defaults(handler=_compare)


def add_max_regression(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-regression",
        action="append",
        default=[],
        type=_max_regression,
        metavar="FAMILY=VALUE",
        help="the largest allowed worsening of a metric family (a metric name, e.g. tpr=0.05, or "
        "a key, e.g. auroc[overall]=0.02); repeatable",
    )


def _max_regression(text: str) -> MaxRegression:
    """argparse's type: a bad value exits 2 with the option's name, the value and the fix."""
    try:
        return parse_max_regression(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _compare(args: argparse.Namespace) -> int:
    if not 0 < args.alpha < 0.5:
        raise UsageError(f"--alpha {args.alpha:g}: expected a number between 0 and 0.5, e.g. 0.05.")
    gate = GateSettings(tuple(args.max_regression), args.mode, args.alpha, Level(args.inconclusive))
    return compare_and_report(Path(args.baseline), Path(args.new), gate, args.out)


def compare_and_report(baseline: Path, new: Path, gate: GateSettings, out: str | None) -> int:
    """Compare, write the files, print the statements and the headline; the exit code."""
    comparison = compare_runs(baseline, new, gate)
    folder = Path(out) if out else default_folder(comparison)
    make_parent(folder, f"--out {out}" if out else "NEW_RUN")
    view = build_view(comparison)
    html = write_comparison(view, folder)
    for sentence in view["statements"]:
        print(printable(redact(sentence)))
    print(headline(view, html))
    return comparison.exit_code


def check_baseline(value: str) -> Path:
    """``run --baseline``: the folder must be a complete run before the new run is paid for."""
    return read_run(Path(value), "--baseline").folder
