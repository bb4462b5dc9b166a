"""Pages chosen as pywikibot's generators choose them, on the real test wiki, and ``replace``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import mwclient
import mwparserfromhell
import pytest
from click.testing import CliRunner, Result

from tests.corpus import Corpus
from tests.mediawiki import TestWiki
from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.edits import template_matches
from wikisync.core.replace import compile_replace
from wikisync.core.selection import Selection
from wikisync.ops.batch.replace import replace_in_pages
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


def _listed(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [line for line in result.stdout.split("\n") if line]


def _text(wiki: TestWiki, title: str) -> str:
    reply = wiki.api(
        action="query", prop="revisions", titles=title, rvprop="content", rvslots="main"
    )
    return str(reply["query"]["pages"][0]["revisions"][0]["slots"]["main"]["content"])


def _admin(wiki: TestWiki) -> mwclient.Site:
    site = mwclient.Site(wiki.host, path="/", scheme="http", max_retries=0)
    site.login(wiki.admin_user, wiki.admin_password)
    return site


def _uses_event(wikitext: str) -> bool:
    code = mwparserfromhell.parse(wikitext)
    return any(
        template_matches(str(t.name).strip(), EVENT_TEMPLATES) for t in code.filter_templates()
    )


def _own_links(wikitext: str) -> set[str]:
    """The titles of a page's own links, outside templates (category tags are no links)."""
    found = set()
    for link in mwparserfromhell.parse(wikitext).filter_wikilinks(recursive=False):
        title = str(link.title).split("#")[0].strip()
        if title and not title.startswith(("Catégorie:", "Category:")):
            found.add(title.lstrip(":")[0].upper() + title.lstrip(":")[1:])
    return found


