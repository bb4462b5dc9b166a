"""Hostile paths (issue 18): every path wikisync writes or reads as state is its own or refused.

Each case asserts one ``wikisync: error:`` line (or the library error), the
exit code, that nothing was written, renamed or read where it should not be,
and a bounded time: a named pipe must never block a run.

- the revision cache (``--cache``, ``cache =`` relative to wikisync.toml,
  ``WIKISYNC_CACHE``) naming a file wikisync did not make, a folder, a named
  pipe, a device, a link: refused, never renamed or replaced;
- odd mirror states (a folder at ``.wikisync/lock``, a file at ``.wikisync``,
  ``_main`` or ``.wikisync/base``);
- state files nested 100,000 deep or holding a 5,000-digit number
  (``pages.jsonl``, ``wikisync-mirror.json``, the journal, a changeset, the
  lock's sidecar, cached records; wikisync.toml and dumps are in the
  tests/hostile corpus);
- outputs on a full disk (/dev/full and a full tmpfs), a read-only file
  system (a read-only tmpfs), /proc and /sys, and ``rebuild --report`` on a
  read-only folder saving nothing;
- file jobs whose file is a named pipe, a device or a folder;
- the first SIGTERM stopping a run that does not reach a page boundary, and
  releasing the run lock;
- ``wikisync example`` into a shared folder where links are planted while it copies.

Mounting a tmpfs needs root (the CI runs as root): where it is impossible,
those tests FAIL with the reason rather than skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.mounts import tmpfs
from wikisync.cli import cli
from wikisync.config import Config, load_config
from wikisync.core.errors import ConfigError, UnsafePathError, WikisyncError
from wikisync.core.pages import PageText
from wikisync.files import read_regular
from wikisync.loaders import parse_json
from wikisync.mirror.writer import MirrorWriter
from wikisync.ops.example import copy_example
from wikisync.ops.lock import RunLock, read_holder
from wikisync.ops.record_cache import decode_page_records
from wikisync.wiki.cache import open_cache

#: What a hostile state file holds: nesting deeper than any stack, a number too long to print.
DEEP = "[" * 100_000
LONG = "1" * 5000
#: Seconds any refused case may take (a blocked pipe would take forever).
BOUND = 10.0
EXAMPLE_MIRROR = Path(__file__).resolve().parents[2] / "examples" / "fabmob" / "mirror"
AGENDA = '\n[jobs.agenda]\ntype = "event"\nfile = "public/agenda.ics"\n'


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_CACHE", "WIKISYNC_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def _bounded(function: Callable[[], Any], seconds: float = BOUND) -> Any:
    """Run ``function`` in a daemon thread; fail if it has not returned within ``seconds``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function()
        except BaseException as exc:
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (blocked on a pipe?)"
    assert time.monotonic() - started < seconds
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


def _cli(*args: str) -> Result:
    return _bounded(lambda: CliRunner().invoke(cli, list(args), catch_exceptions=True))


def _one_error_line(result: Result, exit_code: int, *phrases: str) -> str:
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"escaped {result.exception!r}") from result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("wikisync: error: "), lines
    for phrase in phrases:
        assert phrase in lines[0], lines[0]
    return lines[0]


