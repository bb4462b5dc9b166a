"""Fixtures shared by the unit tests: a writable copy of the bundled example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from wikisync.config import load_config
from wikisync.core.schema import RecordType
from wikisync.ops.collect import record_type_named
from wikisync.ports.source import Source
from wikisync.sources import open_source

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