def test_titles_more_than_one_request_takes_are_checked_a_batch_per_request(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    real = corpus.titles_in("Evénement")[:3]
    absent = [f"Page absente {n}" for n in range(1200)]
    config = load_config(config_file, overrides={"password": wiki.bot_password})
    with open_source(config) as source:
        assert isinstance(source, WikiSource) and source.client.high_limits
        before = source.requests_sent() or 0
        split = f"{real[0]}|Acteurs"  # no title holds "|": never two titles
        listed = (*absent[:600], *real, split, "[[Acteurs]]x", *absent[600:])
        found = source.select_titles(Selection(titles=listed))
        sent = (source.requests_sent() or 0) - before
    assert sorted(found) == sorted(real)
    assert sent == math.ceil(1203 / 500)  # 500 titles a request for a bot, not one each


def test_titles_from_a_file_or_stdin_narrow_set_to_those_pages(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    events = corpus.titles_in("Evénement")
    chosen = [events[0], events[1].replace(" ", "_"), "Page absente", "Acteurs"]
    listing = tmp_path / "titles.txt"
    listing.write_text("\n".join(chosen) + "\n", encoding="utf-8")
    report_path = tmp_path / "report.json"
    result = _invoke(
        wiki,
        config_file,
        "set",
        "event",
        "url=https://example.org/choisi",
        "--titles",
        "-",
        "--report",
        str(report_path),
        stdin=listing.read_text(encoding="utf-8"),
    )
    assert result.exit_code == 0, result.output
    assert '"Page absente"' in result.stderr and "1 of the 4 titles listed" in result.stderr
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert sorted(page["title"] for page in report["pages"]) == sorted(events[:2])
    for title in events[2:6]:
        assert "example.org/choisi" not in _text(wiki, title)
    records = _invoke(wiki, config_file, "records", "event", "--titles", str(listing))
    assert sorted({r["title"] for r in json.loads(records.stdout)}) == sorted(events[:2])


def test_namespace_and_prefix_list_the_wikis_pages(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    templates = sorted(p.title for p in corpus.pages if p.title.startswith("Modèle:"))
    for name in ("Template", "10", "modèle"):
        assert (
            sorted(_listed(_invoke(wiki, config_file, "pages", "--namespace", name))) == templates
        )
    ev = sorted(t for t in templates if t.startswith("Modèle:Ev"))
    assert ev
    by_namespace = _invoke(wiki, config_file, "pages", "--namespace", "10", "--prefix", "ev")
    assert sorted(_listed(by_namespace)) == ev
    assert sorted(_listed(_invoke(wiki, config_file, "pages", "--prefix", "Modèle:Ev"))) == ev
    events = corpus.titles_in("Evénement")
    prefix = events[0][:6]
    wanted = sorted(t for t in events if t.startswith(prefix))
    both = _invoke(wiki, config_file, "pages", "Evénement", "--prefix", prefix, "--namespace", "0")
    assert sorted(_listed(both)) == wanted


def test_search_transcludes_and_links_from_as_the_wiki_answers_them(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    users = sorted(
        p.title
        for p in corpus.pages
        if not p.title.startswith("Modèle:") and _uses_event(p.wikitext)
    )
    found = _listed(_invoke(wiki, config_file, "pages", "--transcludes", "Event"))
    assert sorted(found) == users  # through the redirects Evénement and Événement too
    # --search: a word of one page's text, found by the wiki's own index
    page = corpus.page(corpus.titles_in("Evénement")[0])
    word = next(w for w in page.wikitext.split() if w.isalpha() and len(w) > 7)
    searched = _listed(_invoke(wiki, config_file, "pages", "--search", word))
    assert page.title in searched
    assert all(word.casefold() in corpus.page(t).wikitext.casefold() for t in searched)
    # --links-from: the existing pages a page links to (in what it shows: the wiki records
    # the links of the rendered page, so a link in a template parameter the template does
    # not show is no link; the page's own links are)
    existing = {p.title for p in corpus.pages} | {"Accueil"}  # the wiki's main page
    index, links = next(
        (p, own)
        for p in corpus.pages
        if len(own := _own_links(p.wikitext) & existing) >= 2 and not _uses_event(p.wikitext)
    )
    linked = _listed(_invoke(wiki, config_file, "pages", "--links-from", index.title))
    assert set(linked) == links
    # all together with a type and --where: the intersection
    both = _invoke(
        wiki, config_file, "records", "event", "--transcludes", "Event", "--search", word
    )
    assert {r["title"] for r in json.loads(both.stdout)} <= set(searched) & set(users)


def test_recent_lists_the_pages_changed_last(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    site = _admin(wiki)
    edited = corpus.titles_in("Evénement")[:3]
    for title in edited:
        page = site.pages[title]
        page.edit(page.text() + "\n<!-- revu -->", summary="revue")
    assert sorted(_listed(_invoke(wiki, config_file, "pages", "--recent", "2"))) == sorted(
        edited[1:]
    )
    # the wiki's other recent changes: the main page, made when it was installed (an
    # import writes none)
    recent = _listed(_invoke(wiki, config_file, "pages", "--recent", "50"))
    assert set(edited) <= set(recent) <= {*edited, "Accueil"}
    titles = _invoke(wiki, config_file, "pages", "--recent", "3", "--prefix", edited[0])
    assert _listed(titles) == [edited[0]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--namespace", "Nulle part"], 'unknown namespace "Nulle part" (known: 0 (main)'),
        (["--links-from", "Page absente"], 'the wiki has no page "Page absente"'),
        (["--titles", "/nonexistent/titles.txt"], "cannot be read: No such file or directory"),
    ],
)
def test_a_bad_selection_on_the_wiki_is_one_line_exit_2(
    wiki: TestWiki, config_file: Path, args: list[str], message: str
) -> None:
    pull = ["pull", str(config_file.parent / "mirror")]
    for command in (["pages"], ["set", "event", "place=X"], ["replace", "a", "b"], pull):
        result = _invoke(wiki, config_file, *command, *args)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.count("\n") == 1 and message in result.stderr, result.stderr


def test_pull_mirrors_the_pages_a_selection_chooses(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    mirror = config_file.parent / "mirror"
    events = corpus.titles_in("Evénement")
    prefix = events[0][:6]
    chosen = sorted(t for t in events if t.startswith(prefix))
    titles = config_file.parent / "titles.txt"
    titles.write_text(f"{events[-1]}\nModèle:Event\n", encoding="utf-8")

    def mirrored() -> set[str]:
        lines = (mirror / "pages.jsonl").read_text(encoding="utf-8").splitlines()
        return {json.loads(line)["title"] for line in lines if line.strip()}

    # with a CATEGORY: only its pages the selection keeps (every filter holds)
    result = _invoke(wiki, config_file, "pull", "Evénement", str(mirror), "--prefix", prefix)
    assert result.exit_code == 0, result.output
    assert mirrored() == set(chosen)
    # without one: every page it chooses, added to what the mirror holds
    result = _invoke(wiki, config_file, "pull", str(mirror), "--titles", str(titles))
    assert result.exit_code == 0, result.output
    assert mirrored() == {*chosen, events[-1], "Modèle:Event"}


# -- replace -----------------------------------------------------------------------------


def test_replace_saves_matches_outside_protected_parts_and_reports_like_set(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    site = _admin(wiki)
    title = corpus.titles_in("Evénement")[0]
    page = site.pages[title]
    extra = "\nVoir Lyonnais à Lyon <!-- Lyon --> [[Lyon]] <nowiki>Lyon</nowiki>"
    page.edit(page.text() + extra, summary="préparation")
    before = _text(wiki, title)
    dry = _invoke(
        wiki,
        config_file,
        "replace",
        r"\bLyon\b",
        "Lugdunum",
        "--titles",
        "-",
        "--dry-run",
        stdin=title,
    )
    assert dry.exit_code == 0 and "+Voir Lyonnais à Lugdunum" in dry.stdout, dry.output
    assert _text(wiki, title) == before  # a dry run writes nothing
    report_path = tmp_path / "report.json"
    result = _invoke(
        wiki,
        config_file,
        "replace",
        r"\bLyon\b",
        "Lugdunum",
        "--titles",
        "-",
        "--summary",
        "Lyon → Lugdunum",
        "--report",
        str(report_path),
        stdin=title,
    )
    assert result.exit_code == 0, result.output
    after = _text(wiki, title)
    assert after.endswith("\nVoir Lyonnais à Lugdunum <!-- Lyon --> [[Lyon]] <nowiki>Lyon</nowiki>")
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert report["operation"] == "replace" and report["exit_code"] == 0
    assert [p["status"] for p in report["pages"]] == ["edited"]
    revision = wiki.api(action="query", prop="revisions", titles=title, rvprop="comment|user")
    latest = revision["query"]["pages"][0]["revisions"][0]
    assert latest["comment"] == "Lyon → Lugdunum" and latest["user"] == "WikiBot"
    again = _invoke(
        wiki,
        config_file,
        "replace",
        r"\bLyon\b",
        "Lugdunum",
        "--titles",
        "-",
        "--report",
        str(report_path),
        stdin=title,
    )
    assert again.exit_code == 0, again.output
    [page_report] = json.loads(report_path.read_text(encoding="utf-8"))["pages"]
    assert page_report["status"] == "skipped"
    assert page_report["message"] == "3 matches left alone (protected parts)"


def test_replace_made_again_on_a_page_edited_while_saving(
    wiki: TestWiki, corpus: Corpus, config_file: Path
) -> None:
    title = corpus.titles_in("Evénement")[1]
    site = _admin(wiki)
    page = site.pages[title]
    page.edit(page.text() + "\nAvant : vélo-école", summary="préparation")
    done: list[int] = []

    def meanwhile(saving: str) -> None:
        if saving == title and not done:
            other = site.pages[title]
            other.edit(other.text() + "\nAjout : vélo-taxi", summary="meanwhile")
            done.append(1)

    config = load_config(config_file, overrides={"password": wiki.bot_password})
    source = open_source(config)
    assert isinstance(source, WikiSource)
    try:
        writer = WikiWriter(source.client, before_edit=meanwhile)
        change = compile_replace("vélo-", "bicyclette-")
        report = replace_in_pages(source, writer, change, Selection(titles=(title,)))
    finally:
        source.close()
    [result] = report.pages
    assert done and result.status == "edited", result
    assert result.attempts >= 2  # read again after the other edit, never saved over it
    text = _text(wiki, title)
    assert text.endswith("\nAvant : bicyclette-école\nAjout : bicyclette-taxi")


def test_replace_refuses_a_catastrophic_pattern_page_and_goes_on(
    wiki: TestWiki, corpus: Corpus, config_file: Path, tmp_path: Path
) -> None:
    site = _admin(wiki)
    slow, fine = corpus.titles_in("Evénement")[2:4]
    page = site.pages[slow]
    page.edit(page.text() + "\n" + "a" * 80, summary="piège")
    listing = tmp_path / "titles.txt"
    listing.write_text(f"{slow}\n{fine}\n", encoding="utf-8")
    report_path = tmp_path / "report.json"
    result = _invoke(
        wiki,
        config_file,
        "replace",
        "(a|aa)+b|Atelier",
        "Atelier",
        "--titles",
        str(listing),
        "--timeout",
        "0.3",
        "--report",
        str(report_path),
    )
    assert result.exit_code == 3, result.output
    statuses = {p["title"]: p["status"] for p in json.loads(report_path.read_text())["pages"]}
    assert statuses[slow] == "refused"
    assert "ran longer than 0.3 s" in result.stderr


def test_replace_without_a_selection_or_with_a_bad_pattern_is_exit_2(
    wiki: TestWiki, config_file: Path
) -> None:
    none = _invoke(wiki, config_file, "replace", "a", "b")
    assert none.exit_code == 2 and "replace needs a selection" in none.stderr
    bad = _invoke(wiki, config_file, "replace", "(a", "b", "--namespace", "0")
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1
    assert 'the pattern "(a" is not a regular expression' in bad.stderr


def test_listings_continue_past_one_request_at_an_anonymous_readers_limit(
    big_wiki: TestWiki, big_corpus: Corpus, tmp_path: Path
) -> None:
    # Read anonymously, the API gives 500 titles a listing request and checks 50 titles a
    # request: the 2,000 events take several requests each, continued to the end.
    config_path = tmp_path / "wikisync.toml"
    config_path.write_text(f'site = "{big_wiki.url}"\n', encoding="utf-8")
    config = load_config(config_path, overrides={"use_cache": False})
    users = sorted(
        p.title
        for p in big_corpus.pages
        if not p.title.startswith("Modèle:") and _uses_event(p.wikitext)
    )
    main = sorted(p.title for p in big_corpus.pages if ":" not in p.title.split(" ")[0])
    assert len(users) > 1500
    sent: dict[str, int] = {}
    with open_source(config) as source:
        assert isinstance(source, WikiSource) and not source.client.high_limits
        found: dict[str, list[str]] = {}
        for name, selection in {
            "transcludes": Selection(transcludes="Event"),
            "namespace": Selection(namespace="0"),
            "titles": Selection(titles=tuple(users[:120])),
        }.items():
            before = source.requests_sent() or 0
            found[name] = source.select_titles(selection)
            sent[name] = (source.requests_sent() or 0) - before
    assert sorted(found["transcludes"]) == users
    assert sent["transcludes"] == math.ceil(len(users) / 500)
    assert set(main) <= set(found["namespace"]) <= {*main, "Accueil"}
    assert sent["namespace"] == math.ceil(len(found["namespace"]) / 500)
    assert sorted(found["titles"]) == users[:120] and sent["titles"] == 3  # 50 a request
