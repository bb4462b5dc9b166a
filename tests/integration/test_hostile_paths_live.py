"""Hostile state paths against a real MediaWiki (issue 18, items 1 and 10).

The revision cache setting, in each of its spellings, naming a user's file
or a named pipe is refused with one line, never renamed or replaced; ``pull``
into a full or read-only mirror folder (a real tmpfs: needs root, as in CI;
the test fails with the reason otherwise) is one line, exit 2.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.mediawiki import TestWiki
from tests.mounts import tmpfs
from wikisync.cli import cli

NOTES = "# a user's notes: never to be renamed to notes.broken-<time>\n"


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_CACHE"):
        monkeypatch.delenv(name, raising=False)


def _invoke(wiki: TestWiki, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        cli,
        ["--site", wiki.url, "--user", wiki.bot_user, *args],
        env={"WIKISYNC_PASSWORD": wiki.bot_password, **(env or {})},
    )


def _one_error_line(result: Result, *phrases: str) -> None:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("wikisync: error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


@pytest.mark.parametrize("kind", ["file", "fifo"])
@pytest.mark.parametrize("spelling", ["flag", "toml", "env"])
def test_a_cache_setting_naming_a_users_file_is_refused(
    wiki: TestWiki, tmp_path: Path, spelling: str, kind: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    victim = home / "notes"
    if kind == "file":
        victim.write_text(NOTES, encoding="utf-8")
    else:
        os.mkfifo(victim)
    conf = tmp_path / "conf"
    conf.mkdir()
    config = conf / "wikisync.toml"
    config.write_text('cache = "../home/notes"\n' if spelling == "toml" else "", encoding="utf-8")
    args = ["-c", str(config)]
    env = {}
    if spelling == "flag":
        args += ["--cache", str(victim)]
    elif spelling == "env":
        env["WIKISYNC_CACHE"] = str(victim)
    result = _invoke(wiki, *args, "pages", "Evénement", env=env)
    why = "not a cache wikisync made" if kind == "file" else "is a named pipe"
    _one_error_line(result, 'revision cache "', 'home/notes"', why)
    assert sorted(p.name for p in home.iterdir()) == ["notes"]  # no notes.broken-*, no -wal
    if kind == "file":
        assert victim.read_text(encoding="utf-8") == NOTES


def test_pull_into_a_read_only_or_full_mirror_is_one_line(wiki: TestWiki, tmp_path: Path) -> None:
    with tmpfs(tmp_path / "ro", "ro,size=1m") as read_only:
        result = _invoke(wiki, "--no-cache", "pull", "Evénement", str(read_only / "mirror"))
        _one_error_line(result, "Read-only file system")
        assert list(read_only.iterdir()) == []
    with tmpfs(tmp_path / "full", "size=48k") as full:
        result = _invoke(wiki, "--no-cache", "pull", "Evénement", str(full / "mirror"))
        _one_error_line(result, "No space left on device")
        leftovers = [p for p in (full / "mirror").rglob(".wikisync-*.tmp")]
        assert leftovers == []
    # The same pull into a roomy folder works: the failures were the file systems'.
    result = _invoke(wiki, "--no-cache", "pull", "Evénement", str(tmp_path / "ok"))
    assert result.exit_code == 0, result.output
    shutil.rmtree(tmp_path / "ok")
