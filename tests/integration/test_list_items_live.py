"""``set Tags+=ITEM`` / ``Tags-=ITEM`` and ``+=``/``-=`` spreadsheet cells on a real wiki."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import mwclient
from click.testing import CliRunner, Result

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.edits import read_params
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.selection import Selection
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import record_type_named
from wikisync.sources import open_source
from wikisync.wiki.reader import WikiSource
from wikisync.wiki.writer import WikiWriter

EVENT_TEMPLATES = ("Event", "Evénement", "Événement")


def _invoke(wiki: TestWiki, config_file: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        cli,
        ["-c", str(config_file), *args],
        env={"WIKISYNC_PASSWORD": wiki.bot_password},
        input=stdin,
    )


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _tagged_events(corpus: Corpus) -> list[str]:
    titles = []
    for title in corpus.titles_in("Evénement"):
        infoboxes = read_params(corpus.page(title).wikitext, EVENT_TEMPLATES)
        if len(infoboxes) == 1 and "vélo-test" not in infoboxes[0].get("Tags", "x"):
            titles.append(title)
    return titles


def test_set_list_item_added_then_removed_gives_back_every_page_byte_for_byte(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    titles = _tagged_events(corpus)[:4]
    listing = tmp_path / "titles.txt"
    listing.write_text("\n".join(titles) + "\n", encoding="utf-8")
    before = {title: _text(wiki, title) for title in titles}
    report_path = tmp_path / "report.json"
    added = _invoke(
        wiki,
        config_file,
        "set",
        "event",
        "Tags+=Vélo-test",
        "--titles",
        str(listing),
        "--report",
        str(report_path),
    )
    assert added.exit_code == 0, added.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {page["title"]: page["status"] for page in report["pages"]} == dict.fromkeys(
        titles, "edited"
    )
    for title in titles:
        now = _text(wiki, title)
        tags = read_params(now, EVENT_TEMPLATES)[0]["Tags"]
        old_tags = read_params(before[title], EVENT_TEMPLATES)[0].get("Tags", "")
        joint = ", " if old_tags else ""  # the corpus writes "a, b"
        assert tags == old_tags + joint + "Vélo-test"
        assert now.replace(tags, old_tags, 1) == before[title].rstrip("\n")
    again = _invoke(
        wiki,
        config_file,
        "set",
        "event",
        "Tags+=vélo-TEST",
        "--titles",
        str(listing),
        "--report",
        str(report_path),
    )
    assert again.exit_code == 0, again.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert {page["status"] for page in report["pages"]} == {"unchanged"}
    removed = _invoke(
        wiki,
        config_file,
        "set",
        "event",
        "Tags-=vélo-test",
        "--titles",
        "-",
        stdin="\n".join(titles),
    )
    assert removed.exit_code == 0, removed.output
    assert {title: _text(wiki, title) for title in titles} == {
        title: text.rstrip("\n") for title, text in before.items()
    }
    absent = _invoke(
        wiki,
        config_file,
        "set",
        "event",
        "Tags-=vélo-test",
        "--titles",
        str(listing),
        "--report",
        str(report_path),
    )
    assert absent.exit_code == 0, absent.output
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [page["status"] for page in report["pages"]] == ["unchanged"] * len(titles)


def test_set_list_item_on_a_field_that_is_not_a_list_is_exit_2_in_one_line(
    wiki: TestWiki, config_file: Path
) -> None:
    result = _invoke(wiki, config_file, "set", "event", "place+=Lyon")
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert 'field "place" is text, not a list' in result.output


def test_import_cell_plus_equals_adds_one_item_to_the_list_on_the_page(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    sheet = tmp_path / "events.csv"
    exported = _invoke(wiki, config_file, "export", "event", "-o", str(sheet), "--field", "Tags")
    assert exported.exit_code == 0, exported.output
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    column = header.index("Tags")
    title = _tagged_events(corpus)[0]
    row = next(r for r in body if r[0] == title)
    old_tags = row[column]
    row[column] = "'+=Atelier-test"  # typed with a ' so the spreadsheet keeps it as text
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    sheet.write_text(out.getvalue(), encoding="utf-8")
    result = _invoke(wiki, config_file, "import", "event", str(sheet))
    assert result.exit_code == 0, result.output
    assert read_params(_text(wiki, title), EVENT_TEMPLATES)[0]["Tags"] == (
        f"{old_tags}, Atelier-test" if old_tags else "Atelier-test"
    )
    row[column] = "-=atelier-test"
    out = io.StringIO()
    csv.writer(out).writerows([header, *body])
    sheet.write_text(out.getvalue(), encoding="utf-8")
    result = _invoke(wiki, config_file, "import", "event", str(sheet))
    assert result.exit_code == 0, result.output
    assert _text(wiki, title) == corpus.page(title).wikitext.rstrip("\n")


def test_set_list_item_after_an_edit_of_the_same_list_meanwhile_keeps_both_items(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    title = _tagged_events(corpus)[0]
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    done: list[int] = []

    def meanwhile(saving: str) -> None:
        if saving == title and not done:
            page = site.pages[title]
            text = page.text()
            tags = read_params(text, EVENT_TEMPLATES)[0]["Tags"]
            page.edit(text.replace(f"Tags={tags}", f"Tags={tags}, ajout-admin", 1), summary="m")
            done.append(1)

    config = load_config(config_file, overrides={"password": wiki.bot_password})
    event = record_type_named(config.types, "event")
    source = open_source(config)
    assert isinstance(source, WikiSource)
    try:
        writer = WikiWriter(source.client, before_edit=meanwhile)
        report = set_fields(
            source,
            writer,
            event,
            {"Tags": ItemEdit("add", "vélo-bot")},
            selection=Selection(titles=(title,)),
        )
    finally:
        source.close()
    [page] = report.pages
    assert done and page.status == "edited" and page.attempts >= 2, page
    tags = read_params(_text(wiki, title), EVENT_TEMPLATES)[0]["Tags"]
    old = read_params(corpus.page(title).wikitext, EVENT_TEMPLATES)[0]["Tags"]
    assert tags == f"{old}, ajout-admin, vélo-bot"
