"""One language per run: the catalogues, plurals, the HTML report's words and edit summaries."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from click.testing import CliRunner

from wikisync.cli import cli
from wikisync.cli.counts import data_problems, pages_by_status, problems_in, type_counts
from wikisync.config import load_config
from wikisync.core.pages import PageText
from wikisync.core.schema import FIELD_TYPES
from wikisync.i18n import (
    LANGUAGES,
    LOCALE_DIR,
    choose_language,
    language,
    ngettext,
    set_language,
    translations,
)
from wikisync.mirror.target import MirrorTarget
from wikisync.ops.quality.check import (
    FieldQuality,
    QualityProblem,
    QualityReport,
    TypeQuality,
    WikiLinks,
    expected_in,
    report_language,
    source_language,
)
from wikisync.ops.quality.html import render_quality_html
from wikisync.sources import open_source

PACKAGE = Path(__file__).resolve().parents[2] / "wikisync"

#: Runs here speak their configuration's lang, else their wiki's language (French here).
pytestmark = pytest.mark.usefixtures("speaks_the_wiki_language")


def _catalogue(lang: str) -> Any:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "wikisync.po").open("rb") as file:
        return read_po(file, locale=lang)


def _extracted() -> set[str | tuple[str, ...]]:
    """Every message the source marks, as Babel extracts it (babel.toml's map)."""
    method_map = [
        ("**.py", "python"),
        ("presets/*.toml", "wikisync.i18n:extract_toml_descriptions"),
    ]
    keywords = {**DEFAULT_KEYWORDS, "N_": None, "said": None, "said_n": (1, 2)}
    return {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map, keywords=keywords
        )
    }


# -- the catalogues ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shipped_mo_is_the_compiled_po(lang: str) -> None:
    """Edit a .po without compiling it (pybabel compile -D wikisync -d wikisync/locale): fails."""
    compiled = io.BytesIO()
    write_mo(compiled, _catalogue(lang))
    shipped = (LOCALE_DIR / lang / "LC_MESSAGES" / "wikisync.mo").read_bytes()
    assert compiled.getvalue() == shipped


def test_the_catalogues_hold_exactly_the_messages_of_the_source() -> None:
    """A message added or changed in the code and not in the catalogues fails (pybabel update)."""
    extracted = _extracted()
    assert "a date" in extracted and ("%(n)d problem", "%(n)d problems") in extracted
    assert "Events (meetups, workshops, conferences)" in extracted  # the preset's
    with (LOCALE_DIR / "wikisync.pot").open("rb") as file:
        template = {message.id for message in read_po(file) if message.id}
    assert template == extracted
    for lang in LANGUAGES:
        assert {message.id for message in _catalogue(lang) if message.id} == extracted, lang


def test_french_translates_everything_with_the_same_placeholders() -> None:
    catalogue = _catalogue("fr")
    assert catalogue.plural_expr == "(n > 1)"
    messages = [message for message in catalogue if message.id]
    untranslated = [m.id for m in messages if not all(m.string) or m.fuzzy]
    assert untranslated == []
    problems = [(m.id, [str(e) for e in errors]) for m, errors in catalogue.check()]
    assert problems == []  # python-format: the same %(name)s in msgid and msgstr


# -- choosing the language -------------------------------------------------------------


def test_the_setting_wins_then_the_wiki_then_english(example: Path) -> None:
    assert choose_language("en", "fr") == "en" and choose_language("fr", None) == "fr"
    assert choose_language("", "fr") == "fr" and choose_language("", "FR-ca") == "fr"
    assert choose_language("", "de") == "en" and choose_language("", None) == "en"
    source = open_source(load_config(example / "wikisync.toml"))
    try:  # the bundled mirror of a French wiki: namespace 14 is "Catégorie"
        assert source_language(source) == "fr"
        assert report_language("", source) == "fr" and report_language("en", source) == "en"
    finally:
        source.close()
    assert source_language(None) is None
    set_language("de")
    assert language() == "en"


# -- plurals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("fr", ["0 problème", "1 problème", "2 problèmes"]),
        ("en", ["0 problems", "1 problem", "2 problems"]),
    ],
)
def test_plurals_of_0_1_2(lang: str, expected: list[str]) -> None:
    set_language(lang)
    said = [ngettext("%(n)d problem", "%(n)d problems", n) % {"n": n} for n in (0, 1, 2)]
    assert said == expected


