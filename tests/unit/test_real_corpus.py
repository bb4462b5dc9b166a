"""Real infobox pages (tests/data/real, see SOURCES.md): values read right or reported.

Each ``tests/data/real/expect/*.toml`` names one real page (a ``.wiki`` file,
or ``export.xml#Title`` for a page of a real export file), its infobox, and
for a few fields their type and the value expected, ``"problem"`` (not read:
a problem must name page, field and raw value) or ``"none"`` (blank); a date
field may name the ``end`` field a range written in it ends in. The
same pages stay byte-exact under the no-op and one-parameter edits.
"""

from __future__ import annotations

import contextlib
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import mwparserfromhell
import pytest
from mwparserfromhell.nodes import Comment

from wikisync.core.edits import remove_param, rename_param, set_params
from wikisync.core.fields.values import FIELD_TYPES, ValueFormatError, parse_value, to_json_value
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.schema import RecordType, load_record_types
from wikisync.dump.reader import DumpSource

REAL = Path(__file__).resolve().parent.parent / "data" / "real"
EXPECT_FILES = sorted((REAL / "expect").glob("*.toml"))


@dataclass(frozen=True)
class Case:
    """One real page and what its fields are expected to hold."""

    name: str
    page: PageText
    record_type: RecordType
    expected: dict[str, Any]


@cache
def _export_pages(path: Path) -> dict[str, PageText]:
    return {page.title: page for page in DumpSource(path).iter_pages()}


def load_page(ref: str) -> PageText:
    """A corpus page: ``pages/en/X.wiki`` or ``exports/file.xml#Title``."""
    if "#" in ref:
        file, title = ref.split("#", 1)
        return _export_pages(REAL / file)[title]
    path = REAL / ref
    return PageText(path.stem, path.read_text(encoding="utf-8"), revid=1)


def load_case(path: Path) -> Case:
    """Read one expectation file into a case."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    fields: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for name, spec in data["fields"].items():
        field = {"type": spec["type"], "params": [name]}
        if "separators" in spec:
            field["separators"] = spec["separators"]
        if "end" in spec:  # a range's end goes there (a field of the file, read from no parameter)
            field["end"] = spec["end"]
        fields[name] = field
        expected[name] = spec["expect"]
    types = load_record_types({"real": {"templates": [data["template"]], "fields": fields}})
    return Case(path.stem, load_page(data["page"]), types["real"], expected)


def all_cases() -> list[Case]:
    """Every case of the corpus."""
    return [load_case(path) for path in EXPECT_FILES]


def test_the_corpus_is_real_and_large_enough() -> None:
    cases = all_cases()
    assert len(cases) >= 25
    assert sum(len(case.expected) for case in cases) >= 50
    assert any(ref.page.title == "Madonna" for ref in cases)


@pytest.mark.parametrize("path", EXPECT_FILES, ids=lambda p: p.stem)
def test_every_value_is_read_right_or_reported(path: Path) -> None:
    case = load_case(path)
    found = parse_page(case.page, case.record_type)
    assert found.records, [str(p) for p in found.problems]
    record = found.records[0]
    by_field = {p.field: p for p in found.problems if p.field}
    for name, expected in case.expected.items():
        value = record.fields[name]
        if expected == "problem":
            assert value is None, (name, value)
            problem = by_field.get(name)
            assert problem is not None, f"{name}: no problem reported"
            assert problem.title == case.page.title and problem.value
            assert f'field "{name}"' in str(problem) and case.page.title in str(problem)
        elif expected == "none":
            assert value is None and name not in by_field, (name, value)
        else:
            assert to_json_value(value) == expected, name
            assert name not in by_field, str(by_field[name])


def _infobox(case: Case) -> Any:
    code = mwparserfromhell.parse(case.page.wikitext)
    for template in code.ifilter_templates(recursive=True):
        name = "".join(str(n) for n in template.name.nodes if not isinstance(n, Comment))
        if case.record_type.matches_template(name):
            return template
    raise AssertionError(f"{case.name}: no infobox")


EDIT_CASES = [pytest.param(path, id=path.stem) for path in EXPECT_FILES]


@pytest.mark.parametrize("path", EDIT_CASES)
def test_no_op_and_one_parameter_edits_stay_byte_exact(path: Path) -> None:
    case = load_case(path)
    text = case.page.wikitext
    names = list(case.record_type.templates)
    box = _infobox(case)
    params = [str(p.name).strip() for p in box.params]
    current = {str(p.name).strip(): str(p.value) for p in box.params}
    name = next(p for p in params if current[p].strip() and "\n" not in current[p].strip())
    same = set_params(text, names, {name: current[name].strip()}, index=0, trusted=True)
    assert same.wikitext == text and not same.changed
    edited = set_params(text, names, {name: "Nouvelle valeur"}, index=0)
    before, after = text.split(current[name], 1)[0], edited.wikitext
    assert after.startswith(before) and after != text
    restored = set_params(
        edited.wikitext, names, {name: current[name].strip()}, index=0, trusted=True
    )
    assert restored.wikitext == text
    renamed = rename_param(text, names, name, name + "_x", index=0)
    back = rename_param(renamed.wikitext, names, name + "_x", name, index=0)
    assert back.wikitext == text
    removed = remove_param(text, names, name, index=0)
    assert removed.wikitext != text
    assert len(text) - len(removed.wikitext) >= len(current[name].strip())
    # More parameters (up to five one-line ones): a no-op and a set-and-restore.
    others = [p for p in params if current[p].strip() and "\n" not in current[p].strip()]
    for other in others[1:6]:
        value = current[other].strip()
        assert set_params(text, names, {other: value}, index=0, trusted=True).wikitext == text
        changed = set_params(text, names, {other: "x"}, index=0).wikitext
        back_again = set_params(changed, names, {other: value}, index=0, trusted=True)
        assert back_again.wikitext == text, other


def _all_corpus_texts() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(REAL.glob("pages/*/*.wiki"))]
    for export in sorted(REAL.glob("exports/*.xml")):
        texts.extend(page.wikitext for page in _export_pages(export).values())
    return texts


def test_every_parameter_of_every_real_template_is_read_or_reported() -> None:
    # Every value of every template on every real page, as every field type:
    # a typed value or ValueFormatError, never another exception.
    count = 0
    for text in _all_corpus_texts():
        for template in mwparserfromhell.parse(text).ifilter_templates(recursive=True):
            for param in template.params:
                for field_type in FIELD_TYPES:
                    count += 1
                    with contextlib.suppress(ValueFormatError):
                        parse_value(field_type, param.value, ("a",))
    assert count > 50_000
