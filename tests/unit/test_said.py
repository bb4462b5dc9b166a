"""Messages the library says in English and the command line in the run's language."""

from __future__ import annotations

import pickle

import pytest

from wikisync.core.errors import MissingPageError, RecordError, ValueFormatError
from wikisync.core.pages import PageText
from wikisync.core.records import parse_page
from wikisync.core.said import Said, message_of, said, said_data, said_from_data, said_n
from wikisync.core.schema import RecordType
from wikisync.i18n import say, say_error
from wikisync.ops.record_cache import decode_page_records, encode_page_records


def test_a_said_message_is_its_english_text() -> None:
    hint = said("; did you mean %(names)s?", names="'event'")
    message = said(
        "unknown record type '%(name)s'%(hint)s (known: %(known)s)",
        name="evnt",
        hint=hint,
        known="event",
    )
    assert message == "unknown record type 'evnt'; did you mean 'event'? (known: event)"
    assert isinstance(message, str) and message.facts["hint"] is hint


def test_say_translates_the_template_and_the_facts_said_inside_it() -> None:
    hint = said("; did you mean %(names)s?", names="'event'")
    message = said(
        "unknown record type '%(name)s'%(hint)s (known: %(known)s)",
        name="evnt",
        hint=hint,
        known="event",
    )
    assert say(message, "fr") == (
        "type de fiche inconnu « evnt » ; vouliez-vous dire 'event' ? (connus : event)"
    )
    assert say(message, "en") == message
    assert say("plain text, not said", "fr") == "plain text, not said"


@pytest.mark.parametrize(("n", "fr"), [(1, "n'est sur aucune de ses 1 page"), (2, "2 pages")])
def test_said_n_chooses_the_plural_in_each_language(n: int, fr: str) -> None:
    template = 'parameter "%(param)s" of template "%(template)s" is on none of its %(n)d page(s)'
    template += "%(renamed)s%(hint)s"
    message = said_n(template, template, n, param="x", template="Event", renamed="", hint="")
    assert f"its {n} page(s)" in message
    assert fr in say(message, "fr")


def test_errors_keep_their_said_message() -> None:
    error = MissingPageError("Agenda")
    assert str(error) == 'Page "Agenda" does not exist'
    assert isinstance(message_of(error), Said)
    assert say(message_of(error), "fr") == "La page « Agenda » n'existe pas"
    bad = ValueFormatError(said("a date"), "demain")
    assert str(bad) == "should be a date, got 'demain'"
    assert say(message_of(bad), "fr") == "devrait être une date, reçu 'demain'"
    assert say_error(ValueError("x")) == "x"  # not said: as it is


def test_said_survives_pickling_and_json() -> None:
    message = said('Page "%(title)s"', title="A")
    again = pickle.loads(pickle.dumps(message))
    assert isinstance(again, Said) and again == message and again.facts == message.facts
    nested = said("%(where)s: %(why)s; left out of the calendar", where=message, why="x")
    back = said_from_data(said_data(nested))
    assert back == nested and say(back, "fr") == say(nested, "fr") != nested
    assert said_from_data(said_data("plain")) == "plain"
    with pytest.raises(ValueError, match="not an encoded message"):
        said_from_data({"said": "x"})


def test_a_cached_page_s_problems_are_still_said_in_french(event: RecordType) -> None:
    """The record cache keeps a problem's template and facts: a warm run says it in French."""
    page = PageText("Atelier", "{{Event\n|startDate=demain\n}}\n", 7)
    found = parse_page(page, event)
    [problem] = found.problems
    back = decode_page_records(encode_page_records(found))
    [cached] = back.problems
    assert isinstance(cached, RecordError) and str(cached) == str(problem)
    assert say(message_of(cached), "fr") == say(message_of(problem), "fr")
    assert "le champ « startDate » devrait être une date" in say(message_of(cached), "fr")