def test_cli_counts_in_french_and_english() -> None:
    set_language("fr")
    assert type_counts(1, 1, 1) == "1 page, 1 fiche, 1 problème"
    assert type_counts(2, 0, 3) == "2 pages, 0 fiche, 3 problèmes"
    assert pages_by_status({"edited": 1, "skipped": 3}) == "1 page modifiée, 3 pages ignorées"
    assert pages_by_status({"planned": 2}) == "2 pages seraient modifiées"
    assert pages_by_status({}) == "aucune page"
    set_language("en")
    assert type_counts(1, 1, 1) == "1 page, 1 record, 1 problem"
    assert type_counts(2, 0, 3) == "2 pages, 0 records, 3 problems"
    assert pages_by_status({"edited": 1, "skipped": 3}) == "1 page edited, 3 pages skipped"
    assert pages_by_status({"edited": 3, "failed": 1}) == "3 pages edited, 1 page failed"
    assert pages_by_status({}) == "no pages"


def test_problem_warnings_in_both_languages() -> None:
    set_language("fr")
    assert problems_in("event", 1, 2) == (
        "wikisync : 2 fiches, 1 problème dans les pages event ; "
        "« wikisync check event » en donne la liste"
    )
    assert (
        data_problems("events", 0) == "wikisync : events : 0 problème de données dans les pages :"
    )
    set_language("en")
    assert problems_in("event", 2) == (
        "wikisync: 2 problems in event pages; run 'wikisync check event' for the list"
    )
    assert data_problems("events", 1) == "wikisync: events: 1 data problem in the pages:"


def _check_line(example: Path, lang: str) -> str:
    config = example / "wikisync.toml"
    if lang:
        config.write_text(f'lang = "{lang}"\n' + config.read_text("utf-8"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "check", "event"])
    assert result.exit_code == 0, result.output
    return result.stderr


def test_check_says_its_counts_in_the_run_language(example: Path) -> None:
    assert "event: 16 pages, 14 fiches, 4 problèmes" in _check_line(example, "")  # the wiki's
    set_language("en")
    assert "event: 16 pages, 14 records, 4 problems" in _check_line(example, "en")


# -- the HTML report: one language only -------------------------------------------------

ENGLISH_WORDS = (
    "Data quality",
    "Summary",
    "Records",
    "Problems",
    "Field",
    "Filled",
    "Value",
    "Expected",
    "No links",
    "Report made",
    "records",
    "problems",
    "a date",
    "one of",
    "whole number",
    "Events",
    "meetups",
    "edit",
)
FRENCH_WORDS = (
    "Qualité",
    "Résumé",
    "Fiches",
    "Problèmes",
    "Champ",
    "Remplis",
    "Valeur",
    "Attendu",
    "Pas de liens",
    "Rapport produit",
    "fiche",
    "problème",
    "une date",
    "l'une des",
    "nombre entier",
    "Événements",
    "rencontres",
    "modifier",
)


def _report(lang: str, links: WikiLinks | None = None) -> QualityReport:
    def problem(field: str | None, expected: str) -> QualityProblem:
        return QualityProblem("event", "Atelier", field, "x", expected, f"{field}: {expected}")

    problems = (
        problem("startDate", "a date"),
        problem("kind", "one of 'atelier', 'visite'"),
        problem("seats", "a whole number"),
        problem("endDate", "a date between 0001-01-02 and 9999-12-30"),
        problem("place", "a date (wikisync cannot read the template {{Lieu}})"),
    )
    fields = tuple(FieldQuality(p.field or "", 0, 1) for p in problems)
    one = TypeQuality("event", "Events (meetups, workshops, conferences)", 1, 1, fields, problems)
    none = TypeQuality("project", "Projects", 2, 2, (FieldQuality("url", 2, 0),), ())
    return QualityReport("Wiki", lang, (one, none), links)


