"""When mwparserfromhell's two tokenizers disagree, or an infobox sits inside one left open.

The C tokenizer stops at a NUL character (mwparserfromhell issue #355) where the
pure-Python one reads on: a real disagreement, and the same shape as the
C tokenizer missing the outer ``{{Infobox officeholder}}`` of a long page (its
``{{`` left in plain text). Where the C tree leaves the infobox open, the page
is parsed again with the pure-Python tokenizer; where both agree that an
infobox is not closed, nothing inside it is read or edited as the page's.
"""

from __future__ import annotations

from pathlib import Path

import mwparserfromhell
import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.core.edit_checks import EditError
from wikisync.core.edits import read_params, set_params
from wikisync.core.pages import PageText
from wikisync.core.parse_budget import opened_names, parse_pure, parse_risk
from wikisync.core.records import parse_page
from wikisync.core.schema import load_record_types

OFFICEHOLDER = load_record_types(
    {
        "officeholder": {
            "templates": ["Infobox officeholder"],
            "fields": {"name": "text", "office": "text", "birth_date": "date"},
        }
    }
)["officeholder"]

# An outer infobox never closed, holding an embedded sub-box (the shape of the
# Angela Merkel page as the C tokenizer sees it).
OPEN_OUTER = (
    "{{Infobox officeholder\n| name = Angela Merkel\n| birth_date = {{birth date|1954|7|17}}\n"
    "| embed = {{Infobox officeholder\n | office = Leader of the CDU\n }}\n"
    "\n'''Angela Dorothea Merkel''' is a German politician.\n"
)


def test_the_c_tokenizer_stops_at_nul_and_the_pure_python_one_reads_on() -> None:
    text = "{{Infobox officeholder\n| name = A\u0000B\n| office = Chancellor\n}}\nText."
    assert str(mwparserfromhell.parse(text)) != text  # the C tokenizer's tree is cut
    code = parse_pure(text)
    assert code is not None and str(code) == text
    found = parse_page(PageText("Merkel", text), OFFICEHOLDER)
    assert not found.problems, [str(p) for p in found.problems]
    (record,) = found.records
    assert record["office"] == "Chancellor"


def test_an_infobox_inside_one_left_open_is_not_read_in_its_place() -> None:
    found = parse_page(PageText("Angela Merkel", OPEN_OUTER), OFFICEHOLDER)
    assert found.records == ()  # never the sub-box's values as the page's
    (problem,) = found.problems
    message = str(problem)
    assert "{{Infobox officeholder}} infobox is not closed" in message
    assert "after it (inside it, as far as the parser can tell) is not read" in message
    assert read_params(OPEN_OUTER, ["Infobox officeholder"]) == ()


@pytest.mark.parametrize("index", [None, 0])
def test_an_edit_never_touches_an_infobox_inside_one_left_open(index: int | None) -> None:
    with pytest.raises(EditError) as caught:
        set_params(
            OPEN_OUTER,
            ["Infobox officeholder"],
            {"birth_date": "{{birth date|1954|7|17}}"},
            index=index,
            title="Angela Merkel",
        )
    message = str(caught.value)
    assert message.startswith('Page "Angela Merkel": the {{Infobox officeholder}} infobox is not')
    assert "wikisync edits neither" in message


def test_an_infobox_before_a_broken_one_is_still_read_and_edited() -> None:
    text = (
        "{{Infobox officeholder\n| office = Mayor\n}}\nLater: {{Infobox officeholder | office = x"
    )
    found = parse_page(PageText("P", text), OFFICEHOLDER)
    assert [record["office"] for record in found.records] == ["Mayor"]
    assert any("is not closed" in str(problem) for problem in found.problems)
    edited = set_params(text, ["Infobox officeholder"], {"office": "Maire"}, index=0)
    assert edited.wikitext == text.replace("Mayor", "Maire", 1)


def test_parse_pure_gives_no_second_opinion_on_a_costly_page() -> None:
    costly = "{{x|" * 3000
    assert not parse_risk(costly).safe
    assert parse_pure(costly) is None
    assert parse_pure("{{Infobox officeholder|name=A}}") is not None


def test_opened_names_reads_the_names_left_open() -> None:
    assert opened_names("x {{Infobox person\n| name = A {{small|b}}") == ["Infobox person", "small"]
    assert opened_names("no braces") == []


def test_set_leaves_the_page_alone_and_edits_the_others(example: Path) -> None:
    page = example / "mirror" / "_main" / "Infobox ouverte.wiki"
    text = (
        "{{Event\n|startDate=2025-03-01\n|place={{Event|place=Salle B}}\n"
        "Texte.\n[[Catégorie:Evénement]]\n"
    )
    page.write_text(text, encoding="utf-8")
    folder = example / "mirror" / "_main"
    before = {p.name: p.read_bytes() for p in folder.glob("*.wiki")}
    result = CliRunner().invoke(
        cli,
        ["-v", "-c", str(example / "wikisync.toml"), "set", "event", "eventType=Atelier"],
        env={"LANG": "C", "LC_ALL": "C"},
    )
    assert result.exit_code == 0, result.output
    assert 'page "Infobox ouverte" skipped' in result.output
    assert "Traceback" not in result.output
    assert page.read_text(encoding="utf-8") == text  # the sub-box was not edited
    changed = [p.name for p in folder.glob("*.wiki") if p.read_bytes() != before[p.name]]
    assert len(changed) == 12  # the other event pages, as without that page
