"""Forms of real infobox values read since issue 22 item 7, and their look-alikes still reported.

Each form read is unambiguous; each look-alike beside it could mean something
else and stays a problem naming the raw value (never a silent guess).
"""

from __future__ import annotations

import pytest

from wikisync.core.dates import DateRange, DateValue
from wikisync.core.errors import ValueFormatError
from wikisync.core.fields.values import parse_int, parse_value, to_json_value
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.schema import load_record_types


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14,736", 14736),
        ("2,615,060", 2615060),
        ("-1,000", -1000),
        ("11.689.442", 11689442),
        ("1.234.567.890", 1234567890),
        ("10\u2009000", 10000),  # thin space
        ("10 000", 10000),
    ],
)
def test_parse_int_reads_digit_groups(text: str, expected: int) -> None:
    assert parse_int(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1.234",  # one dot: a decimal point as often as a separator
        "1,23",
        "1,2345",
        "1234,567",
        ",123",
        "14,736.5",
        "1.234,5",
        "12,345 678",  # two kinds of separator
        "1.234,567",
    ],
)
def test_parse_int_reports_groups_that_could_mean_something_else(text: str) -> None:
    with pytest.raises(ValueFormatError, match="a whole number"):
        parse_int(text)


@pytest.mark.parametrize(
    ("wikitext", "expected"),
    [
        ("{{formatnum:14736}}", 14736),
        ("{{formatnum: 2615060 }}", 2615060),
        ("{{formatnum:14,736}}", 14736),
        ("{{formatnum:1500}}<ref>census</ref>", 1500),
    ],
)
def test_formatnum_gives_its_number(wikitext: str, expected: int) -> None:
    assert parse_value("int", wikitext) == expected


@pytest.mark.parametrize(
    ("wikitext", "iso"),
    [
        ("2 February 962", "0962-02-02"),
        ("February 962", "0962-02"),
        ("12 mars 962", "0962-03-12"),
        ("{{start date|962|2|2}}", "0962-02-02"),
        ("{{date|976}}", "0976"),
        ("{{date|2|février|962}}", "0962-02-02"),
        ("{{start date and age|df=yes|1997|05|16}} in [[Mexico City]], [[Mexico]]", "1997-05-16"),
        ("{{start date|1911|6|16}} in [[Endicott, New York|Endicott]]", "1911-06-16"),
        ("{{start date|1911|6|16}} (as the ''Evening Star'')", "1911-06-16"),
        ("{{start date|1911|6|16}}<ref>{{cite web|url=https://example.org}}</ref>", "1911-06-16"),
    ],
)
def test_dates_of_the_first_millennium_and_date_templates_with_words(
    wikitext: str, iso: str
) -> None:
    value = parse_value("date", wikitext)
    assert isinstance(value, DateValue)
    assert value.iso() == iso


@pytest.mark.parametrize(
    "wikitext",
    [
        "962",  # a bare three-digit number is no date
        "19/09/962",
        "{{date|97}}",
        "{{start date|1911|6|16}} to present",
        "{{start date|1911|6|16}} or earlier",
        "{{start date|1911|6|16}} (renamed 1920)",
        "{{start date|1911|6|16}} \u2013",
        "{{start date|1911|6|16}}?",
        "{{start date|1911|6|16}} circa",
        "in {{start date|1911}}",
        "2012&ndash;Present",
        "2013\u2013",
        "2010\u201311",  # a season: the end is no year
        "1995\u20131990",
    ],
)
def test_look_alikes_stay_problems(wikitext: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_value("date", wikitext)
    assert info.value.value == wikitext.strip()


@pytest.mark.parametrize(
    "wikitext",
    ["2000&ndash;2005", "2000\u20132005", "2000 \u2013 2005", "2000-2005", "2000&mdash;2005"],
)
def test_year_ranges_with_dashes_and_entities_are_ranges(wikitext: str) -> None:
    value = parse_value("date", wikitext)
    assert isinstance(value, DateRange)
    assert to_json_value(value) == "2000/2005"


def test_a_year_range_fills_the_end_field_of_a_record() -> None:
    types = load_record_types(
        {
            "coach": {
                "templates": ["Infobox football biography"],
                "fields": {
                    "manageryears1": {"type": "date", "end": "until"},
                    "until": "date",
                },
            }
        }
    )
    page = PageText("Coach", "{{Infobox football biography\n|manageryears1=2000&ndash;2005\n}}")
    found = parse_page(page, types["coach"])
    assert not found.problems
    (record,) = found.records
    assert (record["manageryears1"], record["until"]) == (
        DateValue(2000, precision="year"),
        DateValue(2005, precision="year"),
    )


def test_flat_list_gives_its_items() -> None:
    value = parse_value("list", "{{flat list|\n* [[Pop music|Pop]]\n* [[Laïko]]\n}}")
    assert value == ("Pop", "Laïko")
    assert parse_value("list", "{{Flat list|\n*A\n*B}}") == ("A", "B")
