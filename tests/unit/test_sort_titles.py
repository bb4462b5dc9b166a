"""Titles sort as people read lists: numbers by value, accents with their letter."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from wikisync.cli import cli
from wikisync.core.errors import RecordError
from wikisync.core.french import sort_key_fr, sort_titles
from wikisync.core.pages import FRENCH, PageText
from wikisync.core.records import Record, RecordSet
from wikisync.core.render import sort_fr
from wikisync.mirror.writer import MirrorWriter, init_mirror
from wikisync.sources import open_source


@pytest.mark.parametrize(
    ("titles", "expected"),
    [
        (
            ["Atelier n°10", "Atelier n°2", "Atelier n°1"],
            ["Atelier n°1", "Atelier n°2", "Atelier n°10"],
        ),
        (["Atelier 10", "atelier 9", "Atelier 9"], ["Atelier 9", "atelier 9", "Atelier 10"]),
        (["2019", "2020", "999"], ["999", "2019", "2020"]),
        (["v1.10", "v1.9", "v1.9.1"], ["v1.9", "v1.9.1", "v1.10"]),
        (["Étude", "Eau", "etude", "Exposition"], ["Eau", "etude", "Étude", "Exposition"]),
        (["côte", "cote", "Côte", "coter"], ["cote", "Côte", "côte", "coter"]),
        (["Œuvre 2", "oeuvre 10", "Oeuvre 1"], ["Oeuvre 1", "Œuvre 2", "oeuvre 10"]),
        (["n°007", "n°7", "n°8"], ["n°007", "n°7", "n°8"]),
        (["Zoé", "zèbre", "Ça", "abri"], ["abri", "Ça", "zèbre", "Zoé"]),
    ],
)
def test_sort_titles_orders_numbers_by_value_and_accents_with_letters(
    titles: list[str], expected: list[str]
) -> None:
    assert sort_titles(titles) == expected
    assert sort_fr(titles) == expected  # the page templates' filter uses the same key


def test_sort_key_fr_digit_run_longer_than_int_conversion_limit() -> None:
    huge = "9" * 5000  # int() refuses strings past 4,300 digits
    assert sort_titles([f"n°{huge}", "n°10", f"n°1{huge}"]) == ["n°10", f"n°{huge}", f"n°1{huge}"]


@given(st.lists(st.text(max_size=12), max_size=12))
def test_sort_titles_is_a_total_order_whatever_the_input_order(titles: list[str]) -> None:
    ordered = sort_titles(titles)
    assert sorted(ordered) == sorted(titles)
    shuffled = titles[:]
    random.Random(len(titles)).shuffle(shuffled)
    assert sort_titles(shuffled) == ordered
    assert all(sort_key_fr(a) <= sort_key_fr(b) for a, b in itertools.pairwise(ordered))
    for a in titles:
        for b in titles:
            assert (sort_key_fr(a) == sort_key_fr(b)) == (a == b)


def test_record_set_in_title_order_keeps_each_pages_infoboxes_in_page_order() -> None:
    def record(title: str, index: int) -> Record:
        return Record(title, "event", 1, {}, index=index)

    found = RecordSet(
        "event",
        (record("n°10", 0), record("n°2", 0), record("n°10", 1), record("Été", 0)),
        (RecordError("b", title="n°10"), RecordError("a", title="n°2")),
        3,
    ).in_title_order()
    assert [(r.title, r.index) for r in found.records] == [
        ("Été", 0),
        ("n°2", 0),
        ("n°10", 0),
        ("n°10", 1),
    ]
    assert [p.title for p in found.problems] == ["n°2", "n°10"]
    assert found.page_count == 3


TITLES = ["Atelier n°10", "Atelier n°3", "Atelier n°2", "Échange vélo", "Eau et mobilité"]
EXPECTED = ["Atelier n°2", "Atelier n°3", "Atelier n°10", "Eau et mobilité", "Échange vélo"]


@pytest.fixture
def numbered_mirror(tmp_path: Path) -> Path:
    root = tmp_path / "mirror"
    init_mirror(root, site=None, namespaces=FRENCH)
    with MirrorWriter(root) as writer:
        for number, title in enumerate(TITLES):
            text = f"{{{{Event|startDate=2024-0{number + 1}-01}}}}"
            writer.write_page(
                PageText(title, text, 100 + number, "2024-01-01T00:00:00Z", 0, number + 1),
                categories=["Evénement"],
            )
    return root


def test_pages_and_records_list_titles_in_natural_order(numbered_mirror: Path) -> None:
    config = numbered_mirror.parent / "wikisync.toml"
    config.write_text(
        'site = "mirror"\n[types.event]\ncategories = ["Evénement"]\ntemplates = ["Event"]\n'
        '[types.event.fields]\nstartDate = "date"\n',
        encoding="utf-8",
    )
    pages = CliRunner().invoke(cli, ["-c", str(config), "pages", "Evénement"])
    assert pages.exit_code == 0, pages.output
    assert pages.stdout.splitlines() == EXPECTED
    with open_source(str(numbered_mirror)) as source:
        assert source.list_category("Evénement") == EXPECTED
    records = CliRunner().invoke(cli, ["-c", str(config), "records", "event", "-f", "jsonl"])
    assert records.exit_code == 0, records.output
    assert [json.loads(line)["title"] for line in records.stdout.splitlines()] == EXPECTED
