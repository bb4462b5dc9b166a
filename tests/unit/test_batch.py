"""Batch edits on a mirror folder (a copy of the bundled example) and their pure helpers."""

from __future__ import annotations

import pytest

from wikisync.cli.outcomes import error_exit_code, run_exit_code
from wikisync.core.edits import read_params
from wikisync.core.errors import UnknownNameError
from wikisync.core.pages import PageText
from wikisync.core.schema import FieldSpec, RecordType
from wikisync.mirror.target import MirrorTarget
from wikisync.ops.batch.params import (
    find_template_pages,
    remove_template_param,
    rename_template_param,
)
from wikisync.ops.batch.run import (
    BatchReport,
    FieldValueError,
    PageReport,
    check_field_value,
    check_set_values,
    field_param,
    same_value,
    set_fields,
)
from wikisync.ops.collect import iter_type_pages
from wikisync.ops.publish import open_target
from wikisync.ports.source import Source
from wikisync.ports.target import Target
from wikisync.wiki.writer import SaveResult

TEMPLATES = ("Event", "Evénement", "Événement")


def _texts(source: Source, record_type: RecordType) -> dict[str, str]:
    return {page.title: page.wikitext for page in iter_type_pages(source, record_type)}


# -- helpers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"Lieu": "Lyon"}, "Lieu"),
        ({"place": "", "Lieu": "Lyon"}, "Lieu"),
        ({"place": "Paris", "Lieu": "Lyon"}, "place"),
        ({"Lieu": ""}, "Lieu"),
        ({}, "place"),
    ],
)
def test_field_param_prefers_alias_in_use(params: dict[str, str], expected: str) -> None:
    assert field_param(FieldSpec("place", params=("place", "Lieu")), params) == expected


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        (FieldSpec("startDate", "date"), "demain", 'should be a date, got "demain"'),
        (FieldSpec("n", "int"), "douze", "should be a whole number"),
        (FieldSpec("ok", "bool"), "peut-être", "should be yes or no"),
        (FieldSpec("s", "date", required=True), "", "is required"),
        (FieldSpec("place"), "{{Ville}}", "holds a template"),
        (FieldSpec("place"), "a | b", 'holds a "|"'),
    ],
)
def test_check_field_value_refuses_bad_values(spec: FieldSpec, value: str, expected: str) -> None:
    with pytest.raises(FieldValueError) as caught:
        check_field_value(spec, value)
    assert expected in str(caught.value)
    assert caught.value.field == spec.name and caught.value.value == value
    assert error_exit_code(caught.value) == 2


def test_check_field_value_allows_templates_when_trusted() -> None:
    assert check_field_value(FieldSpec("place"), "{{Ville|Lyon}} centre", trusted=True) == "centre"


@pytest.mark.parametrize(
    ("field_type", "first", "second", "same"),
    [
        ("date", "2021-01-18", "18/01/2021", True),
        ("date", "2021-01-18", "2021-01-19", False),
        ("list", "a,b", "a, b", True),
        ("list", "a, b", "b, a", False),
        ("bool", "oui", "true", True),
        ("text", "Lyon", "Lyon ", True),
        ("text", "Lyon", "lyon", False),
        ("text", "a\r\nb", "a\nb", True),
        ("date", "", "", True),
        ("date", "bientôt", "2021-01-01", False),
    ],
)
def test_same_value_compares_typed_fields_by_meaning(
    field_type: str, first: str, second: str, same: bool
) -> None:
    assert same_value(FieldSpec("f", field_type), first, second) is same


def test_check_set_values_names_unknown_field(event: RecordType) -> None:
    with pytest.raises(FieldValueError, match='no field "lieu"'):
        check_set_values(event, {"lieu": "Lyon"})
    with pytest.raises(FieldValueError, match='where: field "startDate" should be a date'):
        check_set_values(event, {"place": "Lyon"}, where={"startDate": "hier"})


