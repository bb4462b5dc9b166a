"""Categories and redirects as the sources see them: told from wikitext, walked as a tree.

A mirror folder and an XML dump have no ``categorylinks`` or ``redirect``
table, so they tell a page's categories (:func:`find_category_links`) and
redirect target (:func:`find_redirect_target`) from its wikitext. Every source
names a category the same way (:func:`normalize_category`: with or without
its namespace prefix) and descends into subcategories breadth first, each
once, to a depth (:func:`walk_categories`; :func:`walk_members` when each
page's categories are known up front). Pure: no I/O here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

import mwparserfromhell

from wikisync.core.french import sort_titles
from wikisync.core.pages import CATEGORY_NS, Namespaces
from wikisync.core.parse_budget import PageTooComplex, parse_within_budget

__all__ = [
    "find_category_links",
    "find_redirect_target",
    "normalize_category",
    "walk_categories",
    "walk_members",
]

_REDIRECT_WORDS = frozenset(["#redirect", "#redirection"])


def normalize_category(category: str, namespaces: Namespaces) -> str:
    """The full, normalised title of a category named with or without its prefix.

    Example:
        >>> normalize_category("evénement", FRENCH), normalize_category("Category:Vélo", FRENCH)
        ('Catégorie:Evénement', 'Catégorie:Vélo')
    """
    normal = namespaces.normalize(category)
    ns, rest = namespaces.split(normal)
    if ns != CATEGORY_NS:
        rest = normal
    return namespaces.join(CATEGORY_NS, rest)


def walk_categories(
    start: str,
    subcategories: Callable[[str], Iterable[str]],
    *,
    recursive: bool,
    depth: int | None,
) -> Iterator[str]:
    """Yield ``start`` and, when recursive, its subcategories breadth first, each once.

    Args:
        start: the category's full title.
        subcategories: the full titles of a category's direct subcategories;
            called only for the categories whose level is to be descended into.
        recursive: descend into subcategories at all.
        depth: how many levels to descend (None: all).
    """
    seen = {start}
    frontier = [start]
    level = 0
    while frontier:
        yield from frontier
        if not recursive or (depth is not None and level >= depth):
            return
        next_frontier: list[str] = []
        for category in frontier:
            for sub in subcategories(category):
                if sub not in seen:
                    seen.add(sub)
                    next_frontier.append(sub)
        frontier = next_frontier
        level += 1


def walk_members(
    start: str,
    categories: Mapping[str, Iterable[str]],
    namespaces: Namespaces,
    *,
    recursive: bool,
    depth: int | None,
) -> list[str]:
    """The pages of a category (and of its subcategories, when recursive), sorted.

    Args:
        start: the category's full title.
        categories: every page's categories (full titles), by page title.
        namespaces: to tell category pages (subcategories) from members.
        recursive: descend into subcategories.
        depth: how many levels to descend (None: all).
    """
    members: dict[str, set[str]] = {}
    for title, cats in categories.items():
        for category in cats:
            members.setdefault(category, set()).add(title)

    def subcategories(category: str) -> list[str]:
        found = members.get(category, ())
        return [title for title in found if namespaces.split(title)[0] == CATEGORY_NS]

    pages: set[str] = set()
    for category in walk_categories(start, subcategories, recursive=recursive, depth=depth):
        pages.update(
            title
            for title in members.get(category, ())
            if namespaces.split(title)[0] != CATEGORY_NS
        )
    return sort_titles(pages)


def find_category_links(wikitext: str, namespaces: Namespaces) -> list[str]:
    """The categories a wikitext puts its page in by explicit links, sorted.

    ``[[Catégorie:X]]`` and ``[[Category:X|clé]]`` count; ``[[:Catégorie:X]]`` is
    a link to the category, not a membership; links in comments, ``<nowiki>``
    and ``<includeonly>`` (which apply to pages using a template, not to the
    template) do not count, nor do links whose target is computed
    (``[[Catégorie:{{{1}}}]]``). Categories added by templates are not seen.

    Example:
        >>> find_category_links("{{Event}} [[category:evénement|2024]]", FRENCH)
        ['Catégorie:Evénement']
    """
    if "[[" not in wikitext:
        return []
    try:
        code = parse_within_budget("", wikitext)
    except PageTooComplex:
        # Too costly to parse (reported when its records are read): plain links only.
        return _plain_category_links(wikitext, namespaces)
    for tag in code.filter_tags(
        matches=lambda node: str(node.tag).strip().lower() == "includeonly"
    ):
        with contextlib.suppress(ValueError):
            code.remove(tag)
    found: set[str] = set()
    for link in code.filter_wikilinks():
        target = str(link.title)
        if any(not isinstance(node, mwparserfromhell.nodes.Text) for node in link.title.nodes):
            continue
        if target.lstrip().startswith(":"):
            continue
        title = namespaces.normalize(target.partition("#")[0])
        ns, rest = namespaces.split(title)
        if ns == CATEGORY_NS and rest:
            found.add(title)
    return sorted(found)


_PLAIN_LINK_RE = re.compile(r"\[\[([^\[\]{}|<>:#]+:[^\[\]{}|<>#]+)(?:\|[^\[\]]*)?\]\]")


def _plain_category_links(wikitext: str, namespaces: Namespaces) -> list[str]:
    found = set()
    for match in _PLAIN_LINK_RE.finditer(wikitext):
        title = namespaces.normalize(match.group(1))
        ns, rest = namespaces.split(title)
        if ns == CATEGORY_NS and rest:
            found.add(title)
    return sorted(found)


def find_redirect_target(wikitext: str, namespaces: Namespaces) -> str | None:
    """The title a redirect page points to, or None when the text is no redirect.

    Both the English ``#REDIRECT`` and the French ``#REDIRECTION`` magic words
    count, in any case, with or without a colon.

    Example:
        >>> find_redirect_target("#REDIRECTION [[atelier vélo#Lyon]]", FRENCH)
        'Atelier vélo'
    """
    head, bracket, _ = wikitext.partition("[[")
    if not bracket or head.strip().rstrip(":").strip().casefold() not in _REDIRECT_WORDS:
        return None
    links = mwparserfromhell.parse(wikitext[len(head) :]).filter_wikilinks(recursive=False)
    if not links:
        return None
    target = namespaces.normalize(str(links[0].title).partition("#")[0])
    return target or None