def _tree(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry below ``folder`` (links not followed): kind, size and mtime."""
    found = {}
    for path in sorted(folder.rglob("*")):
        st = os.lstat(path)
        found[str(path.relative_to(folder))] = (stat.S_IFMT(st.st_mode), st.st_size, st.st_mtime_ns)
    return found


def _device(path: Path) -> None:
    """A character device node like /dev/null (needs root, as in CI: fails otherwise)."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError as exc:
        pytest.fail(f"cannot make a device node to test with (needs root): {exc}")


# -- the revision cache: only wikisync's own file is opened, anything else refused --------


def _odd_path(tmp_path: Path, kind: str) -> tuple[Path, Callable[[], Any]]:
    """A path holding ``kind``, and a function saying what is there (to compare after)."""
    path = tmp_path / "victim"
    if kind == "file":
        path.write_text("# a user's notes\n", encoding="utf-8")
    elif kind == "folder":
        path.mkdir()
        (path / "inside.txt").write_text("keep", encoding="utf-8")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        _device(path)
    elif kind == "link":
        (tmp_path / "target.txt").write_text("keep", encoding="utf-8")
        path.symlink_to(tmp_path / "target.txt")
    elif kind == "sqlite":
        with contextlib.closing(sqlite3.connect(path)) as db:
            db.execute("CREATE TABLE notes (text)")
            db.execute("INSERT INTO notes VALUES ('a database of another program')")
            db.commit()
    elif kind == "empty":
        path.write_bytes(b"")
    return path, lambda: _tree(tmp_path)


CACHE_KINDS = ["file", "empty", "folder", "fifo", "device", "link", "sqlite"]


@pytest.mark.parametrize("kind", CACHE_KINDS)
@pytest.mark.parametrize("spelling", ["flag", "toml", "env"])
def test_cache_setting_never_replaces_what_wikisync_did_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, spelling: str
) -> None:
    config_file = tmp_path / "conf" / "wikisync.toml"
    config_file.parent.mkdir()
    path, state = _odd_path(tmp_path, kind)
    if spelling == "toml":  # relative to the file: ../victim
        config_file.write_text('cache = "../victim"\n', encoding="utf-8")
        config = load_config(config_file)
    elif spelling == "env":
        monkeypatch.setenv("WIKISYNC_CACHE", str(path))
        config = load_config(None)
    else:
        config = load_config(None, overrides={"cache": str(path)})
    before = state()
    assert Path(str(config.cache)).resolve() == path.resolve()
    with pytest.raises(UnsafePathError) as caught:
        _bounded(lambda: open_cache(config))
    message = str(caught.value)
    assert f'revision cache "{config.cache}"' in message and "\n" not in message
    assert state() == before  # nothing renamed, written or made (no .broken-*, no -wal)