def test_batch_report_exit_code_and_counts() -> None:
    report = BatchReport("set", "site", "now")
    assert run_exit_code(report.outcomes()) == 0
    report.pages = [PageReport("A", "edited"), PageReport("B", "skipped")]
    assert run_exit_code(report.outcomes()) == 0 and report.counts() == {"edited": 1, "skipped": 1}
    report.pages.append(PageReport("C", "conflict"))
    assert run_exit_code(report.outcomes()) == 3
    report.pages.append(PageReport("D", "failed"))
    assert run_exit_code(report.outcomes()) == 1
    assert report.to_dict()["counts"]["conflict"] == 1


# -- set -------------------------------------------------------------------------------


def test_set_fields_writes_alias_in_use_and_nothing_else(source: Source, event: RecordType) -> None:
    before = _texts(source, event)
    report = set_fields(source, open_target(source), event, {"place": "Halle"})
    assert run_exit_code(report.outcomes()) == 0
    after = _texts(source, event)
    edited = {page.title for page in report.pages if page.edited}
    assert edited and edited == {t for t in before if before[t] != after[t]}
    for title in edited:
        old = read_params(before[title], TEMPLATES)[0]
        new = read_params(after[title], TEMPLATES)[0]
        used = field_param(FieldSpec("place", params=("place", "Lieu")), old)
        assert new == {**old, used: "Halle"}
    skipped = {page.title for page in report.pages if page.status == "skipped"}
    assert all(not read_params(before[title], TEMPLATES) for title in skipped)


def test_set_fields_again_is_all_unchanged(source: Source, event: RecordType) -> None:
    target = open_target(source)
    set_fields(source, target, event, {"eventType": "Balade"})
    again = set_fields(source, target, event, {"eventType": "Balade"})
    assert again.count("edited") == 0 and again.count("unchanged") > 0


@pytest.mark.parametrize(
    ("where", "check"),
    [
        ({"startDate": "2018"}, lambda p: "2018" in p["startDate"]),
        ({"eventType": "visite"}, lambda p: p["type"] == "Visite"),
        ({"endDate": ""}, lambda p: not p.get("endDate")),
    ],
)
def test_set_fields_where_compares_typed_values(
    source: Source, event: RecordType, where: dict[str, str], check: object
) -> None:
    before = _texts(source, event)
    report = set_fields(
        source, None, event, {"url": "https://example.org"}, where=where, dry_run=True
    )
    planned = {page.title for page in report.pages if page.status == "planned"}
    assert planned
    for title in planned:
        assert check(read_params(before[title], TEMPLATES)[0])  # type: ignore[operator]
    assert _texts(source, event) == before


def test_set_fields_where_list_matches_an_item(source: Source, event: RecordType) -> None:
    before = _texts(source, event)
    report = set_fields(
        source, None, event, {"url": "https://x.org"}, where={"Tags": "vélo"}, dry_run=True
    )
    planned = {page.title for page in report.pages if page.status == "planned"}
    assert planned
    for title in planned:
        tags = read_params(before[title], TEMPLATES)[0]["Tags"]
        assert "vélo" in [tag.strip().casefold() for tag in tags.replace(";", ",").split(",")]


def test_set_fields_stops_on_callback_and_resumes_without_redoing(
    source: Source, event: RecordType
) -> None:
    target = open_target(source)
    seen: list[str] = []

    def interrupt(page: PageReport, done: int, total: int) -> None:
        if page.edited:
            seen.append(page.title)
        if len(seen) == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        set_fields(source, target, event, {"shortDescription": "Nouveau"}, on_page=interrupt)
    second = set_fields(source, target, event, {"shortDescription": "Nouveau"})
    edited = {page.title for page in second.pages if page.edited}
    assert not edited & set(seen)
    assert {page.title for page in second.pages if page.status == "unchanged"} == set(seen)


# -- rename and remove -----------------------------------------------------------------


