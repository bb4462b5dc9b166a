"""Pages chosen as pywikibot's generators choose them, on a folder and a dump (pure listing).

The live wiki's listings are tested on a real wiki (tests/integration/test_selection_live.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.unit.test_cli_signals import ARGS, EXAMPLE
from wikisync.cli import cli
from wikisync.cli.selection import SELECTING_COMMANDS
from wikisync.core.pages import Namespaces, PageText
from wikisync.core.selection import Selection, SelectionError, resolve_namespace, select_from_pages
from wikisync.ops.collect import category_pages, collect_records, record_type_named
from wikisync.ops.select import read_titles
from wikisync.sources import open_source

FR = Namespaces.french()
MIRROR = EXAMPLE / "mirror"

#: Commands that read pages and do not take the selection options, each with why.
NOT_SELECTING = {
    "apply": "replays the pages of a changeset file, exactly",
    "changes": "its pages are those the wiki's recent changes name since --since",
    "example": "copies the bundled example; reads no site",
    "import": "the spreadsheet's rows name the pages",
    "init": "writes a configuration; reads no pages",
    "new": "creates the one page it names",
    "plan": "index jobs read whole types: a partial index would be wrong",
    "push": "sends the mirror's edited files",
    "rebuild": "index jobs read whole types: a partial index would be wrong",
    "render": "index jobs read whole types: a partial index would be wrong",
    "status": "compares the mirror's files",
    "watch": "follows the wiki's recent changes for the configured jobs",
}


def _page(title: str, text: str = "", timestamp: str = "2025-01-01T00:00:00Z") -> PageText:
    return PageText(title, text, revid=1, timestamp=timestamp)


PAGES = [
    _page("Atelier vélo", "{{Event|place=Lyon}} [[Lyon]] [[Catégorie:Evénement]]", "2025-01-03"),
    _page("Atelier bus", "{{event|place=Nantes}} [[:Catégorie:Evénement]] [[Atelier vélo#x]]"),
    _page("Lyon", "Ville. {{Modèle:Ville}} [[atelier_bus|le bus]]", "2025-01-02"),
    _page("Paris", "{{Évènement}}"),
    _page("Modèle:Évènement", "#REDIRECTION [[Modèle:Event]]"),
    _page("Modèle:Event", "{{{place}}}"),
    _page("Modèle:Ville", "{{#if:x|y}}", "2025-01-04"),
    _page("Catégorie:Evénement", ""),
]


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (Selection(titles=("atelier_vélo", " Lyon ", "Absent", "")), ["Atelier vélo", "Lyon"]),
        (Selection(titles=()), []),
        (Selection(namespace="0"), ["Atelier bus", "Atelier vélo", "Lyon", "Paris"]),
        (Selection(namespace="Template"), ["Modèle:Event", "Modèle:Ville", "Modèle:Évènement"]),
        (Selection(namespace="modèle", prefix="e"), ["Modèle:Event"]),
        (Selection(prefix="Modèle:V"), ["Modèle:Ville"]),
        (Selection(prefix="atelier "), ["Atelier bus", "Atelier vélo"]),
        (Selection(prefix="Atelier v", namespace="10"), []),
        (Selection(transcludes="Event"), ["Atelier bus", "Atelier vélo", "Paris"]),
        (Selection(transcludes="Modèle:ville"), ["Lyon"]),
        (Selection(links_from="Atelier bus"), ["Atelier vélo", "Catégorie:Evénement"]),
        (Selection(links_from="Atelier vélo"), ["Lyon"]),  # a category tag is no link
        (Selection(links_from="Lyon", transcludes="Event"), ["Atelier bus"]),
        (Selection(recent=2), ["Atelier vélo", "Modèle:Ville"]),
        (Selection(recent=2, namespace="0"), ["Atelier vélo", "Lyon"]),
        (Selection(recent=50), sorted(p.title for p in PAGES)),
    ],
)
def test_select_from_pages_keeps_what_every_filter_keeps(
    selection: Selection, expected: list[str]
) -> None:
    assert sorted(select_from_pages(PAGES, selection, FR, where="the folder")) == sorted(expected)


@pytest.mark.parametrize(
    ("selection", "kind", "message"),
    [
        (
            Selection(search="vélo"),
            "search",
            "the folder cannot select pages by a full-text search",
        ),
        (Selection(namespace="Nope"), "namespace", 'unknown namespace "Nope" (known: 0 (main), 1 '),
        (Selection(namespace="99"), "namespace", 'unknown namespace "99"'),
        (Selection(links_from="Absent"), "links_from", 'the folder has no page "Absent"'),
    ],
)
def test_select_from_pages_says_what_it_cannot_select(
    selection: Selection, kind: str, message: str
) -> None:
    with pytest.raises(SelectionError, match=re.escape(message)) as caught:
        select_from_pages(PAGES, selection, FR, where="the folder")
    assert caught.value.kind == kind


def test_resolve_namespace_takes_numbers_local_and_canonical_names_and_aliases() -> None:
    names = ["0", "", "10", "Modèle", "template", "Catégorie", "category", "Image", " 14 "]
    assert [resolve_namespace(FR, name) for name in names] == [0, 0, 10, 10, 10, 14, 14, 6, 14]


@pytest.mark.parametrize("name", ["-1", "-2", "Spécial", "special", "Media", " -1 "])
def test_resolve_namespace_refuses_the_namespaces_that_hold_no_pages(name: str) -> None:
    with pytest.raises(SelectionError, match=f'namespace "{name}" .* holds no pages') as caught:
        resolve_namespace(FR, name)
    assert caught.value.kind == "namespace"


def test_selection_is_empty_only_without_filters_and_recent_is_positive() -> None:
    assert not Selection() and Selection(titles=()) and Selection(recent=1)
    assert Selection(namespace="0", recent=3).describe() == (
        'namespace "0", the 3 pages changed most recently'
    )
    with pytest.raises(ValueError, match="recent"):
        Selection(recent=0)


def test_read_titles_reads_a_file_or_stdin_one_title_a_line(tmp_path: Path) -> None:
    path = tmp_path / "titles.txt"
    path.write_bytes("\ufeffAtelier vélo\r\n\r\n  [[Lyon|la ville]]  \nModèle:Event".encode())
    assert read_titles(path) == ("Atelier vélo", "Lyon", "Modèle:Event")
    with pytest.raises(SelectionError, match="cannot be read: No such file"):
        read_titles(tmp_path / "absent.txt")
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(SelectionError, match="is not UTF-8 text"):
        read_titles(path)


def test_category_pages_and_records_are_narrowed_by_a_selection_on_a_mirror() -> None:
    source = open_source(str(MIRROR))
    everything = category_pages(source, "Evénement")
    chosen = category_pages(source, "Evénement", selection=Selection(prefix="Meetup"))
    assert chosen and set(chosen) < set(everything)
    assert all(title.startswith("Meetup") for title in chosen)
    assert category_pages(source, None, selection=Selection(prefix="Meetup", namespace="0")) == [
        t for t in source.select_titles(Selection(namespace="0")) if t.startswith("Meetup")
    ]
    from wikisync.config import load_config

    config = load_config(EXAMPLE / "wikisync.toml")
    event = record_type_named(config.types, "event")
    found = collect_records(source, event, Selection(prefix="Meetup"))
    assert {record.title for record in found.records} <= set(chosen)
    assert found.page_count == len(chosen)


# -- the command line: every page-reading command takes and applies the options ---------


def test_every_command_either_selects_pages_or_says_why_not() -> None:
    assert sorted([*SELECTING_COMMANDS, *NOT_SELECTING]) == sorted(ARGS)
    options = {"--titles", "--namespace", "--prefix", "--search", "--transcludes"}
    options |= {"--links-from", "--recent"}
    for command in ARGS:
        names = {opt for param in cli.commands[command].params for opt in param.opts}
        assert (options <= names) == (command in SELECTING_COMMANDS), command
        if command in SELECTING_COMMANDS:
            text = CliRunner().invoke(cli, [command, "--help"], terminal_width=400).output
            assert "every one given must hold" in text, command


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "fabmob")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    for name in ("WIKISYNC_SUMMARY", "WIKISYNC_CONFIG", "WIKISYNC_SITE", "WIKISYNC_CACHE"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


#: Each selecting command on the example, writing nothing, with a JSON answer naming pages.
RUNS = {
    "check": ["check", "event", "-f", "json"],
    "export": ["export", "event", "-o", "-"],
    "pages": ["pages", "Evénement"],
    "records": ["records", "event", "-f", "json"],
    "remove-param": ["remove-param", "Event", "place", "--dry-run", "--report", "{report}"],
    "rename-param": ["rename-param", "Event", "place", "lieu", "--dry-run", "--report", "{report}"],
    "replace": ["replace", "Meetup", "Rencontre", "--dry-run", "--report", "{report}"],
    "set": ["set", "event", "place=Ailleurs", "--dry-run", "--report", "{report}"],
}


#: pull needs a live wiki (it mirrors one): tests/integration/test_selection_live.py walks it.
OFFLINE = [command for command in SELECTING_COMMANDS if command != "pull"]


def test_every_selecting_command_is_walked_here_or_live() -> None:
    assert sorted(RUNS) == sorted(OFFLINE) and set(SELECTING_COMMANDS) - set(OFFLINE) == {"pull"}


@pytest.mark.parametrize("command", OFFLINE)
@pytest.mark.parametrize("how", ["titles", "stdin", "prefix", "transcludes"])
def test_every_selecting_command_applies_the_selection(
    workdir: Path, command: str, how: str
) -> None:
    wanted = "Meetup intermodalité 8"
    titles = workdir / "titles.txt"
    titles.write_text(f"{wanted}\nAbsent page\nCommuns\n", encoding="utf-8")
    selecting = {
        "titles": ["--titles", str(titles)],
        "stdin": ["--titles", "-"],
        "prefix": ["--prefix", "Meetup intermodalité 8"],
        # the page uses {{Evénement}}, a redirect to Modèle:Event
        "transcludes": ["--transcludes", "Event", "--prefix", "Meetup intermodalité 8"],
    }[how]
    report = workdir / "report.json"
    own = [arg.replace("{report}", str(report)) for arg in RUNS[command]]
    args = ["-c", str(workdir / "fabmob" / "wikisync.toml"), *own, *selecting]
    stdin = titles.read_text(encoding="utf-8") if how == "stdin" else None
    result = CliRunner().invoke(cli, args, input=stdin)
    assert result.exit_code == 0, (command, result.output)
    if command == "check":  # problems only: its count of pages says what was read
        assert "event: 1 page, 1 record" in result.stderr, result.stderr  # tests speak English
        return
    named = _titles_named(command, result.stdout, report)
    assert named == {wanted}, (command, named)


def _titles_named(command: str, stdout: str, report: Path) -> set[str]:
    if command == "pages":
        return set(stdout.split("\n")) - {""}
    if command == "export":
        return {row[0] for row in list(csv.reader(io.StringIO(stdout)))[1:]}
    if command == "records":
        return {item["title"] for item in json.loads(stdout)}
    data = json.loads(report.read_text(encoding="utf-8"))
    return {page["title"] for page in data["pages"] if page["status"] == "planned"}


@pytest.mark.parametrize("command", OFFLINE)
@pytest.mark.parametrize(
    ("selecting", "message"),
    [
        (["--titles", "{tmp}/absent.txt"], "the list of titles {tmp}/absent.txt cannot be read"),
        (["--namespace", "Nowhere"], 'unknown namespace "Nowhere"'),
        (["--search", "vélo"], "cannot select pages by a full-text search"),
        (["--links-from", "Absent page"], 'has no page "Absent page" to read links from'),
    ],
)
def test_every_selecting_command_refuses_a_bad_selection_in_one_line_exit_2(
    workdir: Path, command: str, selecting: list[str], message: str
) -> None:
    own = [arg.replace("{report}", str(workdir / "report.json")) for arg in RUNS[command]]
    args = ["-c", str(workdir / "fabmob" / "wikisync.toml"), *own]
    args += [arg.replace("{tmp}", str(workdir)) for arg in selecting]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, (command, result.output)
    # one line for the error (rename-param and remove-param may warn about the schema first)
    lines = [line for line in result.stderr.splitlines() if "warning:" not in line]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert message.replace("{tmp}", str(workdir)) in lines[0]


def test_pages_needs_a_category_or_a_selection(workdir: Path) -> None:
    args = ["-c", str(workdir / "fabmob" / "wikisync.toml"), "pages"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "give a CATEGORY or a selection option" in result.stderr
    result = CliRunner().invoke(cli, [*args, "--namespace", "Modèle", "--prefix", "Ev"])
    assert result.exit_code == 0 and result.stdout.split("\n")[:2] == [
        "Modèle:Evénement",
        "Modèle:Event",
    ]


def test_titles_listed_but_not_chosen_are_named_never_dropped_silently(workdir: Path) -> None:
    listing = "\n".join(["Meetup intermodalité 8", "Absent page", "Communs", *"ABCDEF"]) + "\n"
    args = ["-c", str(workdir / "fabmob" / "wikisync.toml"), "records", "event", "--titles", "-"]
    result = CliRunner().invoke(cli, args, input=listing)
    assert result.exit_code == 0, result.output
    assert [r["title"] for r in json.loads(result.stdout)] == ["Meetup intermodalité 8"]
    assert (
        "warning: 7 of the 9 titles listed are not among the pages chosen (no such page, or "
        'left out by the other filters): "Absent page", "A", "B", "C", "D" and 2 more'
    ) in result.stderr
    # "Communs" is a page, outside the type: named too, once, with its own reason
    assert (
        "warning: 1 of the 9 titles listed is not among the pages chosen (not in the type's "
        'category "Evénement"): "Communs"'
    ) in result.stderr
    assert result.stderr.count('"Communs"') == 1
    quiet = CliRunner().invoke(cli, [*args, "-q"], input=listing)
    assert quiet.exit_code == 0 and quiet.stderr == ""


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (["pages", "Evénement"], 'not in category "Evénement"'),
        (["set", "event", "place=Ailleurs", "--dry-run"], "not in the type's category"),
        (["rename-param", "Event", "place", "lieu", "--dry-run"], 'not using template "Event"'),
    ],
)
def test_titles_left_out_by_the_command_s_category_type_or_template_are_named(
    workdir: Path, command: list[str], why: str
) -> None:
    args = ["-c", str(workdir / "fabmob" / "wikisync.toml"), *command, "--titles", "-"]
    result = CliRunner().invoke(cli, args, input="Meetup intermodalité 8\nCommuns\nAbsent\n")
    assert result.exit_code == 0, result.output
    assert f"is not among the pages chosen ({why}" in result.stderr, result.stderr
    assert result.stderr.count('"Communs"') == 1 and result.stderr.count('"Absent"') == 1


def test_a_dump_answers_the_selection_from_its_pages(tmp_path: Path) -> None:
    from tests.corpus import write_export_xml

    dump = tmp_path / "export.xml"
    pages = [
        PageText(p.title, p.wikitext, revid=i + 1, timestamp=p.timestamp, pageid=i + 1)
        for i, p in enumerate(PAGES)
    ]
    write_export_xml(pages, dump)
    with open_source(str(dump)) as source:
        assert source.select_titles(Selection(transcludes="Event")) == [
            "Atelier bus",
            "Atelier vélo",
            "Paris",
        ]
        assert source.select_titles(Selection(namespace="Modèle", prefix="V")) == ["Modèle:Ville"]
        with pytest.raises(SelectionError, match="cannot select pages by a full-text search"):
            source.select_titles(Selection(search="x"))