def test_cache_is_made_complete_and_reopened(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "revisions.sqlite"
    cache = open_cache(Config(cache=str(path)))
    assert cache is not None
    cache.close()
    assert sorted(p.name for p in path.parent.iterdir()) == ["revisions.sqlite"]
    header = read_regular(path, "cache", limit=100)
    assert header is not None and header.startswith(b"SQLite format 3\0")
    assert int.from_bytes(header[68:72], "big") == 0x776B7363  # "wksc" from the first byte
    again = open_cache(Config(cache=str(path)))
    assert again is not None
    again.close()


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
@pytest.mark.parametrize("kind", ["link", "dangling link", "folder", "fifo"])
def test_cache_sidecar_that_is_not_a_plain_file_is_refused(
    tmp_path: Path, suffix: str, kind: str
) -> None:
    # SQLite opens its -wal, -shm and -journal files beside the database, following links:
    # one planted there must not make it write into (or create) the file it names.
    path = tmp_path / "cache" / "revisions.sqlite"
    made = open_cache(Config(cache=str(path)))
    assert made is not None
    made.close()
    victim = tmp_path / "victim"
    sidecar = Path(f"{path}{suffix}")
    for leftover in path.parent.glob("revisions.sqlite-*"):
        leftover.unlink()
    if kind == "link":
        victim.write_text("a user's notes\n", encoding="utf-8")
        sidecar.symlink_to(victim)
    elif kind == "dangling link":
        sidecar.symlink_to(victim)
    elif kind == "folder":
        sidecar.mkdir()
    else:
        os.mkfifo(sidecar)
    before = _tree(tmp_path)
    with pytest.raises(UnsafePathError) as caught:
        _bounded(lambda: open_cache(Config(cache=str(path))))
    message = str(caught.value)
    assert f'revision cache "{path}"' in message and suffix[1:] in message
    assert "\n" not in message
    assert _tree(tmp_path) == before  # nothing written, made or renamed
    assert kind != "dangling link" or not victim.exists()


def test_cache_made_by_two_processes_at_once_is_one_file(tmp_path: Path) -> None:
    path = tmp_path / "revisions.sqlite"
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            cache = open_cache(Config(cache=str(path)))
            assert cache is not None
            cache.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(BOUND)
    assert errors == []
    assert not list(tmp_path.glob("*.broken-*")) and not list(tmp_path.glob(".*.tmp"))


# -- odd states in a mirror: one line, exit 2, nothing written ------------------------------


def _mirror_with(example: Path, oddity: str) -> Path:
    mirror = example / "mirror"
    state = mirror / ".wikisync"
    if oddity == "folder at .wikisync/lock":
        (state / "lock").mkdir(parents=True)
    elif oddity == "fifo at .wikisync/lock":
        state.mkdir(exist_ok=True)
        os.mkfifo(state / "lock")
    elif oddity == "file at .wikisync":
        shutil.rmtree(state, ignore_errors=True)
        state.write_text("x", encoding="utf-8")
    elif oddity == "file at _main":
        shutil.rmtree(mirror / "_main")
        (mirror / "_main").write_text("x", encoding="utf-8")
    elif oddity == "file at .wikisync/base":
        state.mkdir(exist_ok=True)
        (state / "base").write_text("x", encoding="utf-8")
    elif oddity == "folder at .wikisync/journal.jsonl":
        (state / "journal.jsonl").mkdir(parents=True)
    return mirror


ODDITIES = {
    "folder at .wikisync/lock": "lock",
    "fifo at .wikisync/lock": "lock",
    "file at .wikisync": ".wikisync",
    "file at _main": "_main",
    "file at .wikisync/base": "base",
    "folder at .wikisync/journal.jsonl": "journal.jsonl",
}


@pytest.mark.parametrize("oddity", list(ODDITIES))
def test_set_on_a_mirror_in_an_odd_state_is_one_line(example: Path, oddity: str) -> None:
    mirror = _mirror_with(example, oddity)
    before = _tree(mirror)
    result = _cli("-c", str(example / "wikisync.toml"), "set", "event", "place=Lyon")
    line = _one_error_line(result, 2)
    assert ODDITIES[oddity] in line
    assert _tree(mirror) == before


@pytest.mark.parametrize("oddity", list(ODDITIES))
def test_pulling_into_a_mirror_in_an_odd_state_is_refused(example: Path, oddity: str) -> None:
    # What pull does with each page it fetches: MirrorWriter.write_page.
    mirror = _mirror_with(example, oddity)
    before = _tree(mirror)
    page = PageText("Nouvelle page", "texte", 7, "2025-01-01T00:00:00Z", 0, 99)

    def pull_one() -> None:
        with MirrorWriter(mirror, durable=False) as writer:
            writer.write_page(page)

    with pytest.raises(UnsafePathError) as caught:
        _bounded(pull_one)
    assert ODDITIES[oddity] in str(caught.value)
    after = _tree(mirror)
    if oddity == "file at _main":  # found after the writer took its lock
        assert after.pop(".wikisync/lock")[1] == 0
        after[".wikisync"], before[".wikisync"] = after[".wikisync"][:2], before[".wikisync"][:2]
    assert after == before


# -- state files a stack or int() cannot swallow --------------------------------------------


def _replace_line(path: Path, number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[number] = text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _entry_with(mirror: Path, key: str, raw: str) -> str:
    first = json.loads((mirror / "pages.jsonl").read_text(encoding="utf-8").splitlines()[0])
    text = json.dumps(first, ensure_ascii=False)
    return text.replace(f'"{key}": {json.dumps(first[key])}', f'"{key}": {raw}')


STATE_FILES = ["pages.jsonl", "wikisync-mirror.json", "journal"]


@pytest.mark.parametrize("content", ["deep", "long"])
@pytest.mark.parametrize("state_file", STATE_FILES)
def test_hostile_mirror_metadata_is_one_line(example: Path, state_file: str, content: str) -> None:
    mirror = example / "mirror"
    hostile = DEEP if content == "deep" else LONG
    if state_file == "pages.jsonl":
        key = "categories" if content == "deep" else "revid"
        _replace_line(mirror / "pages.jsonl", 0, _entry_with(mirror, key, hostile))
    elif state_file == "wikisync-mirror.json":
        (mirror / "wikisync-mirror.json").write_text(
            '{"format": ' + hostile + "}\n", encoding="utf-8"
        )
    else:  # not the last line: a torn last line is forgiven as a crash's
        good = (mirror / "pages.jsonl").read_text(encoding="utf-8").splitlines()[1]
        (mirror / ".wikisync").mkdir(exist_ok=True)
        bad = _entry_with(mirror, "categories" if content == "deep" else "pageid", hostile)
        (mirror / ".wikisync" / "journal.jsonl").write_text(f"{bad}\n{good}\n", encoding="utf-8")
    before = _tree(mirror)
    result = _cli("-c", str(example / "wikisync.toml"), "records", "event", "-f", "json")
    phrase = "nested more than 32 deep" if content == "deep" else "longer than 30 digits"
    _one_error_line(result, 2, phrase)
    assert _tree(mirror) == before


@pytest.mark.parametrize("content", ["deep", "long"])
def test_hostile_changeset_is_one_line(example: Path, content: str) -> None:
    config = str(example / "wikisync.toml")
    plan = example / "plan.json"
    hostile = DEEP if content == "deep" else LONG
    plan.write_text(
        '{"kind": "wikisync-changeset", "format": 1, "pages": [{"base_revid": ' + hostile + "}]}\n",
        encoding="utf-8",
    )
    before = _tree(example / "mirror")
    result = _cli("-c", config, "apply", str(plan))
    phrase = "nested more than 32 deep" if content == "deep" else "longer than 30 digits"
    _one_error_line(result, 2, f"changeset {plan}", phrase)
    assert _tree(example / "mirror") == before


@pytest.mark.parametrize("hostile", [DEEP, f'{{"pid": {LONG}}}', '{"pid": NaN}'])
def test_hostile_lock_sidecar_names_no_holder(tmp_path: Path, hostile: str) -> None:
    sidecar = tmp_path / "x.lock.json"
    sidecar.write_text(hostile, encoding="utf-8")
    assert read_holder(sidecar) is None


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_an_odd_lock_sidecar_never_blocks_the_lock(tmp_path: Path, kind: str) -> None:
    lock_path = tmp_path / "run.lock"
    sidecar = tmp_path / "run.lock.json"
    if kind == "fifo":
        os.mkfifo(sidecar)
    else:
        sidecar.mkdir()
    assert _bounded(lambda: read_holder(sidecar)) is None

    def lock_and_release() -> None:
        with RunLock(lock_path, command="t"):
            pass

    _bounded(lock_and_release)
    assert stat.S_IFMT(os.lstat(sidecar).st_mode) in (stat.S_IFIFO, stat.S_IFDIR)


@pytest.mark.parametrize("kind", ["folder", "fifo", "device"])
def test_an_odd_run_lock_file_is_refused(tmp_path: Path, kind: str) -> None:
    lock_path = tmp_path / "run.lock"
    if kind == "folder":
        lock_path.mkdir()
    elif kind == "fifo":
        os.mkfifo(lock_path)
    else:
        _device(lock_path)
    with pytest.raises(UnsafePathError, match=r"lock file .*run\.lock"):
        _bounded(lambda: RunLock(lock_path, command="t").acquire())


@pytest.mark.parametrize("hostile", [DEEP, '{"title": "x", "records": [], "problems": [' + LONG])
def test_hostile_cached_records_are_not_trusted(hostile: str) -> None:
    with pytest.raises(ValueError):
        decode_page_records(hostile)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (DEEP, "nested more than 32 deep: line 1 column 33"),
        ('{"a": [1, ' + LONG + "]}", "longer than 30 digits: line 1 column 11"),
        ('{"a": 1e' + LONG + "}", "longer than 30 digits"),
        ('{"a": -Infinity}', "Infinity is not a JSON number"),
        ("[" * 33 + "]" * 33, "nested more than 32 deep"),
    ],
)
def test_parse_json_bounds_depth_and_digits(text: str, message: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=message):
        _bounded(lambda: parse_json(text), 5.0)


