"""The command line: ``trustaudit run | validate | plan | canaries | schema | list``; the evidence
commands (``verify | sign | keygen``) are in ``cli_evidence.py``, ``compare`` in ``cli_compare.py``.
The exit code is the CI gate."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import __version__
from .adapters import build_model
from .auditors import registry
from .cli_compare import add_compare_command, add_max_regression, check_baseline, compare_and_report
from .cli_compliance import add_card_command
from .cli_evidence import add_evidence_commands, existing_run_folder
from .compare import GateSettings
from .errors import AdapterError, AuditorError, TrustAuditError, UsageError
from .llm.canaries import make_canaries
from .printable import printable
from .progress import Progress
from .redaction import redact
from .report.schema import report_json_schema
from .run import interrupts
from .run.gate import EXIT_INCOMPLETE, EXIT_PASS, EXIT_USAGE, exit_code, summary_line
from .run.plan import Assumptions, plan, render
from .run.runner import model_calls, prepared, run_audit
from .shown import free_text
from .spec import json_schema, load_spec
from .spec.models import AuditSpec


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (AdapterError, AuditorError) as exc:  # may quote a model's or a server's words
        print(f"error: {printable(free_text(str(exc)))}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except TrustAuditError as exc:
        print(f"error: {printable(redact(str(exc)))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(
            "interrupted: the ledger keeps every completed call; "
            "finish with trustaudit run SPEC --resume RUN_DIR (the run folder is printed above)",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    except Exception as exc:  # a bug in trustaudit: say so plainly, traceback on request
        if os.environ.get("TRUSTAUDIT_DEBUG"):
            traceback.print_exc()
        print(
            f"internal error: {type(exc).__name__}: {printable(free_text(str(exc)))}. Set "
            "TRUSTAUDIT_DEBUG=1 for the "
            "traceback and report it.",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE


def _run(args: argparse.Namespace) -> int:
    if len(args.spec) > 1 and (args.resume or args.baseline):
        raise UsageError("--resume and --baseline take one spec at a time.")
    specs = [load_spec(path) for path in args.spec]  # every spec is checked before any runs
    progress = Progress(stream=None if args.quiet else sys.stderr)
    codes = []
    # CI systems cancel jobs with SIGTERM: stop as on Ctrl-C (calls in flight finish and are
    # recorded, queued ones are cancelled), so the run resumes without paying for them again
    with interrupts.handled():
        for spec in specs:
            try:
                codes.append(_audit(args, spec, progress, several=len(specs) > 1))
            finally:
                held = interrupts.reported()
            if held:  # arrived while the run was sealing: it finished, and is reported above
                print("interrupted after the run was sealed: it is complete", file=sys.stderr)
                if len(codes) < len(specs):
                    raise KeyboardInterrupt
    return max(codes)


def _audit(args: argparse.Namespace, spec: AuditSpec, progress: Progress, several: bool) -> int:
    """Run one spec and print its summary line (named when there are several); its exit code,
    the worse of the run's and, with ``--baseline``, the comparison's."""
    baseline = check_baseline(args.baseline) if args.baseline else None
    run = run_audit(
        spec,
        out=_folder(args.out),
        resume=_run_folder(args.resume, "--resume"),
        baseline=baseline,
        progress=progress,
    )
    report = _display(Path(run.provenance["folder"]) / "report.html")
    prefix = f"{spec.name}: " if several else ""
    print(printable(redact(prefix + summary_line(run, report))))
    if baseline is None:
        return exit_code(run)
    gate = GateSettings(tuple(args.max_regression))
    compared = compare_and_report(baseline, Path(run.provenance["folder"]), gate, None)
    return max(exit_code(run), compared)


def _canaries(args: argparse.Namespace) -> int:
    records = make_canaries(args.n, args.seed, args.digits)
    _write_file(Path(args.out), "".join(json.dumps(r) + "\n" for r in records), "--out")
    print(
        f"{args.out}: {len(records)} canary record(s). Put each 'text' into the fine-tuning data; "
        "audit with use: canary, params: {canaries: " + args.out + "}."
    )
    return EXIT_PASS


def _write_file(path: Path, text: str, option: str) -> None:
    """Write a file the user named, or say why it cannot be (a folder, a missing folder, no
    permission)."""
    if path.is_dir():
        raise UsageError(
            f"{option} {path}: is a folder; expected a file name, e.g. {path / 'canaries.jsonl'}."
        )
    if not path.parent.is_dir():
        raise UsageError(
            f"{option} {path}: the folder '{path.parent}' does not exist. Create it first."
        )
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"{option} {path}: cannot write it ({exc.strerror}). Choose a path you can write to."
        ) from None


def _whole_number(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a bad value exits 2 with the option's name, the range and the fix."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number from {low:,} to {high:,}, got {text!r}"
            )
        return value

    return parse


def _folder(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _run_folder(value: str | None, option: str) -> Path | None:
    """An optional run folder named on the command line (``--resume``, ``--baseline``)."""
    return existing_run_folder(value, option) if value is not None else None


def _validate(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    with prepared(spec) as (data, auditors):
        if spec.model is not None and spec.model.type != "llamacpp":  # a local LLM loads slowly
            build_model(spec, data)  # loads files and functions, calls nothing
        calls = sum(model_calls(spec, data, auditors).values())
        rows = f"{data.rows:,} data rows" if data is not None else "no tabular data"
    thresholds = sum(len(entry.thresholds) for entry in spec.auditors)
    print(
        f"{args.spec}: valid. {rows}, {len(auditors)} auditor(s), {thresholds} threshold(s). "
        f"The run will make about {calls:,} model calls (max_calls {spec.max_calls:,})."
    )
    return EXIT_PASS


def _plan(args: argparse.Namespace) -> int:
    spec = load_spec(args.spec)
    assume = Assumptions(rate=args.rate, effect=args.effect, margin=args.margin)
    with prepared(spec) as (data, auditors):
        print(render(plan(spec, data, auditors, assume), assume))
    return EXIT_PASS


def _add_plan(commands: Any) -> None:
    plan_parser = commands.add_parser(
        "plan",
        help="before any model call: what each threshold with a mode can show with this data, "
        "and the group sizes its claim needs (80%% power)",
    )
    plan_parser.add_argument("spec")
    plan_parser.add_argument(
        "--rate", type=_number_between(0, 1), default=0.5, help="assumed true rate (default 0.5)"
    )
    plan_parser.add_argument(
        "--effect",
        type=_number_between(1, 100),
        default=1.5,
        help="detect: the true gap to find, as a multiple of the bound (default 1.5)",
    )
    plan_parser.add_argument(
        "--margin",
        type=_number_between(0, 1),
        default=0.05,
        help="floor: how far beyond the goal the true value is (default 0.05)",
    )
    plan_parser.set_defaults(handler=_plan)


def _number_between(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number strictly between ``low`` and ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low < value < high:
            raise argparse.ArgumentTypeError(
                f"expected a number between {low:g} and {high:g}, got '{text}'"
            )
        return value

    return parse


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(report_json_schema() if args.report else json_schema(), indent=2))
    return EXIT_PASS


def _list(args: argparse.Namespace) -> int:
    for name in registry.names():
        cls = registry.get(name)
        print(f"{name}: {cls.description()}")
        schema = registry.params_schema(name)
        required = set(schema.get("required", []))
        for param, prop in schema.get("properties", {}).items():
            default = (
                "required"
                if param in required
                else f"default {json.dumps(prop['default'])}"
                if "default" in prop
                else "optional"
            )
            kinds = [
                p.get("type")
                for p in prop.get("anyOf", [prop])
                if p.get("type") not in (None, "null")
            ]
            kind = " or ".join(kinds) or "value"
            print(f"  {param} ({kind}, {default}): {prop.get('description', '')}")
        print(f"  metrics: {', '.join(sorted(cls.metric_names()))}")
    return EXIT_PASS


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trustaudit", description="Audit medical AI models for trustworthiness."
    )
    parser.add_argument("--version", action="version", version=f"trustaudit {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_run(commands)
    add_evidence_commands(commands)
    add_compare_command(commands)
    add_card_command(commands)
    validate = commands.add_parser(
        "validate", help="check a spec and its data without running the model"
    )
    validate.add_argument("spec")
    validate.set_defaults(handler=_validate)
    _add_plan(commands)
    _add_canaries(commands)
    schema = commands.add_parser("schema", help="print the spec's JSON Schema")
    schema.add_argument("--report", action="store_true", help="report.json's schema instead")
    schema.set_defaults(handler=_schema)
    commands.add_parser(
        "list", help="list the auditors, their parameters and metrics"
    ).set_defaults(handler=_list)
    return parser


def _add_run(commands: Any) -> None:
    run = commands.add_parser(
        "run", help="run audits and write their report folders (exit code: the worst)"
    )
    run.add_argument("spec", nargs="+", help="audit spec(s) (YAML)")
    run.add_argument(
        "--out", help="folder that receives the run folder (default: the spec's 'output')"
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.add_argument(
        "--resume",
        metavar="RUN_DIR",
        help="finish an interrupted run, reusing its recorded model outputs",
    )
    run.add_argument(
        "--baseline",
        metavar="RUN_DIR",
        help="an earlier run to compare with: the accountability auditor's model check, then "
        "trustaudit compare (its files in RUN/comparison-<baseline id>)",
    )
    add_max_regression(run)
    run.set_defaults(handler=_run)


def _add_canaries(commands: Any) -> None:
    canaries = commands.add_parser(
        "canaries", help="make canary records to plant in a fine-tuning set"
    )
    canaries.add_argument(
        "--n", type=_whole_number(1, 100_000), default=10, help="how many (default 10)"
    )
    canaries.add_argument("--seed", type=_whole_number(0, 2**63 - 1), default=0)
    canaries.add_argument(
        "--digits",
        type=_whole_number(1, 30),
        default=9,
        help="digits of each secret (default 9, at most 30)",
    )
    canaries.add_argument("--out", required=True, help="JSONL file to write")
    canaries.set_defaults(handler=_canaries)


if __name__ == "__main__":
    sys.exit(main())
