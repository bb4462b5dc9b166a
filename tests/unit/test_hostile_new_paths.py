"""Hostile inputs on the newer paths (selection, replace, list items, maps), run as a user would.

Each case: one line naming what and where, the documented exit code, no
traceback, nothing written, and no hang or runaway memory.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_cli_signals import EXAMPLE

PROGRAM = Path(sys.executable).with_name("wikisync")
#: Memory a run may use (address space), far below what reading 1 GiB would take.
MEMORY = 600 * 2**20


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def _run(
    folder: Path, *args: str, stdin: int | None = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PROGRAM), "-c", str(folder / "wikisync.toml"), *args],
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"},
        preexec_fn=_limit_memory,
    )


def _one_line_error(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    copy = tmp_path / "fabmob"
    subprocess.run(["cp", "-r", str(EXAMPLE), str(copy)], check=True)
    return copy


@pytest.mark.parametrize("how", ["dev-zero", "link-to-huge"])
def test_titles_file_too_big_is_one_line_and_exit_2(folder: Path, how: str) -> None:
    if how == "dev-zero":
        path = "/dev/zero"
    else:
        huge = folder / "huge.txt"
        with huge.open("wb") as stream:
            stream.truncate(4 * 2**30)  # sparse: 4 GiB of NUL bytes, no disk used
        (folder / "titles.txt").symlink_to(huge)
        path = "titles.txt"
    result = _run(folder, "pages", "--titles", path)
    _one_line_error(result, 2, "list of titles", path, "more than 64 MiB")


def test_titles_from_a_closed_stdin_is_one_line_and_exit_2(folder: Path) -> None:
    def close_stdin() -> None:
        _limit_memory()
        os.close(0)

    result = subprocess.run(
        [str(PROGRAM), "-c", str(folder / "wikisync.toml"), "pages", "--titles", "-"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"},
        preexec_fn=close_stdin,
    )
    _one_line_error(result, 2, "list of titles", "standard input is closed")


#: Every command on the example (a mirror folder), writing nothing to the site.
FULL_STDOUT_ARGS: dict[str, list[str]] = {
    "apply": ["-"],
    "changes": ["event"],
    "check": ["-f", "json"],
    "example": ["{tmp}/example-copy"],
    "export": ["event", "-o", "-"],
    "import": ["event", "-"],
    "init": ["-o", "{tmp}/new.toml"],
    "new": ["event", "Nouvel atelier", "startDate=2030-01-01", "--dry-run"],
    "pages": ["Evénement"],
    "plan": ["-o", "-"],
    "pull": ["Evénement", "{tmp}/pulled"],
    "push": ["{tmp}/mirror", "--dry-run"],
    "rebuild": ["--dry-run"],
    "records": ["event"],
    "remove-param": ["Event", "Tags", "--dry-run"],
    "rename-param": ["Event", "Tags", "Etiquettes", "--dry-run"],
    "render": ["communs"],
    "replace": ["Lyon", "Lugdunum", "--namespace", "0", "--dry-run"],
    "set": ["event", "place=Lyon", "--dry-run"],
    "status": ["{tmp}/mirror"],
    "watch": ["--once"],
}


def test_every_command_is_walked_on_a_full_standard_output() -> None:
    from tests.unit.test_cli_signals import ARGS

    assert sorted(FULL_STDOUT_ARGS) == sorted(ARGS)


@pytest.mark.parametrize("command", sorted(FULL_STDOUT_ARGS))
def test_every_command_meets_a_full_standard_output_in_one_line(
    tmp_path: Path, command: str
) -> None:
    # The same run twice, on two copies: standard output a pipe, then /dev/full. A command
    # that writes data there ends in one line and exit 2; one that writes none is unmoved.
    results = []
    for run, stdout in (("piped", subprocess.PIPE), ("full", "/dev/full")):
        place = tmp_path / run
        subprocess.run(["cp", "-r", str(EXAMPLE), str(place)], check=True)
        args = [arg.replace("{tmp}", str(place)) for arg in FULL_STDOUT_ARGS[command]]
        with open(os.devnull if stdout != "/dev/full" else "/dev/full", "wb") as sink:
            results.append(
                subprocess.run(
                    [str(PROGRAM), "-c", str(place / "wikisync.toml"), command, *args],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE if stdout == subprocess.PIPE else sink,
                    stderr=subprocess.PIPE,
                    text=True,
                    timeout=120,
                    cwd=place,
                    env={"PATH": "/usr/bin:/bin", "HOME": str(place), "LANG": "C.UTF-8"},
                )
            )
    piped, full = results
    for result in results:
        assert "Traceback" not in result.stderr, result.stderr
        assert "Exception ignored" not in result.stderr, result.stderr
    if piped.stdout:
        assert full.returncode == 2, (piped.returncode, full.stderr)
        last = full.stderr.strip().splitlines()[-1]
        assert last == "wikisync: error: cannot write standard output: No space left on device"
    else:
        assert full.returncode == piped.returncode, (piped.stderr, full.stderr)


@pytest.mark.parametrize(
    "args",
    [
        ("pages", "Acteur"),
        ("records", "event", "-f", "csv", "-o", "-"),
        ("records", "event", "-f", "jsonl"),
    ],
)
def test_a_full_standard_output_is_one_line_not_a_traceback(
    folder: Path, args: tuple[str, ...]
) -> None:
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [str(PROGRAM), "-c", str(folder / "wikisync.toml"), *args],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            cwd=folder,
            env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"},
        )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last == "wikisync: error: cannot write standard output: No space left on device"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("import", "event", "/dev/zero"), ("/dev/zero", "more than 256 MiB")),
        (("import", "event", "-"), ("standard input", "standard input is closed")),
    ],
)
def test_a_spreadsheet_too_big_or_a_closed_stdin_is_one_line_and_exit_2(
    folder: Path, args: tuple[str, ...], words: tuple[str, ...]
) -> None:
    def close_stdin() -> None:
        _limit_memory()
        os.close(0)

    result = subprocess.run(
        [str(PROGRAM), "-c", str(folder / "wikisync.toml"), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"},
        preexec_fn=close_stdin,
    )
    _one_line_error(result, 2, *words)
