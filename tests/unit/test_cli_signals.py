"""SIGINT and SIGTERM stop every command the same way: one line, exit 130/143, no traceback.

Real processes (the installed ``wikisync`` program), each command of the
click tree in turn, signalled twice over:

- early: during start-up, while Python is still importing the commands;
- mid-run: while the command waits on the wiki (a local socket that accepts
  the connection and never answers: the signal is sent once the command has
  connected, so it is inside its work) or on standard input (``apply -``,
  ``import TYPE -``).

A run the signal reached ends with ``128 + signal`` and one line on stderr
naming it; a writing command stopped between pages says so in its own
line. No "Traceback", no click "Aborted!". A signal that arrives after
the command finished (the early one, on a fast machine, for ``init``) may
let it end normally (exit 0) or, during the interpreter's own exit, kill it
(``-signal``): both without a word.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import click
import pytest

from wikisync.cli import cli

PROGRAM = Path(sys.executable).with_name("wikisync")
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob"

#: Each command's arguments (besides the global ones); a new command must be added here.
ARGS: dict[str, list[str]] = {
    "apply": ["-"],
    "check": [],
    "example": ["{tmp}/example-copy"],
    "export": ["event", "-o", "{tmp}/events.csv"],
    "import": ["event", "-"],
    "init": ["-o", "{tmp}/new.toml"],
    "new": ["event", "Nouvel atelier", "startDate=2030-01-01"],
    "pages": ["Evénement"],
    "plan": ["-o", "{tmp}/plan.json"],
    "pull": ["Evénement", "{tmp}/pulled"],
    "push": ["{tmp}/fabmob/mirror"],
    "rebuild": [],
    "records": ["event"],
    "remove-param": ["Event", "Tags"],
    "rename-param": ["Event", "Tags", "Etiquettes"],
    "render": ["communs"],
    "replace": ["Lyon", "Lugdunum", "--namespace", "0"],
    "set": ["event", "place=Lyon"],
    "status": ["{tmp}/fabmob/mirror"],
}

#: Commands that wait on standard input (before or instead of the site).
STDIN_READERS = frozenset({"apply", "import"})

#: Commands that neither read a site nor standard input: no "mid-run" moment to aim at.
LOCAL_ONLY = frozenset({"init", "example"})


def _commands() -> list[str]:
    with click.Context(cli) as ctx:
        return cli.list_commands(ctx)


def test_every_command_has_arguments_here() -> None:
    assert sorted(ARGS) == _commands()


class _SilentServer:
    """A TCP server on 127.0.0.1 that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self._lock:
                self._held.append(conn)
                self.accepted += 1

    def close(self) -> None:
        self.sock.close()
        for conn in self._held:
            conn.close()


def _args(command: str, tmp: Path) -> list[str]:
    return [arg.replace("{tmp}", str(tmp)) for arg in ARGS[command]]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder holding a copy of the bundled example (``fabmob``)."""
    shutil.copytree(EXAMPLE, tmp_path / "fabmob")
    return tmp_path


def _spawn(command: str, tmp: Path, site: str) -> subprocess.Popen[bytes]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp),
        "XDG_STATE_HOME": str(tmp / "state"),
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "WIKISYNC_CONFIG": str(tmp / "fabmob" / "wikisync.toml"),
        "WIKISYNC_SITE": site,
        "WIKISYNC_TIMEOUT": "60",
        "WIKISYNC_PASSWORD": "",
    }
    return subprocess.Popen(
        [str(PROGRAM), command, *_args(command, tmp)],
        stdin=subprocess.PIPE,  # left open: a command reading it waits
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        cwd=tmp,
    )


def _stop(process: subprocess.Popen[bytes], signum: int) -> tuple[int, str]:
    process.send_signal(signum)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"still running 20 s after {signal.Signals(signum).name}")
    return process.returncode, err.decode("utf-8", "replace")


def _check_stopped(command: str, signum: int, code: int, err: str, *, must_stop: bool) -> bool:
    """Check how a signalled run ended; return whether the signal stopped it."""
    name = signal.Signals(signum).name
    where = f"{command} / {name}: exit {code}, stderr {err!r}"
    assert "Traceback" not in err and "Aborted!" not in err, where
    if not must_stop and code in (0, -signum):
        return False
    assert code == 128 + signum, where
    lines = [line for line in err.splitlines() if name in line]
    assert len(lines) == 1, where
    assert lines[0].startswith("wikisync: "), where
    return True


def _before_wikisync(err: str) -> bool:
    """Whether a signal's traceback is from before wikisync's first line ran.

    Python's own start-up (site-packages) or the installed script's ``import re``, before
    it imports wikisync/__main__.py, whose first lines install the handlers.
    """
    if "Fatal Python error: init_" in err:  # init_import_site, init_sys_streams…
        return True
    lines = err.splitlines()
    ran = [
        (line.strip(), lines[n + 1].strip() if n + 1 < len(lines) else "")
        for n, line in enumerate(lines)
        if line.strip().startswith("File ") and "/wikisync/" in line
    ]
    # The package's own import (its __init__ and __about__) and __main__'s first imports
    # run before the handlers can exist.
    early = {"import _signal", "import os", "import sys"}
    return "KeyboardInterrupt" in err and all(
        "wikisync/__init__.py" in frame
        or "wikisync/__about__.py" in frame
        or ("wikisync/__main__.py" in frame and code.split("  #")[0] in early)
        for frame, code in ran
    )


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_during_start_up_is_one_line(workdir: Path, signum: int) -> None:
    """Every command, signalled 30 to 100 ms after it started, while Python starts and loads it.

    Start-up is short (the commands load lazily), so the delays are spread over it: a
    signal before wikisync's handler is installed kills Python silently (allowed), any
    later one must end in one line; none may end in a traceback.
    """
    stopped = []
    for number, command in enumerate(_commands()):
        for delay in (0.03, 0.06, 0.1):
            process = _spawn(command, workdir, str(workdir / "fabmob" / "mirror"))
            time.sleep(delay + 0.005 * (number % 4))
            code, err = _stop(process, signum)
            if _before_wikisync(err):
                continue  # Python's own start-up or the script's first line: no wikisync code yet
            if _check_stopped(command, signum, code, err, must_stop=False):
                stopped.append((command, delay))
    # Not vacuous: some runs were stopped while starting, each with its one line.
    assert len(stopped) >= 3, stopped


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_mid_run_is_one_line(workdir: Path, signum: int) -> None:
    """Every command that reads a site or stdin, signalled while it waits on either.

    All at once, each with its own silent server: a command is signalled once
    its server saw it connect (or, reading stdin, after a while).
    """
    servers: dict[str, _SilentServer] = {}
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for command in _commands():
            if command in LOCAL_ONLY:
                continue
            servers[command] = server = _SilentServer()
            site = f"http://127.0.0.1:{server.port}/w/api.php"
            processes[command] = _spawn(command, workdir, site)
        deadline = time.monotonic() + 30
        waiting = set(processes) - STDIN_READERS
        while waiting and time.monotonic() < deadline:
            waiting = {
                c for c in waiting if not servers[c].accepted and processes[c].poll() is None
            }
            time.sleep(0.05)
        assert not waiting, f"never connected: {sorted(waiting)}"
        time.sleep(0.5)  # the stdin readers are waiting by now too
        for command, process in processes.items():
            assert process.poll() is None, f"{command} ended before the signal"
            code, err = _stop(process, signum)
            _check_stopped(command, signum, code, err, must_stop=True)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
        for server in servers.values():
            server.close()