def test_parse_json_reads_what_wikisync_writes() -> None:
    text = json.dumps({"a": [[[1, 2.5, "[[[[", None, True]]], "b": 10**20})
    assert parse_json(text) == json.loads(text)


# -- outputs that cannot be written: one line, exit 2, nothing saved first -------------------


@pytest.mark.parametrize(
    ("output", "reason"),
    [
        ("/dev/full", "No space left on device"),
        ("/proc/version", 'creating a file in folder "/proc"'),
        ("/proc/self/wikisync.json", 'creating a file in folder "/proc/self"'),
        ("/sys/kernel/wikisync.json", 'creating a file in folder "/sys/kernel"'),
    ],
)
def test_records_to_an_output_that_cannot_be_written(
    example: Path, output: str, reason: str
) -> None:
    result = _cli("-c", str(example / "wikisync.toml"), "records", "event", "-o", output)
    _one_error_line(result, 2, f'cannot write "{output}"', reason)


def test_records_to_a_read_only_and_to_a_full_file_system(example: Path, tmp_path: Path) -> None:
    config = str(example / "wikisync.toml")
    with tmpfs(tmp_path / "ro", "ro,size=1m") as read_only:
        result = _cli("-c", config, "records", "event", "-o", str(read_only / "e.json"))
        _one_error_line(result, 2, "Read-only file system")
        assert list(read_only.iterdir()) == []
    with tmpfs(tmp_path / "full", "size=64k") as full:
        (full / "filler").write_bytes(b"\0" * 64 * 1024)
        result = _cli("-c", config, "records", "event", "-o", str(full / "e.json"))
        _one_error_line(result, 2, "No space left on device")
        assert [p.name for p in full.iterdir()] == ["filler"]  # no temporary file left