def test_find_template_pages_scans_mirror_with_redirect_aliases(source: Source) -> None:
    found = find_template_pages(source, "Event")
    assert set(found.names) == set(TEMPLATES)
    assert all(read_params(page.wikitext, found.names) for page in found.pages)
    assert any(page.wikitext.startswith("{{Événement") for page in found.pages)


def test_rename_template_param_renames_and_is_idempotent(source: Source, event: RecordType) -> None:
    target = open_target(source)
    before = _texts(source, event)
    report = rename_template_param(source, target, "Event", "Lieu", "place")
    assert run_exit_code(report.outcomes()) == 0 and report.count("edited") > 0
    after = _texts(source, event)
    for page in report.pages:
        if page.edited:
            assert after[page.title] == before[page.title].replace("Lieu", "place", 1)
    # Run again once finished: "Lieu" is on no page any more; said, and nothing edited.
    with pytest.raises(UnknownNameError, match='"place" is: renamed already'):
        rename_template_param(source, target, "Event", "Lieu", "place")
    assert _texts(source, event) == after


def test_remove_template_param_dry_run_writes_nothing(source: Source, event: RecordType) -> None:
    before = _texts(source, event)
    report = remove_template_param(source, None, "Modèle:Event", "Main_Picture", dry_run=True)
    assert report.count("planned") > 0
    assert all(page.edit is not None for page in report.pages if page.status == "planned")
    assert _texts(source, event) == before


class _EditedMeanwhile(Target):
    """A real mirror target; before the first save of ``title`` its file is edited."""

    def __init__(self, source: Source, title: str, old: str, new: str) -> None:
        self.target = MirrorTarget(source)
        self.title, self.old, self.new = title, old, new

    def save(
        self, title: str, text: str, *, base: PageText | None, summary: str, content_model: str = ""
    ) -> SaveResult:
        if title == self.title and self.old:
            path = self.target.file_of(title)
            content = path.read_text(encoding="utf-8")
            assert self.old in content
            path.write_text(content.replace(self.old, self.new, 1), encoding="utf-8")
            self.old = ""
        return self.target.save(
            title, text, base=base, summary=summary, content_model=content_model
        )


def _one_event_with(source: Source, event: RecordType, param: str) -> tuple[str, str]:
    for title, text in _texts(source, event).items():
        infoboxes = read_params(text, TEMPLATES)
        if len(infoboxes) == 1 and infoboxes[0].get(param):
            return title, infoboxes[0][param]
    raise AssertionError(f"no event page with {param}")


def test_set_fields_conflicts_on_a_field_changed_meanwhile(
    source: Source, event: RecordType
) -> None:
    title, place = _one_event_with(source, event, "place")
    target = _EditedMeanwhile(source, title, f"|place={place}", "|place=Mairie annexe")
    report = set_fields(source, target, event, {"place": "Halle"})
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "conflict" and run_exit_code(report.outcomes()) == 3
    assert 'field "place"' in page.message
    assert f'"{place}" → "Mairie annexe"' in page.message and '"Halle"' in page.message
    assert read_params(_texts(source, event)[title], TEMPLATES)[0]["place"] == "Mairie annexe"
    others = [p for p in report.pages if p.title != title]
    assert all(p.status in ("edited", "skipped") for p in others)


def test_set_fields_reapplies_when_the_edit_meanwhile_left_the_field_alone(
    source: Source, event: RecordType
) -> None:
    title, place = _one_event_with(source, event, "place")
    target = _EditedMeanwhile(source, title, f"|place={place}", f"|place={place}\n|note=humaine")
    report = set_fields(source, target, event, {"place": "Halle"})
    page = next(p for p in report.pages if p.title == title)
    assert page.status == "edited" and page.attempts == 2, page
    params = read_params(_texts(source, event)[title], TEMPLATES)[0]
    assert params["place"] == "Halle" and params["note"] == "humaine"
