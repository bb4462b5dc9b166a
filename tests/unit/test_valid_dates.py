"""One definition of a valid date, shared by ``check`` and rendering (issue 11).

A page whose start date is no valid date (``startDate=0000``) is reported by
``check`` and, in a rebuild, placed under the events template's "Date à
préciser" part; the job succeeds.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.make_example import make_example
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.dates import DateValue, read_date, valid_date
from wikisync.core.fields.values import ValueFormatError, parse_value
from wikisync.core.french import parse_date as render_date
from wikisync.core.sections import find_section
from wikisync.ops.publish import MirrorTarget, read_page
from wikisync.sources import open_source

BAD_DATES = ["0000", "2024-13", "2024-00", "2024-02-30", "0000-01-01", "31/02/2024", "00/01/2024"]


@pytest.fixture(autouse=True)
def _private_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("WIKISYNC_CONFIG", raising=False)
    monkeypatch.delenv("WIKISYNC_SITE", raising=False)


def _cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-c", str(config), *args])


@pytest.mark.parametrize("text", BAD_DATES)
def test_check_and_render_agree_on_what_is_no_date(text: str) -> None:
    assert read_date(text) is None
    with pytest.raises(ValueFormatError):
        parse_value("date", text)
    with pytest.raises(ValueError):
        valid_date(text)
    with pytest.raises(ValueError):
        render_date(text)


@pytest.mark.parametrize("value", [DateValue(0, precision="year"), DateValue(2024, 13, 1)])
def test_a_date_value_out_of_range_is_no_valid_date(value: DateValue) -> None:
    with pytest.raises(ValueError, match="not a valid date"):
        valid_date(value)


@pytest.mark.parametrize("text", ["0001", "9999-12-31", "2024-02-29", "1er mai 2019"])
def test_check_and_render_agree_on_what_is_a_date(text: str) -> None:
    value = parse_value("date", text)
    assert isinstance(value, DateValue)
    assert valid_date(text) == value
    assert render_date(value.iso()) is not None


def test_zero_start_date_is_reported_by_check_and_placed_undated_by_rebuild(
    tmp_path: Path,
) -> None:
    make_example(tmp_path / "example")
    config_path = tmp_path / "example" / "wikisync.toml"
    config = load_config(config_path)
    source = open_source(config)
    title = "Atelier de l'été 2027 — rétrofit électrique"
    path = MirrorTarget(source).file_of(title)
    text = path.read_text(encoding="utf-8")
    assert "|startDate=2018-01-04" in text
    path.write_text(text.replace("|startDate=2018-01-04", "|startDate=0000"), encoding="utf-8")

    checked = _cli(config_path, "check", "event", "--strict")
    assert checked.exit_code == 1
    assert f'Page "{title}": field "startDate" should be a date, got "0000"' in checked.output

    rebuilt = _cli(config_path, "rebuild", "events", "--today", "2025-01-06")
    assert rebuilt.exit_code == 0, rebuilt.output
    page = read_page(open_source(load_config(config_path)), "Evénements")
    assert page is not None
    section = find_section(page.wikitext, "events")
    assert section is not None
    body = page.wikitext
    undated = body[body.index("== Date à préciser ==") :]
    assert f"[[{title}]]" in undated
    assert body.count(f"[[{title}]]") == 1


def test_records_and_render_agree_on_every_iso_like_text() -> None:
    # Seeded random texts shaped like the dates records carry: whatever check
    # accepts as an ISO date, render accepts, and whatever it refuses, render refuses.
    rng = random.Random(3)
    for _ in range(3000):
        year = f"{rng.randint(0, 9999):04d}"
        month = f"{rng.randint(0, 14):02d}"
        day = f"{rng.randint(0, 32):02d}"
        text = rng.choice([year, f"{year}-{month}", f"{year}-{month}-{day}", f"{year}{month}{day}"])
        try:
            value = parse_value("date", text)
        except ValueFormatError:
            value = None
        try:
            rendered = render_date(text)
        except ValueError:
            rendered = None
        assert (value is None) == (rendered is None), text
        if isinstance(value, DateValue) and rendered is not None:
            assert rendered[0] == value.to_date()