class _Text(HTMLParser):
    """The text a reader sees: the data of every element but the style sheet."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tag = tag

    def handle_data(self, data: str) -> None:
        if self.tag != "style":
            self.pieces.append(data)


def _text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    parser.close()
    return "\n".join(parser.pieces)


@pytest.mark.parametrize("links", [None, WikiLinks("https://w.example/index.php")])
def test_the_french_report_has_no_english_word(links: WikiLinks | None) -> None:
    text = _text(render_quality_html(_report("fr", links)))
    assert [word for word in ENGLISH_WORDS if word in text] == []
    for said in (
        "Qualité des données",
        "Événements (rencontres, ateliers, conférences)",
        "1 page, 1 fiche, 5 problèmes",
        "2 pages, 2 fiches, 0 problème",
        "une date",
        "l'une des valeurs 'atelier', 'visite'",
        "une date entre le 0001-01-02 et le 9999-12-30",
        "une date (wikisync ne sait pas lire le modèle {{Lieu}})",
        "Projets",
    ):
        assert said in text, said


@pytest.mark.parametrize("links", [None, WikiLinks("https://w.example/index.php")])
def test_the_english_report_has_no_french_word(links: WikiLinks | None) -> None:
    text = _text(render_quality_html(_report("en", links)))
    assert [word for word in FRENCH_WORDS if word in text] == []
    for said in ("Data quality", "1 page, 1 record, 5 problems", "2 pages, 2 records, 0 problems"):
        assert said in text, said


def test_unknown_phrases_and_descriptions_stay_as_written() -> None:
    fr = translations("fr")
    assert expected_in("a colour", fr) == "a colour"
    assert fr.gettext("Mes événements à moi") == "Mes événements à moi"
    assert expected_in("one of the values", fr) == "l'une des valeurs permises"


# -- edit summaries --------------------------------------------------------------------


@pytest.fixture
def summaries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The edit summary of each save the mirror target receives."""
    seen: list[str] = []
    original = MirrorTarget.save

    def save(
        self: MirrorTarget,
        title: str,
        text: str,
        *,
        base: PageText | None,
        summary: str,
        content_model: str = "",
    ) -> Any:
        seen.append(summary)
        return original(self, title, text, base=base, summary=summary, content_model=content_model)

    monkeypatch.setattr(MirrorTarget, "save", save)
    return seen


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("", "wikisync : type = Atelier"), ("en", "wikisync: type = Atelier")],
)
def test_set_summary_names_the_template_parameter(
    example: Path, summaries: list[str], lang: str, expected: str
) -> None:
    """eventType is read from the infobox's "type": the summary says "type"."""
    config = example / "wikisync.toml"
    if lang:
        config.write_text(f'lang = "{lang}"\n' + config.read_text("utf-8"), encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["-c", str(config), "set", "event", "eventType=Atelier", "--where", "eventType=Visite"]
    )
    assert result.exit_code == 0, result.output
    assert summaries and set(summaries) == {expected}
    said = "pages modifiées" if not lang else "edited"
    assert said in result.stderr, result.stderr
    assert "eventType" not in summaries[0]


