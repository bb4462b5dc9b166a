"""Pages made from records: skeletons, value checks, escaping, createonly, import rows."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import mwparserfromhell
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from wikisync.cli import cli
from wikisync.cli.outcomes import run_exit_code
from wikisync.core.errors import RenderError
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.schema import RecordType, load_record_types
from wikisync.ops.batch.run import FieldValueError, check_field_value
from wikisync.ops.create import check_new_values, new_page, new_page_text, render_skeleton
from wikisync.ops.publish import open_target
from wikisync.ops.spreadsheet import import_records
from wikisync.presets import load_preset
from wikisync.sources import open_source

TYPES = load_record_types(tomllib.loads(load_preset("fabmob"))["types"])
EVENT = TYPES["event"]


def _infobox(text: str, record_type: RecordType) -> list[tuple[str, str]]:
    boxes = [
        t
        for t in mwparserfromhell.parse(text).filter_templates(recursive=False)
        if record_type.matches_template(str(t.name))
    ]
    assert len(boxes) == 1
    return [(str(p.name).strip(), str(p.value).strip()) for p in boxes[0].params]


# -- skeletons ------------------------------------------------------------------------


@pytest.mark.parametrize("type_name", list(TYPES))
def test_render_skeleton_holds_the_schema_fields_in_order_and_the_categories(
    type_name: str,
) -> None:
    record_type = TYPES[type_name]
    text = render_skeleton(record_type, "Nouvelle page")
    assert _infobox(text, record_type) == [(spec.params[0], "") for spec in record_type.fields]
    assert text.startswith("{{" + record_type.templates[0] + "\n")
    for category in record_type.categories:
        assert f"[[Catégorie:{category}]]" in text
    found = parse_page(PageText("Nouvelle page", text), record_type)
    assert len(found.records) == 1


def test_render_skeleton_uses_a_folder_before_the_shipped_one(tmp_path: Path) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "event.wiki.j2").write_text(
        "Intro {{ title }}\n{% raw %}{{Evénement{% endraw %}\n|startDate=\n}}\n", encoding="utf-8"
    )
    text = render_skeleton(EVENT, "Atelier", template_dirs=[tmp_path])
    assert text == "Intro Atelier\n{{Evénement|startDate=\n}}\n"  # trim_blocks: no newline
    filled = new_page_text(
        EVENT, "Atelier", {"startDate": "2026-05-01", "place": "Lyon"}, template_dirs=[tmp_path]
    )
    assert _infobox(filled, EVENT) == [("startDate", "2026-05-01"), ("place", "Lyon")]


@pytest.mark.parametrize(
    ("skeleton", "message"),
    [
        ("Pas d'infobox\n", "should hold one {{Event}} infobox, it holds 0"),
        ("{% raw %}{{Event}}\n{{Event}}{% endraw %}\n", "it holds 2"),
        ("{{ inconnue }}", "'inconnue' is undefined"),
        ("{% for %}", "Page skeleton of event"),
    ],
)
def test_render_skeleton_refuses_a_broken_skeleton(
    tmp_path: Path, skeleton: str, message: str
) -> None:
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "event.wiki.j2").write_text(skeleton, encoding="utf-8")
    with pytest.raises(RenderError, match=message.replace("{", r"\{").replace("}", r"\}")):
        render_skeleton(EVENT, "Atelier", template_dirs=[tmp_path])


# -- values -----------------------------------------------------------------------------


def test_new_page_text_fills_checked_values_that_read_back() -> None:
    values = {
        "startDate": "1er mai 2026",
        "place": "[[Nantes]] & [[Rezé|Rezé (44)]]",
        "Tags": "vélo, cargo",
        "description": "a=b, c == d",
        "url": "https://example.org/?a=1&b=2#x",
    }
    text = new_page_text(EVENT, "Atelier", values)
    record = parse_page(PageText("Atelier", text), EVENT).records[0]
    for name, value in values.items():
        assert record.fields[name] == check_field_value(EVENT.fields[_index(name)], value)
    params = dict(_infobox(text, EVENT))
    assert params["place"] == values["place"]
    assert [name for name, _ in _infobox(text, EVENT)] == [s.params[0] for s in EVENT.fields]


def _index(name: str) -> int:
    return EVENT.field_names.index(name)


@pytest.mark.parametrize(
    "value",
    ["Nantes | Rezé", "x}}y", "}}", "{{Ville}}", "{{", "<!-- caché", "<nowiki>", "a {{!}} b"],
)
def test_new_page_text_refuses_values_that_would_break_the_infobox(value: str) -> None:
    with pytest.raises(FieldValueError):
        new_page_text(EVENT, "Atelier", {"startDate": "2026-05-01", "place": value})


def test_new_page_text_takes_templates_when_trusted() -> None:
    text = new_page_text(
        EVENT, "Atelier", {"startDate": "2026-05-01", "place": "{{Ville|Nantes}}"}, trusted=True
    )
    assert dict(_infobox(text, EVENT))["place"] == "{{Ville|Nantes}}"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"place": "Lyon"}, 'field "startDate" is required'),
        ({"startDate": "2026-05-01", "lieu": "Lyon"}, 'record type "event" has no field "lieu"'),
        ({"startDate": "bientôt"}, 'should be a date, got "bientôt"'),
        ({"startDate": "2026-05-01", "url": "pas une url"}, 'field "url"'),
    ],
)
def test_check_new_values_names_what_is_wrong(values: dict[str, str], message: str) -> None:
    with pytest.raises(FieldValueError, match=message):
        check_new_values(EVENT, values)


_VALUE_CHARS = st.sampled_from(list("ab é|}{[]=<>!-'*#:&;~_\n\u037e\u0301")) | st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc")
)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(value=st.text(_VALUE_CHARS, max_size=20))
def test_new_page_text_never_breaks_the_infobox(value: str) -> None:
    # Either the value is refused, or the page holds one infobox with the
    # schema's parameters in order, the value reads back as checked, and the
    # rest of the skeleton is intact.
    try:
        expected = check_field_value(EVENT.fields[_index("description")], value)
        text = new_page_text(EVENT, "Atelier", {"startDate": "2026-05-01", "description": value})
    except FieldValueError:
        return
    assert [name for name, _ in _infobox(text, EVENT)] == [s.params[0] for s in EVENT.fields]
    found = parse_page(PageText("Atelier", text), EVENT)
    assert len(found.records) == 1
    assert found.records[0].fields["description"] == expected
    assert text.endswith("[[Catégorie:Evénement]]\n")


# -- a mirror -------------------------------------------------------------------------


def test_new_page_creates_a_page_in_a_mirror_and_never_replaces_one(example: Path) -> None:
    source = open_source(str(example / "mirror"))
    target = open_target(source)
    values = {"startDate": "2026-05-12", "place": "Nantes"}
    planned = new_page(source, None, EVENT, "atelier_vélo 2026", values, dry_run=True)
    assert planned.status == "planned"
    assert planned.title == "Atelier vélo 2026"
    assert source.fetch_titles(["Atelier vélo 2026"]).missing == ["Atelier vélo 2026"]
    created = new_page(source, target, EVENT, "Atelier vélo 2026", values)
    assert (created.status, run_exit_code(created.outcomes())) == ("created", 0)
    page = source.fetch_titles(["Atelier vélo 2026"]).pages[0]
    assert page.wikitext.rstrip("\n") == created.text.rstrip("\n")
    assert "Atelier vélo 2026" in source.list_category("Evénement")
    again = new_page(source, target, EVENT, "Atelier vélo 2026", {"startDate": "2027-01-01"})
    assert (again.status, run_exit_code(again.outcomes())) == ("refused", 3)
    assert "exists already" in again.message
    assert source.fetch_titles(["Atelier vélo 2026"]).pages[0].wikitext == page.wikitext


@pytest.mark.parametrize("title", ["", "  ", "A [[b]]", "A|b", "A#b", "A{b}"])
def test_new_page_refuses_a_bad_title(example: Path, title: str) -> None:
    source = open_source(str(example / "mirror"))
    with pytest.raises(FieldValueError, match="is not a page title"):
        new_page(source, None, EVENT, title, {"startDate": "2026-05-12"}, dry_run=True)


def _cli(example: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, ["-c", str(example / "wikisync.toml"), "--site", str(example / "mirror"), *args]
    )
    return result.exit_code, result.stdout, result.stderr


def test_cli_new_dry_run_prints_the_text_and_writes_nothing(example: Path) -> None:
    code, out, err = _cli(example, "new", "event", "Atelier", "startDate=2026-05-12", "--dry-run")
    assert code == 0, err
    assert out.startswith("{{Event\n|startDate=2026-05-12\n|endDate=\n")
    assert "would be created" in err
    assert not list((example / "mirror").rglob("Atelier.wiki"))


def test_cli_new_creates_then_refuses_with_exit_3(example: Path) -> None:
    code, out, err = _cli(example, "new", "event", "Atelier", "startDate=2026-05-12", "place=Lyon")
    assert code == 0, err
    assert 'page "Atelier" created in the mirror' in err and out == ""
    file = example / "mirror" / "_main" / "Atelier.wiki"
    before = file.read_bytes()
    code, out, err = _cli(example, "new", "event", "Atelier", "startDate=2030-01-01")
    assert code == 3
    assert "exists already" in err
    assert file.read_bytes() == before


def test_cli_new_report_says_created_then_refused(example: Path, tmp_path: Path) -> None:
    report = tmp_path / "new.json"
    args = ("new", "event", "Atelier", "startDate=2026-05-12", "--report", str(report))
    assert _cli(example, *args)[0] == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert (data["command"], data["title"], data["status"]) == ("new", "Atelier", "created")
    assert _cli(example, *args)[0] == 3
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["status"] == "refused" and "exists already" in data["message"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("place=a|b", "startDate=2026-05-12"), 'holds a "|"'),
        (("place=Lyon",), "is required"),
        (("lieu=Lyon", "startDate=2026-05-12"), 'has no field "lieu"'),
        (("startDate",), "should be FIELD=VALUE"),
    ],
)
def test_cli_new_refuses_bad_values_with_exit_2(
    example: Path, args: tuple[str, ...], message: str
) -> None:
    code, _, err = _cli(example, "new", "event", "Atelier", *args)
    assert code == 2
    assert message in err
    assert "Traceback" not in err


# -- import: rows without a revision ----------------------------------------------------


def test_import_records_creates_pages_for_rows_without_revision(example: Path) -> None:
    source = open_source(str(example / "mirror"))
    existing = source.list_category("Evénement")[0]
    before = source.fetch_titles([existing]).pages[0].wikitext
    sheet = example / "new.csv"
    sheet.write_text(
        "title,index,revid,startDate,place\r\n"
        'Nouvel atelier,,,2026-02-03,"Nantes, [[Rezé]]"\r\n'
        f'"{existing}",0,,2026-01-01,Ailleurs\r\n'
        "Mauvais,0,,pas une date,Y\r\n"
        "Mal fait,1,,2026-01-01,Y\r\n",
        encoding="utf-8",
    )
    planned = import_records(source, None, EVENT, sheet, dry_run=True)
    assert [p.status for p in planned.pages] == ["planned", "conflict", "invalid", "invalid"]
    report = import_records(source, open_target(source), EVENT, sheet)
    statuses = {p.title: p.status for p in report.pages}
    assert statuses == {
        "Nouvel atelier": "created",
        existing: "conflict",
        "Mauvais": "invalid",
        "Mal fait": "invalid",
    }
    assert run_exit_code(report.outcomes()) == 3
    assert report.counts() == {"created": 1, "conflict": 1, "invalid": 2}
    messages = {p.title: p.message for p in report.pages}
    assert "row 4, column D (startDate)" in messages["Mauvais"]
    assert "exists already" in messages[existing]
    assert source.fetch_titles([existing]).pages[0].wikitext == before
    page = source.fetch_titles(["Nouvel atelier"]).pages[0]
    record = parse_page(page, EVENT).records[0]
    assert record.fields["place"] == "Nantes, Rezé"
    assert source.fetch_titles(["Mauvais", "Mal fait"]).missing == ["Mauvais", "Mal fait"]
    again = import_records(source, open_target(source), EVENT, sheet)
    # the page this import created already holds its row: unchanged, not a conflict (issue 17)
    assert {p.title: p.status for p in again.pages}["Nouvel atelier"] == "unchanged"
    assert source.fetch_titles(["Nouvel atelier"]).pages[0].wikitext == page.wikitext


# -- issue 18 item 12: titles MediaWiki would refuse ---------------------------------------


@pytest.mark.parametrize(
    ("title", "why"),
    [
        (":", "empty"),
        ("::", "empty"),
        ("Catégorie:", "no name after the namespace"),
        ("Category:", "no name after the namespace"),
        ("catégorie: ", "no name after the namespace"),
        ("Modèle:_", "no name after the namespace"),
        ("A%41", "'%41'"),
        ("A\x01b", "'\\x01'"),
        ("A\ufffdb", "'\ufffd'"),
        ("Signé ~~~~", "'~~~'"),
        ("../Secret", "relative path"),
        ("A/../B", "relative path"),
        ("A/.", "relative path"),
        (".", "relative path"),
        ("é" * 128, "longer than 255 bytes"),
    ],
)
def test_cli_new_refuses_a_title_mediawiki_refuses_in_one_line(
    example: Path, title: str, why: str
) -> None:
    before = sorted(p.name for p in (example / "mirror").rglob("*"))
    code, out, err = _cli(example, "new", "event", title, "startDate=2026-05-12")
    assert code == 2, err
    assert err.count("\n") == 1 and "is not a page title" in err and why in err
    assert "Traceback" not in err and out == ""
    assert sorted(p.name for p in (example / "mirror").rglob("*")) == before


@pytest.mark.parametrize("title", ["Modèle:Ok", "A/B", "A.b", "100 %", "Fin.", "é" * 127])
def test_new_page_takes_unusual_but_valid_titles(example: Path, title: str) -> None:
    source = open_source(str(example / "mirror"))
    result = new_page(source, None, EVENT, title, {"startDate": "2026-05-12"}, dry_run=True)
    assert result.status == "planned"


@pytest.mark.parametrize("title", ["A\ud800", "\udcffB", "Catégorie:\udfff"])
def test_new_page_refuses_a_title_with_a_lone_surrogate(example: Path, title: str) -> None:
    # (From a command line, arguments that are not UTF-8 are refused before this.)
    source = open_source(str(example / "mirror"))
    with pytest.raises(FieldValueError, match="lone surrogate") as info:
        new_page(source, None, EVENT, title, {"startDate": "2026-05-12"}, dry_run=True)
    message = str(info.value)
    message.encode("utf-8")  # printable: the surrogate is shown escaped
    assert "\n" not in message
