"""``trustaudit card RUN_DIR [RUN_DIR …] [--answers FILE] [--out DIR]``: rebuild the compliance
pack of one model from its run folders, with people's answers merged in, into a folder of its own
(a run folder is sealed: writing into it would break its seal)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from . import extras
from .cli_evidence import existing_run_folder
from .compliance import build_evidence, documents, read_run
from .compliance.answers import EXAMPLE, load_answers
from .errors import UsageError
from .printable import printable
from .redaction import redact
from .report import write_documents
from .run.gate import EXIT_INCOMPLETE, EXIT_PASS


def _card(args: argparse.Namespace) -> int:
    folders = [existing_run_folder(value, "RUN_DIR") for value in args.run_dir]
    answers = load_answers(Path(args.answers)) if args.answers else {}
    evidence = build_evidence([read_run(folder) for folder in folders], answers)
    out = _out_folder(args.out, folders)
    files = {name.split("/", 1)[1]: text for name, text in documents(evidence).items()}
    write_documents(out, files)
    still_open = [f.id for f in evidence.fields.values() if f.open]
    checked, code = _validated(files["card.xml"].encode("utf-8"))
    print(
        printable(
            redact(
                f"{out}: compliance pack of {len(folders)} run(s) ({', '.join(files)}); card "
                f"{checked}. {len(answers)} answer(s) merged; {len(still_open)} field(s) still "
                f"open: {', '.join(still_open) or 'none'}."
            )
        )
    )
    return code


def _out_folder(value: str | None, folders: list[Path]) -> Path:
    """``--out``, or ``<first run folder>-card`` beside it; never inside a run folder."""
    out = Path(value) if value else folders[0].with_name(f"{folders[0].name}-card")
    for folder in folders:
        if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
            raise UsageError(
                f"--out {out}: inside the run folder {folder}, whose seal would then break. "
                "Choose a folder outside it."
            )
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: is a file; expected a folder to write the card into.")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create it ({exc.strerror}).") from None
    return out


def _validated(card: bytes) -> tuple[str, int]:
    """Whether the card is valid CHAI v0.2 (with the compliance extra), and the exit code."""
    if not extras.available("compliance"):
        return f"not validated ({extras.install_hint('compliance')} to validate)", EXIT_PASS
    from .compliance.validate import card_problems

    problems = card_problems(card)
    if problems:  # trustaudit's own fault: say so, as an incomplete run
        return f"INVALID against CHAI schema v0.2: {problems[0]}", EXIT_INCOMPLETE
    return "valid against CHAI schema v0.2", EXIT_PASS


def add_card_command(commands: Any) -> None:
    card = commands.add_parser(
        "card",
        help="rebuild a model's compliance pack (CHAI card, HTI-1, evidence map) from its run "
        "folders, with human answers merged in",
    )
    card.add_argument("run_dir", nargs="+", metavar="RUN_DIR", help="run folders of one model")
    card.add_argument("--answers", metavar="FILE", help=f"YAML answers, e.g. {EXAMPLE}")
    card.add_argument("--out", metavar="DIR", help="default: RUN_DIR-card beside the first run")
    card.set_defaults(handler=_card)
