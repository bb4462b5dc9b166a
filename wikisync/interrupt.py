"""Stop a run cleanly on SIGINT or SIGTERM: after the page in flight, never in the middle.

A writing command runs inside :func:`stop_on_signals`. The first SIGINT
(Ctrl-C) or SIGTERM (``timeout`` in a cron entry, a service manager) only
sets a flag; the batch loops (:func:`wikisync.ops.batch.run.run_pages`,
:func:`wikisync.ops.sync.push.push`, :func:`wikisync.ops.jobs.run.rebuild_jobs`,
:func:`wikisync.ops.changeset.apply_changeset`) look at it with
:func:`stop_requested` between pages, finish the page in flight, and report
the pages left as ``not done``. The command then prints and reports what was
saved and what remains and exits with ``128 + the signal's number`` (130 for
SIGINT, 143 for SIGTERM), as a shell does. Every edit is computed from the
page's current text, so running the command again finishes the rest without
redoing anything.

A second signal during the same run stops at once: :class:`Interrupted` (a
``BaseException``, like ``KeyboardInterrupt``) is raised from wherever the
program is (the page in flight may or may not be saved; a rerun settles it).
So does the first signal when the run has not stopped :data:`STOP_GRACE`
seconds after it (a page whose request hangs, a file that blocks): one
SIGTERM always ends the run, and the run lock is released on the way out.

Outside :func:`stop_on_signals` nothing changes: :func:`stop_requested` is
False and signals keep their usual effect.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

__all__ = [
    "NOT_DONE",
    "STOP_GRACE",
    "Interrupted",
    "StopFlag",
    "stop_now_if_requested",
    "stop_on_signals",
    "stop_requested",
]

#: The status of a page (or job) a stopped run did not get to.
NOT_DONE = "not done"
#: The signals that stop a run cleanly.
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
#: Seconds a run may take, after the first signal, to finish the page in flight.
STOP_GRACE = 30.0


class Interrupted(BaseException):
    """A second signal stopped the run at once (the command line exits ``128 + signal``).

    Like :class:`KeyboardInterrupt` (and unlike :class:`~wikisync.core.errors.WikisyncError`)
    it is not an ``Exception``: no per-page error handling may catch it and go
    on with the next page. The command line turns it into one line and its
    exit code.

    Attributes:
        signal_name: ``SIGINT`` or ``SIGTERM``.
        signum: the signal's number.
    """

    def __init__(self, message: str, *, signum: int) -> None:
        super().__init__(message)
        self.signal_name = signal.Signals(signum).name
        self.signum = signum


@dataclass(slots=True)
class StopFlag:
    """Whether a stop was asked for, and by which signal.

    Attributes:
        signum: the first signal received, or None.
    """

    signum: int | None = None

    @property
    def requested(self) -> bool:
        """True once a signal asked the run to stop."""
        return self.signum is not None

    @property
    def signal_name(self) -> str:
        """``SIGINT``, ``SIGTERM`` or ``""``."""
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def describe(self) -> str:
        """``stopped by SIGTERM`` (for messages and reports)."""
        return f"stopped by {self.signal_name}" if self.requested else ""


_current: StopFlag | None = None


def stop_requested() -> bool:
    """True when the run in progress was asked to stop (check it between pages)."""
    return _current is not None and _current.requested


def stop_now_if_requested(why: str) -> None:
    """Raise :class:`Interrupted` when the run was asked to stop: for a wait before the
    next request (nothing in flight), which would otherwise delay the stop.

    Args:
        why: what was not done, for the message (``the next edit was not sent``).
    """
    if _current is not None and _current.signum is not None:
        raise Interrupted(
            f"stopped by {_current.signal_name}: {why}; run the command again to finish",
            signum=_current.signum,
        )


@contextmanager
def stop_on_signals(*, announce: bool = True, grace: float = STOP_GRACE) -> Iterator[StopFlag]:
    """Turn SIGINT and SIGTERM into a stop flag for the block's duration.

    Args:
        announce: on the first signal, say on stderr that the run stops after
            the page in flight.
        grace: seconds after the first signal before the run is stopped at
            once (:class:`Interrupted`), as by a second signal.

    Yields:
        The flag; after the block, ``flag.requested`` tells whether the run
        was stopped and ``flag.signum`` by which signal.

    Example:
        >>> with stop_on_signals() as stop:
        ...     report = set_fields(source, target, event, {"place": "Lyon"})
        >>> sys.exit(run_exit_code(report.outcomes(), stop))  # wikisync.cli.outcomes
    """
    global _current
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag  # signal handlers can only be set from the main thread
        return

    def handle(signum: int, _frame: FrameType | None) -> None:
        if flag.signum is not None:
            raise Interrupted(
                f"stopped at once by a second {signal.Signals(signum).name}: the page in "
                "flight may or may not be saved; run the command again to finish",
                signum=signum,
            )
        flag.signum = signum
        if timed:
            signal.setitimer(signal.ITIMER_REAL, grace)
        if announce:  # os.write: a buffered stream may be in the middle of a write
            message = (
                f"wikisync: {signal.Signals(signum).name} received: stopping after the page in "
                f"flight (at once if that takes over {grace:g} s, or on a second signal)\n"
            )
            with contextlib.suppress(OSError):
                os.write(2, message.encode("utf-8"))

    def overdue(_signum: int, _frame: FrameType | None) -> None:
        if flag.signum is None:  # not armed by this block
            return
        raise Interrupted(
            f"stopped at once, {grace:g} s after {flag.signal_name}, as the page in flight "
            "had not finished: it may or may not be saved; run the command again to finish",
            signum=flag.signum,
        )

    # The grace timer needs SIGALRM (not on Windows); a block inside another keeps its timer.
    timed = hasattr(signal, "setitimer") and _outermost()
    previous: dict[signal.Signals, Any] = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    if timed:
        previous[signal.SIGALRM] = signal.getsignal(signal.SIGALRM)
    outer = _current
    _current = flag
    for sig in _SIGNALS:
        signal.signal(sig, handle)
    if timed:
        signal.signal(signal.SIGALRM, overdue)
    try:
        yield flag
    finally:
        if timed:
            signal.setitimer(signal.ITIMER_REAL, 0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _current = outer


def _quit_now(signum: int, _frame: FrameType | None) -> None:
    """Before a command runs (start-up) or once it ended: one line, exit ``128 + signal``."""
    with contextlib.suppress(OSError):
        os.write(2, f"wikisync: stopped by {signal.Signals(signum).name}\n".encode())
    os._exit(128 + signum)


def _raise_interrupted(signum: int, _frame: FrameType | None) -> None:
    """While a command runs (outside :func:`stop_on_signals`): stop it, cleaning up on the way."""
    raise Interrupted(f"stopped by {signal.Signals(signum).name}", signum=signum)


def quit_on_signals() -> None:
    """SIGINT and SIGTERM end the process at once with one line and ``128 + signal``.

    For the command line's start-up and end, where there is nothing to
    clean up: no ``KeyboardInterrupt`` traceback from the middle of an import.
    """
    for sig in _SIGNALS:
        signal.signal(sig, _quit_now)


@contextmanager
def interrupt_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` during the block (any command).

    Unlike ``KeyboardInterrupt``, which click turns into "Aborted!" and exit
    code 1, and SIGTERM's default, which kills the process without a word,
    :class:`Interrupted` unwinds the command (closing files and locks) and the
    command line prints one line and exits with ``128 + signal``. A writing
    command's :func:`stop_on_signals` takes over inside it.
    """
    previous: dict[signal.Signals, Any] = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in _SIGNALS:
        signal.signal(sig, _raise_interrupted)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _outermost() -> bool:
    """True when no stop_on_signals block is active (only the outermost arms a timer)."""
    return _current is None
