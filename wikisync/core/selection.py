"""Which pages a command works on, as pywikibot's page generators choose them.

A :class:`Selection` is a pure description: a list of titles, a namespace, a
title prefix, a full-text search, the pages that transclude a template, the
pages a page links to, the pages changed most recently. Every filter given
must hold (an intersection), and a selection narrows a command's type or
category the same way (``Selection(namespace="0", prefix="2024")`` given to
``set_fields`` edits the events whose titles start with 2024). The listing behind it is a source's
(:meth:`~wikisync.ports.source.Source.select_titles`): a live wiki asks its
API, a batch per request at the account's limit; a folder or a dump scans its
pages with :func:`select_from_pages`, and says which filter it cannot answer.

Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields

import mwparserfromhell

from wikisync.core.categories import find_redirect_target
from wikisync.core.errors import WikisyncError
from wikisync.core.french import sort_titles
from wikisync.core.pages import CATEGORY_NS, MAIN_NS, TEMPLATE_NS, Namespaces, PageText

__all__ = [
    "FILTERS",
    "Selection",
    "SelectionError",
    "resolve_namespace",
    "select_from_pages",
]

#: The filters, in the order they are named (the words messages use).
FILTERS = ("titles", "namespace", "prefix", "search", "transcludes", "links_from", "recent")


class SelectionError(WikisyncError):
    """A selection that cannot be listed: an unknown namespace, a page to read
    links from that does not exist, a filter the source cannot answer (a usage error).

    Attributes:
        kind: the filter at fault (one of :data:`FILTERS`).
        value: the value given.
    """

    def __init__(self, message: str, *, kind: str, value: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.value = value


@dataclass(frozen=True, slots=True)
class Selection:
    """The pages to work on: every filter given must hold (None: not given).

    Attributes:
        titles: these titles (normalised when listed; a missing one is left out).
        namespace: a namespace by number or name (``0``, ``10``, ``Modèle``, ``Template``).
        prefix: titles starting with this (its own namespace prefix, or the
            ``namespace``'s when one is given: namespace ``10`` and prefix ``Ev``).
        search: the wiki's full-text search query (its main namespace unless
            ``namespace`` says otherwise).
        transcludes: the pages that use this template (``Modèle:`` optional).
        links_from: the pages this page links to (that exist).
        recent: the N pages changed most recently.

    Example:
        >>> Selection(namespace="10", prefix="Ev").given()
        ('namespace', 'prefix')
        >>> bool(Selection())
        False
    """

    titles: tuple[str, ...] | None = None
    namespace: str | None = None
    prefix: str | None = None
    search: str | None = None
    transcludes: str | None = None
    links_from: str | None = None
    recent: int | None = None

    def __post_init__(self) -> None:
        if self.recent is not None and self.recent < 1:
            raise ValueError("recent should be at least 1")

    def given(self) -> tuple[str, ...]:
        """The names of the filters given, in :data:`FILTERS` order."""
        return tuple(f.name for f in fields(self) if getattr(self, f.name) is not None)

    def __bool__(self) -> bool:
        return bool(self.given())

    def describe(self) -> str:
        """The selection in words, for messages (``namespace 10, prefix "Ev"``)."""
        parts = []
        for name in self.given():
            value = getattr(self, name)
            if name == "titles":
                parts.append(f"{len(value)} titles listed")
            elif name == "recent":
                parts.append(f"the {value} pages changed most recently")
            else:
                parts.append(f'{name.replace("_", " ")} "{value}"')
        return ", ".join(parts) or "no selection"

    def namespace_id(self, namespaces: Namespaces) -> int | None:
        """The namespace's number (None when not given).

        Raises:
            SelectionError: no namespace of that number or name.
        """
        return None if self.namespace is None else resolve_namespace(namespaces, self.namespace)

    def prefix_in(self, namespaces: Namespaces) -> tuple[int, str] | None:
        """The prefix as (namespace, the rest of the title as the wiki writes it), or None.

        Example:
            >>> Selection(namespace="Modèle", prefix="ev_").prefix_in(Namespaces.french())
            (10, 'Ev ')
        """
        if self.prefix is None:
            return None
        ns = self.namespace_id(namespaces)
        text = self.prefix if ns is None else namespaces.join(ns, self.prefix.lstrip(":"))
        # normalised as a title, keeping a last space ("2024 " is not "2024")
        return namespaces.split(namespaces.normalize(text + "x")[:-1])

    def template_title(self, namespaces: Namespaces) -> str | None:
        """The transcluded template's title (``Modèle:`` added when no namespace is given)."""
        if self.transcludes is None:
            return None
        ns, _ = namespaces.split(self.transcludes.strip())
        if ns == MAIN_NS and not self.transcludes.strip().startswith(":"):
            return namespaces.normalize(namespaces.join(TEMPLATE_NS, self.transcludes))
        return namespaces.normalize(self.transcludes)

    def keeps(self, title: str, namespaces: Namespaces) -> bool:
        """Whether a title meets the namespace and prefix filters (the others are listings)."""
        ns = self.namespace_id(namespaces)
        if ns is not None and namespaces.split(title)[0] != ns:
            return False
        prefix = self.prefix_in(namespaces)
        if prefix is not None:
            page_ns, rest = namespaces.split(title)
            return page_ns == prefix[0] and rest.startswith(prefix[1])
        return True


