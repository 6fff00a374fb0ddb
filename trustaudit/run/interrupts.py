"""Ctrl-C and SIGTERM (as CI systems send to cancel a job) stop ``trustaudit run`` alike: a
KeyboardInterrupt in the main thread, so calls in flight finish and are recorded, queued ones are
never sent, and ``--resume`` finishes the run.

Once a run starts writing its seal it is complete, so from then on an interruption is held until
the command has reported the run: a run is never left sealed (nothing to resume) yet reported as
interrupted. A held interruption then stops the command before its next spec."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_state = {"sealing": False, "held": False}


def _stop(signum: int, frame: FrameType | None) -> None:
    if _state["sealing"]:
        _state["held"] = True
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM handled as above inside the block (main thread only); the previous
    handlers are restored after it."""
    previous = {signum: signal.getsignal(signum) for signum in _SIGNALS}
    _state.update(sealing=False, held=False)
    for signum in _SIGNALS:
        signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def sealing() -> None:
    """The run is about to write its seal: hold interruptions until ``reported``."""
    _state["sealing"] = True


def reported() -> bool:
    """The run's outcome has been reported (or it failed): interruptions stop the command again.
    True when one arrived while it was held."""
    held = _state["held"]
    _state.update(sealing=False, held=False)
    return held
