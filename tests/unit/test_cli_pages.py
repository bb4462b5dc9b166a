"""`wikisync pages` on the local sources: the bundled mirror and a dump file."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.make_example import SIZES
from wikisync.cli import cli
from wikisync.sources import open_source

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "fabmob"
DUMP = ROOT / "tests" / "fixtures" / "dumps" / "fabmob-export-0.11.xml"


@pytest.mark.parametrize("site", [EXAMPLE / "mirror", DUMP])
def test_cli_pages_on_local_sources_matches_library(site: Path) -> None:
    result = CliRunner().invoke(cli, ["--site", str(site), "pages", "Evénement"])
    assert result.exit_code == 0, result.output
    source = open_source(str(site))
    expected = source.list_category("Evénement")
    assert expected
    assert result.output.splitlines() == expected


def test_cli_pages_on_example_config_lists_its_events() -> None:
    result = CliRunner().invoke(cli, ["-c", str(EXAMPLE / "wikisync.toml"), "pages", "Evénement"])
    assert result.exit_code == 0, result.output
    titles = result.output.splitlines()
    assert len(titles) == SIZES["events"]
    assert titles == sorted(titles)


def test_cli_pages_recursive_on_dump_adds_subcategory_pages() -> None:
    flat = CliRunner().invoke(cli, ["--site", str(DUMP), "pages", "Evénement"])
    deep = CliRunner().invoke(cli, ["--site", str(DUMP), "pages", "Evénement", "-r"])
    assert deep.exit_code == 0, deep.output
    assert set(flat.output.splitlines()) < set(deep.output.splitlines())
    assert not any(t.startswith("Catégorie:") for t in deep.output.splitlines())