def resolve_namespace(namespaces: Namespaces, text: str) -> int:
    """A namespace's number from its number or one of its names.

    Raises:
        SelectionError: no such namespace (the message lists the known ones).

    Example:
        >>> resolve_namespace(Namespaces.french(), "template"), resolve_namespace(
        ...     Namespaces.french(), "0")
        (10, 0)
    """
    wanted = text.strip()
    if wanted in ("", "(main)", "(Principal)"):
        return MAIN_NS
    if wanted.lstrip("-").isdigit() and int(wanted) in namespaces.by_id:
        ns = int(wanted)
    else:
        ns, rest = namespaces.split(f"{wanted}:x")
        if ns == MAIN_NS or rest != "x":
            ns = None
    if ns is not None and ns >= 0:
        return ns
    known = ", ".join(
        f"{ns.id} {ns.name}" if ns.name else f"{ns.id} (main)"
        for ns in sorted(namespaces.by_id.values(), key=lambda ns: ns.id)
        if ns.id >= 0
    )
    if ns is not None:  # Special: and Media: are views, no page lives in them
        raise SelectionError(
            f'namespace "{text}" ({ns}) holds no pages (known: {known})',
            kind="namespace",
            value=text,
        )
    raise SelectionError(
        f'unknown namespace "{text}" (known: {known})', kind="namespace", value=text
    )


def select_from_pages(
    pages: Iterable[PageText], selection: Selection, namespaces: Namespaces, *, where: str
) -> list[str]:
    """The titles of ``pages`` a selection keeps, by reading the pages themselves.

    What a folder or a dump can answer: titles, namespace, prefix, the pages
    whose text uses the template or one of its redirects (directly: a folder
    has no record of what a template itself pulls in), the links written in a
    page's text, the pages whose revision is the most recent. A full-text
    search needs the wiki's index.

    Args:
        pages: every page of the source.
        selection: the filters.
        namespaces: for normalising titles.
        where: the source, in words, for messages (``the folder "mirror"``).

    Raises:
        SelectionError: a search, or a page to read links from that is not there.
    """
    if selection.search is not None:
        raise SelectionError(
            f"{where} cannot select pages by a full-text search (only a live wiki has a "
            "search index); select by title, namespace, prefix, template or links instead",
            kind="search",
            value=selection.search,
        )
    selection.namespace_id(namespaces)  # an unknown namespace fails before any reading
    wanted = (
        None
        if selection.titles is None
        else {namespaces.normalize(title) for title in selection.titles if title.strip()}
    )
    template = selection.template_title(namespaces)
    links_from = selection.links_from
    links_page = None if links_from is None else namespaces.normalize(links_from)
    kept: list[tuple[PageText, set[str]]] = []
    linked: set[str] | None = None
    aliases = {template} if template is not None else set()
    for page in pages:
        if page.title == links_page:
            linked = set(_links_of(page.wikitext, namespaces))
        if (
            template is not None
            and page.title.startswith(namespaces.join(TEMPLATE_NS, ""))
            and find_redirect_target(page.wikitext, namespaces) == template
        ):
            aliases.add(page.title)  # {{Alias}} transcludes the template too
        if wanted is not None and page.title not in wanted:
            continue
        if not selection.keeps(page.title, namespaces):
            continue
        used = _templates_of(page.wikitext, namespaces) if template is not None else set()
        kept.append((page, used))
    if template is not None:
        kept = [(page, used) for page, used in kept if used & aliases]
    if links_page is not None:
        if linked is None:
            raise SelectionError(
                f'{where} has no page "{links_page}" to read links from',
                kind="links_from",
                value=selection.links_from or "",
            )
        kept = [(page, used) for page, used in kept if page.title in linked]
    if selection.recent is not None:
        kept.sort(key=lambda item: (item[0].timestamp, item[0].revid), reverse=True)
        kept = kept[: selection.recent]
    return sort_titles(page.title for page, _ in kept)


def _templates_of(wikitext: str, namespaces: Namespaces) -> set[str]:
    found = set()
    for node in mwparserfromhell.parse(wikitext).ifilter_templates(recursive=True):
        name = str(node.name).strip()
        if not name or "{" in name or name.startswith("#") or ":" in name[:1]:
            continue
        found.add(_template_page(name, namespaces))
    return found


def _template_page(name: str, namespaces: Namespaces) -> str:
    ns, _ = namespaces.split(name)
    return namespaces.normalize(name if ns != MAIN_NS else namespaces.join(TEMPLATE_NS, name))


def _links_of(wikitext: str, namespaces: Namespaces) -> Iterator[str]:
    for node in mwparserfromhell.parse(wikitext).ifilter_wikilinks(recursive=True):
        target = str(node.title).split("#", 1)[0].strip()
        if target and "{" not in target:
            ns, _ = namespaces.split(target.lstrip(":"))
            if ns == CATEGORY_NS and not target.startswith(":"):
                continue  # [[Catégorie:X]] puts the page in X; it is no link
            yield namespaces.normalize(target)
