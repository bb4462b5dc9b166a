"""Fixtures shared by the unit tests: a writable copy of the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wikisync.collect import record_type_named
from wikisync.config import load_config
from wikisync.schema import RecordType
from wikisync.sources import open_source
from wikisync.sources.base import Source

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fabmob"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A writable copy of the bundled example (configuration and mirror)."""
    folder = tmp_path / "fabmob"
    shutil.copytree(EXAMPLE, folder)
    return folder


@pytest.fixture
def source(example: Path) -> Source:
    """The example's mirror, opened as a source."""
    return open_source(str(example / "mirror"))


@pytest.fixture
def event(example: Path) -> RecordType:
    """The FabMob preset's event type, from the example's configuration."""
    return record_type_named(load_config(example / "wikisync.toml").types, "event")