def test_rename_summary_in_english(example: Path, summaries: list[str]) -> None:
    config = example / "wikisync.toml"
    config.write_text('lang = "en"\n' + config.read_text("utf-8"), encoding="utf-8")
    args = ["-c", str(config), "rename-param", "Event", "Main_Picture", "image"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert set(summaries) == {"wikisync: parameter Main_Picture renamed to image (Event)"}


def _without_summaries(example: Path, lang: str) -> Path:
    """The example's configuration without its jobs' summaries (and with ``lang`` when given)."""
    config = example / "wikisync.toml"
    lines = [line for line in config.read_text("utf-8").splitlines() if "summary =" not in line]
    config.write_text((f'lang = "{lang}"\n' if lang else "") + "\n".join(lines), encoding="utf-8")
    return config


@pytest.mark.parametrize(
    ("lang", "rebuilt", "created", "imported"),
    [
        (
            "",  # the wiki's language: the example is a French wiki
            "wikisync : mise à jour automatique",
            "wikisync : nouvelle page (event)",
            "wikisync : import de tableur (events.csv)",
        ),
        (
            "en",
            "wikisync: automatic update",
            "wikisync: new page (event)",
            "wikisync: spreadsheet import (events.csv)",
        ),
    ],
)
def test_default_summaries_in_the_run_language(
    example: Path,
    summaries: list[str],
    lang: str,
    rebuilt: str,
    created: str,
    imported: str,
) -> None:
    """rebuild, new and import: no hard-coded French summary on an English run."""
    config = str(_without_summaries(example, lang))
    runner = CliRunner()
    result = runner.invoke(cli, ["-c", config, "rebuild", "events"])
    assert result.exit_code == 0, result.output
    assert summaries == [rebuilt]
    result = runner.invoke(
        cli, ["-c", config, "new", "event", "Atelier neuf", "startDate=2027-01-02"]
    )
    assert result.exit_code == 0, result.output
    assert summaries[1:] == [created]
    sheet = example / "events.csv"
    result = runner.invoke(cli, ["-c", config, "export", "event", "-o", str(sheet)])
    assert result.exit_code == 0, result.output
    text = sheet.read_text("utf-8-sig")
    assert ",day," in text  # the example's one unreadable start date, fixed in the sheet
    sheet.write_text(text.replace(",day,", ",2021-07-14,"), encoding="utf-8")
    result = runner.invoke(cli, ["-c", config, "import", "event", str(sheet)])
    assert result.exit_code == 0, result.output
    assert summaries[2:] == [imported]


# -- one language per run: a walk over the commands -------------------------------------

#: Commands run in order on one copy of the example, in each language: reads, dry runs,
#: saves into the mirror, and names that do not exist (each an error in the run's language).
WALK: tuple[tuple[str, ...], ...] = (
    ("check",),
    ("records", "event", "-f", "json", "-o", "{out}/records.json"),
    ("render", "events"),
    ("rebuild", "--dry-run"),
    ("rebuild",),
    ("set", "event", "eventType=Atelier", "--where", "eventType=Visite", "--dry-run"),
    ("set", "event", "eventType=Atelier", "--where", "eventType=Visite"),
    ("rename-param", "Event", "Main_Picture", "image"),
    ("export", "event", "-o", "{out}/events.csv"),
    ("import", "event", "{out}/events.csv"),
    ("new", "event", "Atelier neuf", "startDate=2027-01-02"),
    ("new", "event", "Atelier neuf", "startDate=2027-01-02"),
    ("pages", "Evenemnt"),
    ("records", "evnt"),
    ("check", "nosuch"),
    ("render", "evnts"),
    ("rename-param", "Event", "Lieux", "place"),
    ("remove-param", "Event", "nosuchparam"),
    ("set", "event", "startDate=demain"),
    ("set", "event", "nosuchfield=1"),
    ("plan", "-o", "{out}/plan.json"),
    ("apply", "{out}/plan.json"),
    ("check", "-f", "html", "-o", "{out}/quality.html"),
    ("check", "--strict"),
    ("records", "event", "-f", "csv", "-o", "{out}/records.csv"),
    ("records", "event", "-f", "ics", "-o", "{out}/events.ics"),
    ("example", "{out}/second"),
    ("status", "{ex}/mirror"),
    ("push", "{ex}/mirror"),
    ("rebuild", "evnts"),
    ("set", "evnt", "a=b"),
    ("rename-param", "Evnt", "a", "b"),
    ("export", "evnt"),
    ("new", "event", "Sans date"),
)

#: Words only English says (a French run's messages must hold none).
ENGLISH_ONLY = frozenset(
    [
        "the",
        "of",
        "and",
        "is",
        "not",
        "no",
        "did",
        "you",
        "mean",
        "would",
        "lines",
        "edited",
        "skipped",
        "unchanged",
        "records",
        "record",
        "problems",
        "problem",
        "should",
        "got",
        "updated",
        "mirror",
        "wrote",
        "error",
        "warning",
        "field",
        "in",
        "with",
        "for",
        "run",
        "list",
        "more",
        "shows",
        "all",
        "known",
        "does",
        "exist",
        "none",
        "its",
        "renamed",
        "already",
        "unknown",
        "rows",
        "from",
        "without",
        "dry",
        "result",
        "file",
        "created",
        "refused",
        "conflict",
        "failed",
        "job",
    ]
)
#: Words only French says (an English run's messages must hold none).
FRENCH_ONLY = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "une",
        "est",
        "pas",
        "aucun",
        "aucune",
        "fiche",
        "fiches",
        "problème",
        "problèmes",
        "modifiée",
        "modifiées",
        "ignorées",
        "inchangées",
        "dans",
        "avec",
        "pour",
        "erreur",
        "champ",
        "vouliez",
        "seraient",
        "serait",
        "miroir",
        "écrit",
        "lignes",
        "reçu",
        "devrait",
        "être",
        "connus",
        "inconnu",
        "essai",
        "blanc",
        "attention",
        "tâche",
        "créée",
    ]
)
#: What a message quotes (titles, names, values, paths as given) is data, not its language.
_QUOTED = re.compile(
    r"«[^»]*»|\"[^\"]*\"|'[^']*'|“[^”]*”|\{\{[^}]*\}\}"
    r"|\S*/.*?\.(?:wiki|csv|json|toml)\b|\S*/\S*"  # a path, spaces in its file name included
)


