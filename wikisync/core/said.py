"""Messages that can be said in another language: the English text, its template and facts.

The library speaks English and knows no run language (the pure core reads no
catalogue). A message that a person may read in another language is made with
:func:`said` (or :func:`said_n` for one with a count): a :class:`Said` *is* its
English text (a ``str``: ``str(error)``, logs and JSON reports read as
before) and also carries its template, in the gettext catalogue's words
(``Page "%(title)s": …``), and the facts that fill it. The command line says
it in the run's language with :func:`wikisync.i18n.say`, facts that are
themselves :class:`Said` included (a "did you mean …?" hint inside an error).

Babel extracts the templates: ``said`` and ``said_n`` are keywords of the
catalogue's extraction (docs/development.md), so a template is one literal
string, never an f-string.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["Said", "message_of", "said", "said_data", "said_from_data", "said_n"]


class Said(str):
    """An English message that remembers how it was made (see :func:`said`).

    Attributes:
        template: the catalogue's message id (``%(name)s`` placeholders).
        plural: the plural template of a message with a count, else ``""``.
        n: the count choosing between ``template`` and ``plural``.
        facts: the values of the placeholders.
    """

    template: str
    plural: str
    n: int
    facts: Mapping[str, object]

    def __new__(
        cls, template: str, facts: Mapping[str, object], plural: str = "", n: int = 1
    ) -> Said:
        chosen = plural if plural and n != 1 else template
        self = super().__new__(cls, chosen % dict(facts) if facts else chosen)
        self.template = template
        self.plural = plural
        self.n = n
        self.facts = MappingProxyType(dict(facts))
        return self

    def __reduce__(self) -> tuple[object, ...]:  # pickled (a process pool) as what it is
        return (Said, (self.template, dict(self.facts), self.plural, self.n))


def said(template: str, /, **facts: object) -> Said:
    """A message: ``template % facts`` in English, said in the run's language by the CLI.

    Example:
        >>> message = said('no type "%(name)s"', name="evnt")
        >>> message, message.template, dict(message.facts)
        ('no type "evnt"', 'no type "%(name)s"', {'name': 'evnt'})
    """
    return Said(template, facts)


def said_n(singular: str, plural: str, n: int, /, **facts: object) -> Said:
    """A message with a count: the singular or plural template for ``n`` (``%(n)d``).

    Example:
        >>> said_n("%(n)d page", "%(n)d pages", 2)
        '2 pages'
    """
    return Said(singular, {"n": n, **facts}, plural, n)


def message_of(error: BaseException) -> str:
    """The message ``error`` was raised with: a :class:`Said` when it was made by :func:`said`."""
    message = error.args[0] if error.args else None
    return message if isinstance(message, str) else str(error)


def said_data(message: str) -> object:
    """A message as JSON data: a :class:`Said` as its template and facts, other text as is.

    :func:`said_from_data` gives it back (a cache keeps problems so, still translatable).
    """
    if not isinstance(message, Said):
        return str(message)
    facts = {
        key: said_data(value) if isinstance(value, str) else value
        for key, value in message.facts.items()
    }
    return {"said": message.template, "plural": message.plural, "n": message.n, "facts": facts}


def said_from_data(data: object) -> str:
    """The message :func:`said_data` encoded.

    Raises:
        ValueError: ``data`` is no such encoding.
    """
    if isinstance(data, str):
        return data
    if not isinstance(data, dict) or not isinstance(data.get("facts"), dict):
        raise ValueError(f"not an encoded message: {data!r}")
    facts = {
        str(key): said_from_data(value) if isinstance(value, str | dict) else value
        for key, value in data["facts"].items()
    }
    return Said(str(data["said"]), facts, str(data.get("plural", "")), int(data.get("n", 1)))