@pytest.mark.parametrize("where", ["read-only", "proc"])
def test_rebuild_checks_its_report_path_before_saving_anything(
    example: Path, tmp_path: Path, where: str
) -> None:
    mirror = example / "mirror"
    before = _tree(mirror)
    config = str(example / "wikisync.toml")
    with contextlib.ExitStack() as stack:
        if where == "read-only":
            folder = stack.enter_context(tmpfs(tmp_path / "ro", "ro,size=1m"))
        else:
            folder = Path("/proc")
        report = folder / "r.json"
        result = _cli("-c", config, "rebuild", "--today", "2025-01-06", "--report", str(report))
        _one_error_line(result, 2, f'cannot write "{report}"')
    assert _tree(mirror) == before  # no index page saved


def test_pull_into_a_full_or_read_only_mirror_is_one_error(example: Path, tmp_path: Path) -> None:
    page = PageText("Nouvelle page", "texte " * 4000, 7, "2025-01-01T00:00:00Z", 0, 99)

    def pull_into(mirror: Path) -> None:
        with MirrorWriter(mirror, durable=False) as writer:
            writer.write_page(page)

    with tmpfs(tmp_path / "full", "size=256k") as full:
        shutil.copytree(example / "mirror", full / "mirror")
        free = shutil.disk_usage(full).free
        (full / "filler").write_bytes(b"\0" * max(free - 4096, 0))
        with pytest.raises(UnsafePathError, match="No space left on device"):
            _bounded(lambda: pull_into(full / "mirror"))
    with tmpfs(tmp_path / "ro", "size=1m") as read_only:
        shutil.copytree(example / "mirror", read_only / "mirror")
        (read_only / "mirror" / ".wikisync").mkdir(exist_ok=True)
        subprocess.run(["mount", "-o", "remount,ro", str(read_only)], check=True)
        before = _tree(read_only)
        with pytest.raises(UnsafePathError, match="Read-only file system"):
            _bounded(lambda: pull_into(read_only / "mirror"))
        assert _tree(read_only) == before


# -- file jobs: only a regular file is read or replaced -------------------------------------


@pytest.mark.parametrize(
    ("kind", "phrase"), [("fifo", "a named pipe"), ("device", "a device"), ("folder", "a folder")]
)
def test_a_file_job_never_reads_a_pipe_or_a_device(example: Path, kind: str, phrase: str) -> None:
    config = example / "wikisync.toml"
    config.write_text(config.read_text(encoding="utf-8") + AGENDA, encoding="utf-8")
    target = example / "public" / "agenda.ics"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        _device(target)
    else:
        target.mkdir()
    before = _tree(example)
    result = _cli("-c", str(config), "rebuild", "agenda", "--today", "2025-01-06")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == 1, result.output  # a failed job, as for a missing folder
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if "agenda.ics" in line]
    assert len(lines) == 1 and f"is {phrase}" in lines[0], result.stderr
    assert _tree(example) == before


# -- the first SIGTERM stops a run that never reaches a page boundary ------------------------

_STUCK_RUN = """
import sys, time
from pathlib import Path
from wikisync.interrupt import Interrupted, stop_on_signals
from wikisync.ops.lock import RunLock
try:
    with stop_on_signals(grace=float(sys.argv[2])), RunLock(Path(sys.argv[1]), command="t"):
        print("locked", flush=True)
        time.sleep(600)  # a page whose request hangs
except Interrupted as exc:
    print(exc, file=sys.stderr)
    sys.exit(128 + exc.signum)
"""


