"""Run ``trustaudit.cli`` and signal the process itself at one instant of the run, for
test_kill_phases.py: ``python killpoint.py POINT SIGNAL trustaudit-arguments…``.

The process really dies (SIGKILL) or is really interrupted (SIGTERM, which the CLI handles like
Ctrl-C) at that instant; the hook only chooses the instant, which a test cannot hit from outside:

- ``manifest``: the run folder exists, its manifest is about to be written;
- ``first-call``: the first model call is about to be sent (folder and manifest exist);
- ``second-auditor``: the first auditor has finished, the second has not started (nothing in
  flight);
- ``report.json``, ``report.html``, ``junit.xml``: half of that report file (or of the temporary
  file named after it that it is written through) is written;
- ``seal``: half of the seal record's line is written (a torn last line, as only SIGKILL leaves);
- ``sealed``: the whole seal line is written, the run has not returned yet;
- ``none``: no hook (the test signals the process from outside)."""

from __future__ import annotations

import os
import pathlib
import signal
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

from trustaudit import cli
from trustaudit.ledger.chain import LedgerWriter
from trustaudit.ledger.recorder import Recorder
from trustaudit.ledger.runfolder import REPORT_FILES
from trustaudit.run import runner


def _die(signum: int) -> None:
    """SIGKILL never returns; SIGTERM raises KeyboardInterrupt here (the CLI's handler), unless the
    run is writing its seal (then it is held until the run is reported)."""
    os.kill(os.getpid(), signum)


def _at_manifest(signum: int) -> None:
    original = runner.write_manifest

    def write_manifest(folder: pathlib.Path, manifest: dict[str, Any]) -> str:
        _die(signum)
        return original(folder, manifest)

    runner.write_manifest = write_manifest


def _at_first_call(signum: int) -> None:
    original = Recorder.call

    def call(self: Recorder, *args: Any, **kwargs: Any) -> Any:
        _die(signum)
        return original(self, *args, **kwargs)

    Recorder.call = call  # type: ignore[method-assign]


def _at_second_auditor(signum: int) -> None:
    original = runner._run_one
    started: list[str] = []

    def run_one(auditor: Any, model: Any, data: Any, ctx: Any) -> Any:
        started.append(ctx.label)
        if len(started) == 2:
            _die(signum)
        return original(auditor, model, data, ctx)

    runner._run_one = run_one


def _in_report_file(name: str, signum: int) -> None:
    original = pathlib.Path.write_text

    def write_text(self: pathlib.Path, data: str, *args: Any, **kwargs: Any) -> int:
        if not self.name.startswith(name):
            return original(self, data, *args, **kwargs)
        original(self, data[: len(data) // 2], *args, **kwargs)
        _die(signum)
        raise AssertionError("unreachable: the process was signalled")

    pathlib.Path.write_text = write_text  # type: ignore[method-assign]


def _in_seal(signum: int, *, torn: bool) -> None:
    original = LedgerWriter.append

    def append(self: LedgerWriter, fields: dict[str, Any]) -> dict[str, Any]:
        record = original(self, fields)
        if fields.get("kind") == "seal":
            if torn:  # cut the line just written in half: what a kill mid-write leaves
                size = self.path.stat().st_size
                os.truncate(self.path, self.last_offset + (size - self.last_offset) // 2)
            _die(signum)
        return record

    LedgerWriter.append = append  # type: ignore[method-assign]


def install(point: str, signum: int) -> None:
    hooks: dict[str, Callable[[int], None]] = {
        "manifest": _at_manifest,
        "first-call": _at_first_call,
        "second-auditor": _at_second_auditor,
        **{name: partial(_in_report_file, name) for name in REPORT_FILES},
        "seal": partial(_in_seal, torn=True),
        "sealed": partial(_in_seal, torn=False),
        "none": lambda signum: None,
    }
    hooks[point](signum)


if __name__ == "__main__":
    install(sys.argv[1], getattr(signal, sys.argv[2]))
    sys.exit(cli.main(sys.argv[3:]))