def _words(line: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", _QUOTED.sub(" ", line).casefold()))


def _walk(example: Path, lang: str, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], set[str]]:
    """The messages (stderr lines) of the walk in ``lang``, and the message ids looked up."""
    import wikisync.i18n

    asked: set[str] = set()
    catalogue = wikisync.i18n.translations

    class Recorder:
        def __init__(self, of: str) -> None:
            self.of = catalogue(of)

        def gettext(self, message: str) -> str:
            asked.add(message)
            return self.of.gettext(message)

        def ngettext(self, singular: str, plural: str, n: int) -> str:
            asked.add(singular)
            return self.of.ngettext(singular, plural, n)

    monkeypatch.setattr(wikisync.i18n, "translations", Recorder)
    config = example / "wikisync.toml"
    config.write_text(f'lang = "{lang}"\n' + config.read_text("utf-8"), encoding="utf-8")
    out = example.parent
    lines: list[str] = []
    for args in WALK:
        given = [a.format(out=out, ex=example) for a in args]
        result = CliRunner().invoke(cli, ["-c", str(config), *given])
        assert result.exit_code in (0, 1, 2, 3), (args, result.output)
        said = result.stderr + (result.stdout if args[0] == "check" and "-f" not in args else "")
        lines += [f"{' '.join(args)}: {line}" for line in said.splitlines() if line]
    return lines, asked


@pytest.mark.parametrize(("lang", "foreign"), [("fr", ENGLISH_ONLY), ("en", FRENCH_ONLY)])
def test_a_run_speaks_one_language(
    example: Path, monkeypatch: pytest.MonkeyPatch, lang: str, foreign: frozenset[str]
) -> None:
    """Every message of every command of the walk is in the run's language, none in the other."""
    lines, _ = _walk(example, lang, monkeypatch)
    assert len(lines) > 80
    leaks = [line for line in lines if _words(line.split(": ", 1)[1]) & foreign]
    assert leaks == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_said_is_in_the_catalogue(
    example: Path, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """A message looked up at run time that the catalogues do not hold (an f-string given to
    said() or gettext(), a typo) fails, in both languages."""
    _, asked = _walk(example, lang, monkeypatch)
    assert len(asked) > 40
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(lang) if m.id}
    assert sorted(asked - ids) == []


def test_the_leak_check_finds_a_foreign_word() -> None:
    """The walk's check is not vacuous: it sees English outside quotes, never inside them."""
    said = "wikisync : erreur : la page « The Book » is missing in T/the/mirror"
    assert _words(said) & ENGLISH_ONLY == {"is", "in"}
    assert _words('page "Le Mans" would change') & FRENCH_ONLY == set()
    assert _words("wrote /t/Le Mans, la ville.wiki (+1 -1 lines)") & FRENCH_ONLY == set()


@pytest.mark.parametrize(
    ("old", "new", "key", "said"),
    [
        (
            'page = "Evénements"\n',
            'page = "Evénements"\nmax_shrink = 2\n',
            "jobs.events.max_shrink",
            "devrait être un nombre de 0 à 1, reçu 2",
        ),
        (
            'endDate = "date"',
            'endDate = "dte"',
            "types.event.fields.endDate.type",
            "type de champ inconnu « dte » ; attendu l'un de",
        ),
        (
            'endDate = "date"',
            'endDate = { typ = "date" }',
            'types.event.fields.endDate."typ"',
            'clé inconnue ; vouliez-vous dire "type" ?',
        ),
        (
            'type = "event"\npage',
            'type = "evnt"\npage',
            "jobs.events.type",
            'aucun type « evnt » ; vouliez-vous dire "event" ?',
        ),
    ],
)
def test_configuration_errors_in_the_run_language(
    example: Path, old: str, new: str, key: str, said: str
) -> None:
    """A mistake in the tables of a configuration that sets lang: the file, the key path and
    what is wrong, in French."""
    config = example / "wikisync.toml"
    text = config.read_text("utf-8")
    assert old in text
    config.write_text('lang = "fr"\n' + text.replace(old, new, 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-c", str(config), "rebuild", "events"])
    assert result.exit_code == 2, result.output
    [line] = result.stderr.splitlines()
    assert line.startswith(f"wikisync : erreur : {config} : ") and said in line, line
    assert key.replace('"', "") in line.replace('"', "")
    field_types = set(FIELD_TYPES)  # names, not words: "list", "file"
    assert _words(line.split(" : ", 2)[2]) & ENGLISH_ONLY - field_types == set(), line


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "wikisync: stopped by SIGTERM: 2 page(s) handled, 3 not done; run the same"),
        ("fr", "wikisync : arrêté par SIGTERM : 2 page(s) traitée(s), 3 non traitée(s) ; relancez"),
    ],
)
def test_a_stopped_run_says_so_in_its_language(
    capsys: pytest.CaptureFixture[str], lang: str, said: str
) -> None:
    import signal

    from wikisync.cli.main import say_stopped
    from wikisync.interrupt import StopFlag

    stop = StopFlag()
    stop.signum = signal.SIGTERM
    set_language(lang)
    say_stopped(stop, 2, 3)
    assert capsys.readouterr().err.startswith(said)