def test_the_first_sigterm_stops_a_stuck_run_and_frees_the_lock(tmp_path: Path) -> None:
    lock_path = tmp_path / "run.lock"
    process = subprocess.Popen(
        [sys.executable, "-c", _STUCK_RUN, str(lock_path), "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "locked\n"
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)  # once, as `timeout` sends it
        _, err = process.communicate(timeout=BOUND)
    finally:
        process.kill()
    assert process.returncode == 143, err
    assert time.monotonic() - started < 1 + 5
    assert "SIGTERM received: stopping after the page in flight" in err
    assert "stopped at once, 1 s after SIGTERM" in err
    with RunLock(lock_path, command="next"):  # free at once
        pass


# -- `wikisync example` into a folder others can write ------------------------------------


@pytest.mark.parametrize("kind", ["file", "link", "non-empty", "other user's"])
def test_example_refuses_a_target_it_should_not_fill(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "ex"
    victim = tmp_path / "victim"
    victim.mkdir()
    if kind == "file":
        target.write_text("keep", encoding="utf-8")
    elif kind == "link":
        target.symlink_to(victim)
    elif kind == "non-empty":
        target.mkdir()
        (target / "notes.txt").write_text("keep", encoding="utf-8")
    else:
        if os.geteuid() != 0:
            pytest.fail("giving a folder to another user needs root (as in CI)")
        target.mkdir()
        os.chown(target, 65534, 65534)
    before = _tree(tmp_path)
    if kind == "file":  # the command line's own check (click) says so first: the library too
        with pytest.raises(ConfigError, match="exists and is not a folder"):
            copy_example(target)
        assert CliRunner().invoke(cli, ["example", str(target)]).exit_code == 2
    else:
        result = _cli("example", str(target))
        _one_error_line(result, 2, str(target), "name a new folder for the example")
    assert _tree(tmp_path) == before


def test_example_never_follows_links_planted_while_it_copies(tmp_path: Path) -> None:
    shared = tmp_path / "shared"  # as /tmp: everyone may write here
    shared.mkdir(mode=0o777)
    outside = tmp_path / "outside"
    outside.mkdir()
    victim = outside / "victim.txt"
    victim.write_text("keep", encoding="utf-8")
    names = ["wikisync.toml", "mirror", "mirror/_main", "mirror/pages.jsonl", "mirror/.wikisync"]
    refused = succeeded = 0
    for attempt in range(12):
        target = shared / f"ex{attempt}"
        stop = threading.Event()

        def plant(target: Path = target, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                for name in names:
                    with contextlib.suppress(OSError):
                        (target / name).symlink_to(victim if "." in name else outside)

        attacker = threading.Thread(target=plant, daemon=True)
        attacker.start()
        try:
            _bounded(lambda target=target: copy_example(target))
            succeeded += 1
        except ConfigError as exc:
            reasons = ("appeared while copying", "cannot be made", "is not an empty folder")
            assert any(reason in str(exc) for reason in reasons), exc
            refused += 1
        finally:
            stop.set()
            attacker.join(BOUND)
        assert victim.read_text(encoding="utf-8") == "keep"
        # The attacker's own links may land there (through its link at mirror/); no file
        # or folder of wikisync's may.
        made = [p.name for p in outside.iterdir() if not p.is_symlink()]
        assert made == ["victim.txt"]
    assert refused + succeeded == 12 and refused > 0, (refused, succeeded)


# -- fuzz: state files mutated at random (bench/soak_fuzz.py runs these longer) --------------

FUZZ = settings(
    max_examples=int(os.environ.get("WIKISYNC_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
_JSONISH = st.text(alphabet=st.sampled_from(list('[]{}",:0123456789-+.eE \\nNaInfitylu')))
_PIECES = st.sampled_from(["[" * 5000, "9" * 5000, "{", "}", "NaN", "-", "\x00", '"', "\\", "é"])


@FUZZ
@given(text=_JSONISH)
def test_fuzz_parse_json_raises_only_decode_errors(text: str) -> None:
    try:
        value = parse_json(text)
    except json.JSONDecodeError:
        return
    assert value == json.loads(text)


@FUZZ
@given(
    name=st.sampled_from(["pages.jsonl", "wikisync-mirror.json"]),
    cuts=st.lists(st.tuples(st.floats(0, 1), _PIECES), min_size=1, max_size=3),
)
def test_fuzz_mutated_mirror_metadata_raises_only_source_errors(
    example: Path, name: str, cuts: list[tuple[float, str]]
) -> None:
    from wikisync.mirror.layout import load_metadata

    mirror = example / "mirror"
    original = (EXAMPLE_MIRROR / name).read_text(encoding="utf-8")
    text = original
    for where, piece in cuts:
        at = int(where * len(text))
        text = text[:at] + piece + text[at:]
    (mirror / name).write_text(text, encoding="utf-8")
    try:
        load_metadata(mirror)
    except WikisyncError as exc:  # one line naming the file; anything else escapes and fails
        assert "\n" not in str(exc) and name in str(exc), str(exc)
    finally:
        (mirror / name).write_text(original, encoding="utf-8")
