"""The data-quality report: counts, problems, links, language, and its HTML page."""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.config import load_config
from wikisync.core.errors import ConfigError, RecordError
from wikisync.ops.collect import collect_records, record_type_named
from wikisync.ops.jobs.run import Job, load_jobs, plan_jobs, render_job
from wikisync.ops.quality.check import (
    FieldQuality,
    QualityProblem,
    QualityReport,
    TypeQuality,
    WikiLinks,
    check_types,
    problem_of,
    report_language,
    summarize,
    wiki_links,
)
from wikisync.ops.quality.html import labels_in, render_quality_html
from wikisync.sources import open_source

HOSTILE_TITLE = 'Atelier <script>alert("t")</script> & "co" \'x\' ?a=1#b'
HOSTILE_VALUE = '<img src=x onerror=alert(1)> & </td></tr><script>alert("v")</script>'


class _Elements(HTMLParser):
    """Every element and the text of a page, as an HTML parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


def _hostile_report(lang: str = "en", links: WikiLinks | None = None) -> QualityReport:
    problem = QualityProblem(
        "event<b>",
        HOSTILE_TITLE,
        "start<i>Date",
        HOSTILE_VALUE,
        'a date & "<u>"',
        f'Page "{HOSTILE_TITLE}": field "start<i>Date" should be a date & "<u>", got "…"',
    )
    page_problem = QualityProblem("event<b>", "Page & co", None, None, "no infobox", "no infobox")
    item = TypeQuality(
        "event<b>",
        "Events <em>all</em>",
        3,
        2,
        (FieldQuality("start<i>Date", 1, 1), FieldQuality("place", 2, 0)),
        (problem, page_problem),
    )
    return QualityReport("Wiki <s>x</s>", lang, (item,), links)


# -- the model -----------------------------------------------------------------------


def test_problem_of_splits_what_was_expected() -> None:
    error = RecordError(
        'Page "A (infobox 2)" (infobox 2): field "startDate" should be a date, got "x, got y"',
        title="A (infobox 2)",
        field="startDate",
        value="x, got y",
    )
    problem = problem_of("event", error)
    assert problem.expected == "a date"
    assert problem.message == str(error)
    page_level = problem_of("event", RecordError('Page "B": no {{Event}} infobox', title="B"))
    assert page_level.expected == "no {{Event}} infobox"
    assert page_level.field is None and page_level.value is None


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_summary_of_the_example_matches_a_count_by_hand(example: Path) -> None:
    config = load_config(example / "wikisync.toml")
    report = check_types(config, open_source(config))
    assert [item.name for item in report.types] == list(config.types)
    assert report.lang == "fr"  # a French mirror
    assert report.links is None  # the example mirror records no wiki
    for item in report.types:
        record_type = record_type_named(config.types, item.name)
        found = collect_records(open_source(config), record_type)
        assert (item.pages, item.records) == (found.page_count, len(found.records))
        assert [field.name for field in item.fields] == [spec.name for spec in record_type.fields]
        for field in item.fields:
            filled = [r for r in found.records if r.fields[field.name] not in (None, "", ())]
            assert field.filled == len(filled)
            assert field.problems == sum(1 for p in found.problems if p.field == field.name)
        assert [p.message for p in item.problems] == [str(p) for p in found.problems]
    event = report.types[0]
    assert (event.pages, event.records, len(event.problems), event.page_problems) == (16, 14, 4, 2)
    assert report.problem_count == 5


def test_check_types_refuses_unknown_type(example: Path) -> None:
    config = load_config(example / "wikisync.toml")
    with pytest.raises(ConfigError, match="unknown record type 'evnt'"):
        check_types(config, open_source(config), ["evnt"])


def test_summarize_without_schema_uses_the_records_fields(example: Path) -> None:
    config = load_config(example / "wikisync.toml")
    found = collect_records(open_source(config), record_type_named(config.types, "event"))
    item = summarize(found)
    assert item.fields[0].name == "startDate" and item.description == ""


@pytest.mark.parametrize(
    ("site", "script"),
    [
        ("https://wiki.example.org/w/api.php", "https://wiki.example.org/w/index.php"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/index.php"),
        ("javascript:alert(1)//", None),
        ("", None),
    ],
)
def test_mirror_links_come_from_its_recorded_wiki(
    example: Path, site: str, script: str | None
) -> None:
    settings = example / "mirror" / "wikisync-mirror.json"
    data = json.loads(settings.read_text(encoding="utf-8"))
    data["site"] = site or None
    settings.write_text(json.dumps(data), encoding="utf-8")
    links = wiki_links(open_source(str(example / "mirror")))
    assert (links.script if links else None) == script


def test_links_encode_titles_as_the_wiki_does() -> None:
    links = WikiLinks("https://w.example/index.php")
    assert links.page_url("Café & co?/x#1 +=") == (
        "https://w.example/index.php?title=Caf%C3%A9_%26_co%3F/x%231_%2B%3D"
    )
    assert links.edit_url("Catégorie:A b").endswith("?title=Cat%C3%A9gorie:A_b&action=edit")


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_language_from_the_configuration_else_the_wiki(example: Path) -> None:
    mirror = open_source(str(example / "mirror"))
    assert report_language("", mirror) == "fr"
    assert report_language("en", mirror) == "en"
    (example / "wikisync.toml").write_text(
        'lang = "de"\n' + (example / "wikisync.toml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"wikisync\.toml: lang: should be one of '', 'fr', 'en'"):
        load_config(example / "wikisync.toml")
    assert load_config(example / "wikisync.toml", environ={"WIKISYNC_LANG": "en"}).lang == "en"


# -- the HTML page -------------------------------------------------------------------


def test_html_escapes_every_hostile_text() -> None:
    links = WikiLinks('https://w.example/index.php"><script>x</script>')
    page = render_quality_html(_hostile_report(links=links))
    parsed = _parse(page)
    tags = [tag for tag, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags and "i" not in tags and "u" not in tags
    assert "b" not in tags and "s" not in tags and "em" not in tags
    text = "".join(parsed.text)
    for shown in (HOSTILE_TITLE, HOSTILE_VALUE, "event<b>", "start<i>Date", "Wiki <s>x</s>"):
        assert shown in text
    hrefs = [attrs["href"] for tag, attrs in parsed.tags if tag == "a" and attrs.get("href")]
    page_url = links.page_url(HOSTILE_TITLE)
    assert page_url in hrefs and links.edit_url(HOSTILE_TITLE) in hrefs
    assert "?title=Atelier_%3Cscript%3Ealert%28%22t%22%29%3C/script%3E_%26_" in page_url
    titles = [attrs.get("title") for tag, attrs in parsed.tags if tag == "td" and attrs]
    assert any(title and HOSTILE_TITLE in title for title in titles)


def test_html_is_self_contained() -> None:
    page = render_quality_html(_hostile_report(links=WikiLinks("https://w.example/index.php")))
    parsed = _parse(page)
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        assert (
            "src" not in attrs
            and "style" not in attrs
            and not any(name.startswith("on") for name in attrs)
        )
    assert not re.search(r"url\(|@import|https?://(?!w\.example|www\.w3\.org/2000/svg)", page)
    assert page.count("<svg") == 1 and "<style>" in page


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_html_labels_follow_the_language(lang: str) -> None:
    page = render_quality_html(_hostile_report(lang))
    assert f'<html lang="{lang}">' in page
    text = "".join(_parse(page).text)
    labels = labels_in(lang)
    for key in ("title", "summary", "records", "problems", "field", "filled", "expected"):
        assert labels[key] in text
    other = labels_in("en" if lang == "fr" else "fr")
    assert other["records"] not in text and other["filled"] not in text
    assert labels["no_links"] in text  # no links known


def test_html_without_problems_says_so_and_draws_no_chart() -> None:
    item = TypeQuality("commun", "", 4, 4, (FieldQuality("url", 4, 0),), ())
    page = render_quality_html(QualityReport("w", "fr", (item,)))
    assert "Aucun problème." in page and "<svg" not in page and "<tfoot>" not in page


def test_html_chart_bars_are_proportional() -> None:
    fields = (FieldQuality("a", 0, 4), FieldQuality("b", 0, 1), FieldQuality("c", 0, 0))
    problems = tuple(QualityProblem("t", "P", None, None, "x", "x") for _ in range(2))
    page = render_quality_html(
        QualityReport("w", "en", (TypeQuality("t", "", 1, 1, fields, problems),))
    )
    widths = [int(w) for w in re.findall(r'<rect class="bar" [^>]*width="(\d+)"', page)]
    assert widths == [220, 55, 110]  # a, b, then the page problems; c has none


# -- the command line ----------------------------------------------------------------


def _check(example: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-c", str(example / "wikisync.toml"), "check", *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_check_html_of_all_types_is_byte_identical_on_a_rerun(example: Path) -> None:
    first, second = example / "a.html", example / "b.html"
    code, out, err = _check(example, "--format", "html", "-o", str(first))
    assert code == 0, err
    assert out == "" and "event: 16 pages, 14 fiches, 4 problèmes" in err  # a French wiki
    assert "community: 2 pages" in err
    assert _check(example, "-f", "html", "-o", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    page = first.read_text(encoding="utf-8")
    assert page.count('<section class="type"') == 5 and "Qualité des données" in page


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_check_html_to_stdout_and_strict(example: Path) -> None:
    code, out, _ = _check(example, "event", "actor", "-f", "html", "--strict")
    assert code == 1
    assert out.startswith("<!DOCTYPE html>") and out.count('<section class="type"') == 2
    code, out, _ = _check(example, "commun", "-f", "html", "--strict")
    assert code == 0 and "Aucun problème." in out


def test_check_html_shows_a_hostile_value_as_text(example: Path) -> None:
    page = next((example / "mirror" / "_main").glob("Café d\u2019échanges %3A transport*.wiki"))
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("|startDate=day", f"|startDate={HOSTILE_VALUE}"), "utf-8")
    code, out, err = _check(example, "event", "-f", "html")
    assert code == 0, err
    parsed = _parse(out)
    assert not {"img", "script"} & {tag for tag, _ in parsed.tags}
    assert HOSTILE_VALUE in "".join(parsed.text)


def test_check_unknown_type_is_one_line_exit_2(example: Path) -> None:
    code, _, err = _check(example, "evnt", "-f", "html")
    assert code == 2 and err.startswith("wikisync: error: unknown record type 'evnt'")
    assert err.count("\n") == 1


def test_check_json_rows_name_their_type(example: Path) -> None:
    code, out, _ = _check(example, "-f", "json")
    rows = json.loads(out)
    assert code == 0 and [row["type"] for row in rows] == ["event"] * 4 + ["actor"]
    assert rows[1]["expected"] == "a date" and rows[1]["value"] == "day"


# -- the wiki page template ----------------------------------------------------------


def test_quality_template_escapes_values_and_links_the_edit_form(example: Path) -> None:
    config = load_config(example / "wikisync.toml")
    source = open_source(config)
    sets = [collect_records(source, record_type_named(config.types, n)) for n in ("event", "actor")]
    job = Job("quality", "event", "Qualité", "quality.wiki.j2", types=("event", "actor"))
    text = render_job(job, sets, today=dt.date(2025, 1, 6))
    assert text.startswith('{| class="wikitable"\n! Type !! Pages !! Fiches !! Problèmes\n')
    assert "| event || 16 || 14 || 4\n" in text and "| actor || 8 || 8 || 1\n" in text
    assert "== event ==" in text and "== actor ==" in text
    assert (
        "| [[Association Vélo·cité Orléans]] || Adherent || <code>peut-être</code> || "
        "yes or no (oui/non, true/false, 1/0) || "
        "[{{fullurl:Association Vélo·cité Orléans|action=edit}} modifier]\n"
    ) in text
    assert "no &#123;&#123;Event&#125;&#125; infobox" in text  # problems escaped
    english = Job(
        "quality", "event", "Q", "quality.wiki.j2", types=("event",), variables={"lang": "en"}
    )
    assert "! Type !! Pages !! Records !! Problems" in render_job(
        english, sets[:1], today=dt.date(2025, 1, 6)
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"type": []}, "type: should be a record type's name or a non-empty list of them"),
        ({"type": ["event", 3]}, "type: should be a record type's name or a non-empty list"),
        ({"type": ["event", " "]}, "type: should be a record type's name or a non-empty list"),
        ({}, "type: required"),
        ({"type": "event", "variables": {"problems": []}}, "may not redefine problems"),
        ({"type": "event", "variables": {"quality": 1}}, "may not redefine quality"),
    ],
)
def test_job_types_and_reserved_variables_are_checked(
    table: dict[str, object], message: str
) -> None:
    jobs = {"q": {"page": "Q", "page_template": "quality", **table}}
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_jobs(jobs)


def test_job_with_several_types_reads_each_once(example: Path) -> None:
    config = load_config(example / "wikisync.toml")
    jobs = {"q": {"type": ["event", "actor", "event"], "page": "Q", "page_template": "quality"}}
    job = load_jobs(jobs)["q"]
    assert (job.type, job.record_types) == ("event", ("event", "actor"))
    assert load_jobs({"e": {"type": "event", "page": "E", "page_template": "events"}})[
        "e"
    ].record_types == ("event",)
    source = open_source(config)

    merged = replace(config, jobs={**config.jobs, **jobs})
    _, report = plan_jobs(merged, source, names=["q"], create=True, today=dt.date(2025, 1, 6))
    assert report.jobs[0].status == "planned", report.jobs[0].message
    assert (report.jobs[0].pages_read, report.jobs[0].records) == (24, 22)
    assert len(report.jobs[0].problems) == 5


def test_readme_quality_job_loads_as_written() -> None:
    readme = (Path(__file__).resolve().parents[2] / "docs" / "jobs.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[jobs\.quality\]\n.*?)```", readme, flags=re.DOTALL)
    assert block is not None
    job = load_jobs(tomllib.loads(block.group(1))["jobs"])["quality"]
    assert job.record_types == ("event", "actor") and job.page_template == "quality.wiki.j2"


@pytest.mark.usefixtures("speaks_the_wiki_language")
def test_dump_report_has_no_links_and_the_dumps_language() -> None:
    dumps = Path(__file__).resolve().parents[1] / "fixtures" / "dumps"
    config = load_config(Path(__file__).resolve().parents[2] / "examples/fabmob/wikisync.toml")
    french = check_types(config, open_source(str(dumps / "fabmob-export-0.11.xml")), ["event"])
    assert (french.lang, french.links, french.site) == ("fr", None, "fabmob-export-0.11.xml")
    english = open_source(str(dumps / "english-sans-namespaces.xml"))
    assert report_language("", english) == "en"
    assert "No links to the wiki" in render_quality_html(replace(french, lang="en"))


# -- issue 18 item 4: dates at the edges of the calendar ----------------------------------


def test_summarize_reports_edge_dates_naming_page_field_and_value_in_page_order() -> None:
    from wikisync.core.pages import PageText
    from wikisync.core.records import extract_records
    from wikisync.core.schema import load_record_types

    event = load_record_types(
        {"event": {"templates": ["Event"], "fields": {"startDate": "date", "endDate": "date"}}}
    )["event"]
    pages = [
        PageText("A", "{{Event|startDate=0001-01-01T00:30+05:00}}"),
        PageText("B", "{{Event|startDate=jour}}"),
        PageText("C", "{{Event|startDate=2025-05-01|endDate=9999-12-31}}"),
        PageText("D", "{{Event|startDate=2025-05-01|endDate=9999-12-30}}"),
        PageText("E", "{{Event|startDate=31 décembre 9999}}"),
    ]
    summary = summarize(extract_records(pages, event), fields=["startDate", "endDate"])
    assert [(p.title, p.field, p.value) for p in summary.problems] == [
        ("A", "startDate", "0001-01-01T00:30:00+05:00"),
        ("B", "startDate", "jour"),
        ("C", "endDate", "9999-12-31"),
        ("E", "startDate", "9999-12-31"),
    ]
    edge = summary.problems[0]
    assert edge.expected == "a date between 0001-01-02 and 9999-12-30"
    assert [(f.name, f.problems) for f in summary.fields] == [("startDate", 3), ("endDate", 1)]
