"""The synthetic corpus generator and its XML export."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.corpus import (
    INDEX_PAGES,
    Corpus,
    generate_corpus,
    sha1_base36,
    write_export_xml,
)
from wikisync.core.pages import CATEGORY_NS, TEMPLATE_NS, normalize_title

NS = {"mw": "http://www.mediawiki.org/xml/export-0.11/"}
PLANTED_PROBLEMS = ("day", "no infobox", "twice", "never closed", "peut-être")


@pytest.fixture(scope="module")
def default_corpus() -> Corpus:
    return generate_corpus()


def test_generate_corpus_is_deterministic_per_seed() -> None:
    assert generate_corpus(seed=7) == generate_corpus(seed=7)
    assert generate_corpus(seed=7).pages != generate_corpus(seed=8).pages


@pytest.mark.parametrize(
    ("sizes", "counts"),
    [
        ({}, {"Evénement": 40, "Acteur": 20, "Commun": 10, "Projet": 8, "Communauté": 5}),
        ({"events": 8, "actors": 2, "communs": 2, "projects": 1, "communities": 1},
         {"Evénement": 8, "Acteur": 2, "Commun": 2, "Projet": 1, "Communauté": 1}),
        ({"events": 2000}, {"Evénement": 2000, "Acteur": 20}),
    ],
)  # fmt: skip
def test_generate_corpus_sizes(sizes: dict[str, int], counts: dict[str, int]) -> None:
    corpus = generate_corpus(**sizes)
    for category, count in counts.items():
        assert len(corpus.titles_in(category)) == count
    assert len(corpus.titles_in("Webinaire")) == 2


def test_generate_corpus_big_is_fast() -> None:
    start = time.perf_counter()
    generate_corpus(events=2000)
    assert time.perf_counter() - start < 1.0


def test_generate_corpus_rejects_too_small() -> None:
    with pytest.raises(ValueError, match="events=3"):
        generate_corpus(events=3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generate_corpus_titles_unique_and_normalized(seed: int) -> None:
    corpus = generate_corpus(events=500, seed=seed)
    titles = [page.title for page in corpus.pages]
    assert len(titles) == len(set(titles))
    assert all(normalize_title(title) == title for title in titles)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generate_corpus_planted_pages(seed: int) -> None:
    corpus = generate_corpus(seed=seed)
    assert len(corpus.planted) == len(PLANTED_PROBLEMS)
    descriptions = " ".join(corpus.planted.values())
    for problem in PLANTED_PROBLEMS:
        assert problem in descriptions
    titles = {page.title for page in corpus.pages}
    assert set(corpus.planted) <= titles


def test_generate_corpus_planted_shapes(default_corpus: Corpus) -> None:
    texts = {title: default_corpus.page(title).wikitext for title in default_corpus.planted}
    shapes: dict[str, Callable[[str], object]] = {
        "day": lambda text: re.search(r"\|\s*startDate\s*=\s*day\s*$", text, re.M),
        "no infobox": lambda text: "{{" not in text,
        "twice": lambda text: len(re.findall(r"^\|\s*place\s*=", text, re.M)) == 2,
        "never closed": lambda text: "{{Event" in text and "}}" not in text,
        "peut-être": lambda text: "Adherent=peut-être" in text.replace(" ", ""),
    }
    for title, description in default_corpus.planted.items():
        (check,) = [shape for key, shape in shapes.items() if key in description]
        assert check(texts[title]), title


def test_generate_corpus_value_variety(default_corpus: Corpus) -> None:
    text = "\n".join(page.wikitext for page in default_corpus.pages)
    assert re.search(r"startDate\s*=\s*\d{4}-\d\d-\d\d\n", text)
    assert re.search(r"startDate\s*=\s*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", text)
    assert re.search(r"startDate\s*=\s*(1er|\d{1,2}) [a-zéû]+ \d{4}", text)
    for needle in ("{{Evénement", "{{Événement", "|Lieu=", "·", "\u2019", "'", "#", "?"):
        assert needle in text
    assert re.search(r"\[\[[^\]|]+\|[^\]]+\]\]", text)
    assert re.search(r"\{\{Acteur\|name=", text)
    assert re.search(r"^\| \w+ = ", text, re.M)


def test_generate_corpus_structure_pages(default_corpus: Corpus) -> None:
    by_title = {page.title: page for page in default_corpus.pages}
    assert by_title["Modèle:Evénement"].wikitext.startswith("#REDIRECTION [[Modèle:Event]]")
    assert by_title["Modèle:Event"].ns == TEMPLATE_NS
    assert "[[Catégorie:Evénement]]" in by_title["Catégorie:Webinaire"].wikitext
    assert by_title["Catégorie:Vélo"].ns == CATEGORY_NS
    assert "[[Catégorie:Mobilité active]]" in by_title["Catégorie:Vélo"].wikitext
    assert "[[Catégorie:Vélo]]" in by_title["Catégorie:Mobilité active"].wikitext
    for title, marker in INDEX_PAGES.items():
        text = by_title[title].wikitext
        assert len(re.findall(rf"<!-- wikisync:begin {marker}( [^>]*)? -->", text)) == 1
        assert text.count(f"<!-- wikisync:end {marker} -->") == 1
    templates = [page for page in default_corpus.pages if page.ns == TEMPLATE_NS]
    assert not any("Catégorie:" in page.wikitext for page in templates)


def test_generate_corpus_pages_have_ids(default_corpus: Corpus) -> None:
    pages = default_corpus.pages
    assert all(page.revid > 0 and page.pageid and page.timestamp for page in pages)
    assert len({page.pageid for page in pages}) == len(pages)
    assert len({page.revid for page in pages}) == len(pages)


def test_write_export_xml_round_trips(default_corpus: Corpus, tmp_path: Path) -> None:
    path = tmp_path / "corpus.xml"
    write_export_xml(default_corpus.pages, path, sitename="Wiki Essai")
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.mediawiki.org/xml/export-0.11/}mediawiki"
    assert root.findtext("mw:siteinfo/mw:sitename", namespaces=NS) == "Wiki Essai"
    names = {
        element.get("key"): element.text or ""
        for element in root.iterfind("mw:siteinfo/mw:namespaces/mw:namespace", NS)
    }
    assert names["14"] == "Catégorie"
    assert names["10"] == "Modèle"
    assert names["4"] == "Wiki Essai"
    elements = root.findall("mw:page", NS)
    assert len(elements) == len(default_corpus.pages)
    for element, page in zip(elements, default_corpus.pages, strict=True):
        text_element = element.find("mw:revision/mw:text", NS)
        assert text_element is not None
        text = text_element.text or ""
        assert element.findtext("mw:title", namespaces=NS) == page.title
        assert element.findtext("mw:ns", namespaces=NS) == str(page.ns)
        assert element.findtext("mw:id", namespaces=NS) == str(page.pageid)
        assert element.findtext("mw:revision/mw:id", namespaces=NS) == str(page.revid)
        assert element.findtext("mw:revision/mw:timestamp", namespaces=NS) == page.timestamp
        assert element.findtext("mw:revision/mw:model", namespaces=NS) == "wikitext"
        assert element.findtext("mw:revision/mw:format", namespaces=NS) == "text/x-wiki"
        assert text == page.wikitext
        assert text_element.get("bytes") == str(len(page.wikitext.encode("utf-8")))
        assert element.findtext("mw:revision/mw:sha1", namespaces=NS) == sha1_base36(text)
        redirect = element.find("mw:redirect", NS)
        assert (redirect is not None) == page.wikitext.startswith("#REDIRECTION")


def test_sha1_base36_known_value() -> None:
    # MediaWiki's rev_sha1 of the empty text.
    assert sha1_base36("") == "phoiac9h4m842xq45sp7s6u21eteeq1"
