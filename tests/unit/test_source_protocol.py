"""Every source is a context manager: ``with open_source(site) as source:`` closes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from wikisync.config import Config
from wikisync.dump.reader import DumpSource
from wikisync.mirror.reader import MirrorSource
from wikisync.sources import Source, open_source
from wikisync.wiki.reader import WikiSource

EXAMPLE_MIRROR = Path(__file__).parents[2] / "examples" / "fabmob" / "mirror"
DUMP = Path(__file__).parent.parent / "fixtures" / "dumps" / "fabmob-export-0.11.xml"


@pytest.mark.parametrize("kind", [MirrorSource, DumpSource, WikiSource])
def test_source_adapters_inherit_the_context_manager_from_the_protocol(kind: type) -> None:
    assert Source in kind.__mro__
    assert kind.__enter__ is Source.__enter__
    assert kind.__exit__ is Source.__exit__


@pytest.mark.parametrize("site", [EXAMPLE_MIRROR, DUMP], ids=["mirror", "dump"])
def test_open_source_with_block_reads_and_closes(site: Path) -> None:
    closed: list[str] = []
    with open_source(str(site)) as source:
        close = source.close
        source.close = lambda: (closed.append("closed"), close())[0]  # type: ignore[method-assign]
        assert source.list_category("Evénement")
        assert not closed
    assert closed == ["closed"]


def test_open_source_with_block_closes_when_the_block_raises() -> None:
    closed: list[str] = []
    with pytest.raises(KeyError, match="boom"), open_source(Config(site=str(EXAMPLE_MIRROR))) as s:
        s.close = lambda: closed.append("closed")  # type: ignore[method-assign]
        raise KeyError("boom")
    assert closed == ["closed"]


def test_source_close_twice_is_harmless() -> None:
    with open_source(str(DUMP)) as source:
        source.close()
    source.close()
