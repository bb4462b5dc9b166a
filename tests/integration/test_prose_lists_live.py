"""Lists written as prose on a real (French) MediaWiki: the wiki's language decides the word."""

from __future__ import annotations

import mwclient

from tests.mediawiki import TestWiki
from wikisync.core.fields.list_items import ItemEdit
from wikisync.core.schema import load_record_types
from wikisync.ops.batch.run import set_fields
from wikisync.ops.collect import collect_records
from wikisync.ports.outcome import Outcome
from wikisync.sources import open_source

PAGES = {
    "Coopérative Trois Villes": "{{Acteur|name=Coopérative Trois Villes"
    "|villes d'implantation=[[Lyon]], Paris et [[Nantes]]}}\n[[Catégorie:Acteur]]\n",
    "Arts et Métiers Mobilité": "{{Acteur|name=Arts et Métiers Mobilité"
    "|villes d'implantation=Arts et Métiers, Lyon et Nantes}}\n[[Catégorie:Acteur]]\n",
    "Deux Villes": "{{Acteur|name=Deux Villes|villes d'implantation=Lyon et Paris}}\n"
    "[[Catégorie:Acteur]]\n",
}


def _types(**field: str) -> dict[str, object]:
    villes = {"type": "list", "params": ["villes d'implantation"], **field}
    return {
        "actor": {"categories": ["Acteur"], "templates": ["Acteur"], "fields": {"villes": villes}}
    }


def test_collect_records_reads_prose_lists_in_the_wiki_language(wiki: TestWiki) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    for title, text in PAGES.items():
        site.pages[title].edit(text, summary="listes en prose")
    with open_source(wiki.url) as source:
        assert source.wiki_language() == "fr"
        found = collect_records(source, load_record_types(_types())["actor"])
        split = collect_records(source, load_record_types(_types(conjunction="split"))["actor"])
    by_title = {record.title: record.fields["villes"] for record in found.records}
    assert by_title["Coopérative Trois Villes"] == ("Lyon", "Paris", "Nantes")
    assert by_title["Arts et Métiers Mobilité"] == ("Arts et Métiers", "Lyon", "Nantes")
    assert by_title["Deux Villes"] is None  # a lone "A et B": reported, not guessed
    problem = next(p for p in found.problems if p.title == "Deux Villes")
    assert 'set the field\'s conjunction to "split" or "keep"' in str(problem)
    two = {record.title: record.fields["villes"] for record in split.records}
    assert two["Deux Villes"] == ("Lyon", "Paris")


def test_set_where_matches_an_item_of_a_prose_list(wiki: TestWiki) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    for title, text in PAGES.items():
        site.pages[title].edit(text, summary="listes en prose")
    actor = load_record_types(_types())["actor"]
    with open_source(wiki.url) as source:
        report = set_fields(
            source, None, actor, {"villes": "Nantes"}, where={"villes": "Nantes"}, dry_run=True
        )
    planned = {page.title for page in report.pages if page.status == Outcome.PLANNED}
    assert {"Coopérative Trois Villes", "Arts et Métiers Mobilité"} <= planned
    assert "Deux Villes" not in planned


def test_set_list_item_refuses_a_list_written_as_prose(wiki: TestWiki) -> None:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    for title, text in PAGES.items():
        site.pages[title].edit(text, summary="listes en prose")
    actor = load_record_types(_types())["actor"]  # the wiki says its language: fr
    with open_source(wiki.url) as source:
        report = set_fields(source, None, actor, {"villes": ItemEdit("add", "Brest")}, dry_run=True)
    by_title = {page.title: page for page in report.pages}
    prose = by_title["Coopérative Trois Villes"]
    assert prose.status == Outcome.REFUSED and "written as prose" in prose.message
    assert by_title["Deux Villes"].status == Outcome.REFUSED
    assert by_title["Arts et Métiers Mobilité"].status == Outcome.REFUSED  # "Lyon et Nantes"
    assert all(page.status in (Outcome.REFUSED, Outcome.PLANNED) for page in report.pages)
