"""Fixtures shared by the integration tests (the wikis themselves: tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mediawiki import TestWiki
from wikisync.presets import load_preset


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache and locks in the test's folder, never the user's home; no stray settings."""
    monkeypatch.setenv("WIKISYNC_CACHE", str(tmp_path / "cache.sqlite"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("WIKISYNC_CONFIG", "WIKISYNC_PASSWORD", "WIKISYNC_SITE", "WIKISYNC_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def config_file(wiki: TestWiki, tmp_path: Path) -> Path:
    """A wikisync.toml for ``wiki``: its URL, the bot, the FabMob preset."""
    path = tmp_path / "wikisync.toml"
    path.write_text(
        f'site = "{wiki.url}"\nuser = "{wiki.bot_user}"\n\n{load_preset("fabmob")}',
        encoding="utf-8",
    )
    return path
