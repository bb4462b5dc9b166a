"""Pages and titles: the ``PageText`` every source yields, and title rules.

``PageText`` is the unit that flows from a source (live wiki, mirror folder,
XML dump) into records and index pages. ``Namespaces`` and
:func:`normalize_title` apply MediaWiki's title rules (spaces for underscores,
Unicode NFC, localised namespace prefixes, an upper-case first letter) so that
the same page has one spelling whatever the source. Pure: no I/O here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from wikisync.core.first_letter import upper_first

MAIN_NS = 0
FILE_NS = 6
TEMPLATE_NS = 10
CATEGORY_NS = 14


@dataclass(frozen=True, slots=True)
class PageText:
    """One revision of one page, as any source yields it.

    Attributes:
        title: the full title, normalised (``"Catégorie:Evénement"``).
        wikitext: the page's wikitext (main slot).
        revid: the revision id, or 0 for a page that exists only locally.
        timestamp: the revision's time, ISO 8601 UTC (``"2024-05-01T10:00:00Z"``),
            or ``""`` when unknown.
        ns: the namespace number.
        pageid: the page id on the wiki, when known.
    """

    title: str
    wikitext: str
    revid: int = 0
    timestamp: str = ""
    ns: int = MAIN_NS
    pageid: int | None = None

    def to_dict(self) -> dict[str, object]:
        """Return the page as a JSON-ready dict."""
        return {
            "title": self.title,
            "ns": self.ns,
            "pageid": self.pageid,
            "revid": self.revid,
            "timestamp": self.timestamp,
            "wikitext": self.wikitext,
        }


@dataclass(frozen=True, slots=True)
class Namespace:
    """A namespace: its number, local name, canonical (English) name and aliases."""

    id: int
    name: str
    canonical: str = ""
    aliases: tuple[str, ...] = ()
    first_letter_case: bool = True


@dataclass(frozen=True)
class Namespaces:
    """The namespaces of one wiki, for splitting and normalising titles.

    Example:
        >>> ns = Namespaces.french()
        >>> ns.split("category:Evénement")
        (14, 'Evénement')
    """

    by_id: Mapping[int, Namespace]
    _lookup: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, int] = {}
        for ns in self.by_id.values():
            for name in (ns.name, ns.canonical, *ns.aliases):
                if name:
                    lookup[_fold(name)] = ns.id
        object.__setattr__(self, "_lookup", lookup)

    @classmethod
    def from_list(cls, namespaces: Iterable[Namespace]) -> Namespaces:
        """Build from ``Namespace`` items."""
        return cls({ns.id: ns for ns in namespaces})

    @classmethod
    def french(cls, sitename: str = "Wiki") -> Namespaces:
        """The namespaces of a French-language MediaWiki 1.39 (no site info needed)."""
        rows = [
            (-2, "Média", "Media", ()),
            (-1, "Spécial", "Special", ()),
            (0, "", "", ()),
            (1, "Discussion", "Talk", ()),
            (2, "Utilisateur", "User", ("Utilisatrice",)),
            (3, "Discussion utilisateur", "User talk", ("Discussion utilisatrice",)),
            (4, sitename, "Project", ()),
            (5, f"Discussion {sitename}", "Project talk", ()),
            (6, "Fichier", "File", ("Image",)),
            (7, "Discussion fichier", "File talk", ("Discussion image",)),
            (8, "MediaWiki", "MediaWiki", ()),
            (9, "Discussion MediaWiki", "MediaWiki talk", ()),
            (10, "Modèle", "Template", ()),
            (11, "Discussion modèle", "Template talk", ()),
            (12, "Aide", "Help", ()),
            (13, "Discussion aide", "Help talk", ()),
            (14, "Catégorie", "Category", ()),
            (15, "Discussion catégorie", "Category talk", ()),
        ]
        return cls.from_list(Namespace(i, n, c, a) for i, n, c, a in rows)

    def name(self, ns: int) -> str:
        """The local name of namespace ``ns`` (``""`` for the main namespace)."""
        try:
            return self.by_id[ns].name
        except KeyError:
            raise ValueError(f"unknown namespace {ns}") from None

    def split(self, title: str) -> tuple[int, str]:
        """Split a title into its namespace number and the rest.

        A prefix that names no namespace stays in the title (main namespace).
        """
        prefix, colon, rest = title.partition(":")
        if colon:
            ns = self._lookup.get(_fold(_clean(prefix)))
            if ns is not None and ns != MAIN_NS:
                return ns, rest
        return MAIN_NS, title

    def join(self, ns: int, rest: str) -> str:
        """Join a namespace number and a title without prefix."""
        name = self.name(ns)
        return f"{name}:{rest}" if name else rest

    def normalize(self, title: str) -> str:
        """Normalise a title as MediaWiki does; see :func:`normalize_title`."""
        ns, rest = self.split(_clean(title))
        rest = _clean(rest)
        info = self.by_id.get(ns)
        if rest and (info is None or info.first_letter_case):
            rest = _upper_first(rest)
        return self.join(ns, rest)


def normalize_title(title: str, namespaces: Namespaces | None = None) -> str:
    """Normalise a page title the way MediaWiki does.

    Underscores become spaces, runs of spaces collapse, Unicode is NFC, a
    leading colon is dropped, the namespace prefix takes its local name and the
    first letter is upper case.

    Example:
        >>> normalize_title("category:evénement_2024")
        'Catégorie:Evénement 2024'
    """
    return (namespaces or FRENCH).normalize(title)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("_", " ")
    text = " ".join(text.split())
    return text.lstrip(":").strip()


def _fold(name: str) -> str:
    return _clean(name).casefold()


def _upper_first(text: str) -> str:
    # MediaWiki's Language::ucfirst with Wikimedia's overrides (see core/first_letter.py).
    return upper_first(text)


#: Namespaces of a French MediaWiki, the default where no site info is known.
FRENCH = Namespaces.french()
