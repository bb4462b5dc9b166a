"""One language per run: which one, and the messages in it.

A run speaks one language, French or English: the configuration's ``lang``
when set, else the wiki's content language when it is known (French for a
French wiki, English for any other), else English (:func:`choose_language`).
The command line decides it once the source is open (:func:`set_language`,
with the wiki's language from :func:`wikisync.ops.quality.check.source_language`);
:func:`gettext` and :func:`ngettext` then give the run's messages, with the
right plural (``1 problème``, ``2 problèmes``). Code that knows its language
(the HTML quality report, whose report carries it) asks
:func:`translations` for it instead. The library itself knows no run
language: its messages are :class:`~wikisync.core.said.Said` strings (English,
with their template and facts), which :func:`say` and :func:`say_error` say in
the run's language. Before the site is opened (a mistake in the command or the
configuration) a run speaks its ``lang`` setting, or English.

The messages live in GNU gettext catalogues, ``wikisync/locale/LANG/LC_MESSAGES/wikisync.po``,
compiled to the ``.mo`` files shipped beside them (the standard library's
:mod:`gettext` reads them: nothing more to install). Babel, a development tool
only, extracts the messages (``pybabel extract -F babel.cfg``) and compiles
the catalogues; a test fails when a ``.mo`` file is not the compiled ``.po``.
English is the source language: its catalogue only holds the plurals.
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import IO

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "N_",
    "choose_language",
    "extract_toml_descriptions",
    "gettext",
    "language",
    "ngettext",
    "say",
    "say_error",
    "set_language",
    "translations",
]

#: The languages wikisync speaks.
LANGUAGES = ("fr", "en")
#: The catalogues' name (``wikisync.mo``).
DOMAIN = "wikisync"
#: Where the catalogues are: ``LANG/LC_MESSAGES/wikisync.mo``.
LOCALE_DIR = Path(__file__).with_name("locale")

_run_language = ["en"]


def choose_language(setting: str = "", wiki_language: str | None = None) -> str:
    """The run's language: the setting, else the wiki's (French or English), else English.

    Example:
        >>> choose_language("en", "fr"), choose_language("", "fr-ca"), choose_language("", "de")
        ('en', 'fr', 'en')
        >>> choose_language()
        'en'
    """
    if setting in LANGUAGES:
        return setting
    if wiki_language:
        return "fr" if wiki_language.split("-")[0].lower() == "fr" else "en"
    return "en"


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogue of a language (English for one wikisync does not speak)."""
    return _gettext.translation(
        DOMAIN, LOCALE_DIR, languages=[lang if lang in LANGUAGES else "en"], fallback=True
    )


def set_language(lang: str) -> None:
    """Make ``lang`` the run's language (English for one wikisync does not speak)."""
    _run_language[0] = lang if lang in LANGUAGES else "en"


def language() -> str:
    """The run's language (English until :func:`set_language` says otherwise)."""
    return _run_language[0]


def gettext(message: str) -> str:
    """A message in the run's language."""
    return translations(_run_language[0]).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural message for ``n``, in the run's language.

    Example:
        >>> ngettext("%(n)d problem", "%(n)d problems", 1) % {"n": 1}
        '1 problem'
    """
    return translations(_run_language[0]).ngettext(singular, plural, n)


def say(message: str, lang: str | None = None) -> str:
    """A message in the run's language (or ``lang``'s): a :class:`~wikisync.core.said.Said` is
    translated, its facts too; any other text is said as it is (English, or data).

    Example:
        >>> from wikisync.core.said import said
        >>> say(said('category "%(title)s" has no pages', title="Catégorie:X"), "fr")
        "la catégorie « Catégorie:X » n'a aucune page"
    """
    from wikisync.core.said import Said

    if not isinstance(message, Said):
        return message
    catalogue = translations(lang or _run_language[0])
    if message.plural:
        template = catalogue.ngettext(message.template, message.plural, message.n)
    else:
        template = catalogue.gettext(message.template)
    if not message.facts:
        return template
    facts = {
        key: say(value, lang) if isinstance(value, str) else value
        for key, value in message.facts.items()
    }
    return template % facts


def say_error(exc: BaseException) -> str:
    """An error's message in the run's language (:func:`say` of the message it was raised with)."""
    from wikisync.core.said import message_of

    return say(message_of(exc))


def N_(message: str) -> str:
    """Mark a message for the catalogues without translating it (yet)."""
    return message


def extract_toml_descriptions(
    fileobj: IO[bytes], keywords: object, comment_tags: object, options: object
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel extractor: the ``description = "..."`` texts of a shipped preset.

    The preset's record type descriptions show in reports, so they are
    translated like any message.
    """
    import tomllib  # only Babel's extraction needs it

    table = ""
    for number, line in enumerate(fileobj.read().decode("utf-8").splitlines(), 1):
        if line.startswith("["):
            table = line.strip()
            continue
        key, sep, rest = line.partition("=")
        if sep and key.strip() == "description" and not table.endswith(".fields]"):
            value = tomllib.loads(f"v = {rest.strip()}")["v"]
            if isinstance(value, str) and value:
                yield number, "", value, []
