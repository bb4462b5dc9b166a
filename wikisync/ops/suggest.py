"""Guidance for names that find nothing: "did you mean …?" for categories and templates.

When ``wikisync pages`` lists nothing or ``rename-param`` finds no page, the
name given is often a near miss (``Événement`` for ``Evénement``).
:func:`close_names` ranks the known names by similarity after folding case
and accents; :func:`known_categories` and :func:`known_templates` gather the
names a source knows (a live wiki: ``list=allcategories`` /
``list=allpages``, capped; a mirror or dump: the pages themselves).
:func:`describe_category` and :func:`describe_template` turn that into one
sentence for the command line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wikisync.core.categories import find_category_links, normalize_category
from wikisync.core.errors import ConfigError
from wikisync.core.names import close_names, fold
from wikisync.core.pages import CATEGORY_NS, TEMPLATE_NS
from wikisync.core.parse_budget import PageTooComplex, parse_within_budget
from wikisync.core.said import said
from wikisync.core.schema import load_record_types, template_key
from wikisync.ports.source import Source

__all__ = [
    "Suggestion",
    "close_names",
    "describe_category",
    "describe_template",
    "fold",
    "known_categories",
    "known_templates",
    "schema_losses",
]


def _known_categories(source: Source) -> tuple[list[str], bool]:
    """The category names a source knows, sorted, and whether it listed them from an index."""
    listed = source.list_names("category")
    if listed is not None:
        return sorted(set(listed)), True
    ns = source.namespaces
    found: set[str] = set()
    for page in source.iter_pages():
        number, rest = ns.split(page.title)
        if number == CATEGORY_NS:
            found.add(rest)
        found.update(ns.split(title)[1] for title in find_category_links(page.wikitext, ns))
    return sorted(found), False


def known_categories(source: Source) -> list[str]:
    """The names (without prefix) of the categories a source knows, sorted.

    A live wiki: the categories that have members (``list=allcategories``,
    at most :data:`~wikisync.wiki.reader.MAX_LIST_REQUESTS` requests). A mirror or dump: the
    category pages it holds and the categories its pages link to.
    """
    return _known_categories(source)[0]


def known_templates(source: Source) -> list[str]:
    """The names (without prefix) of the templates a source knows, sorted.

    A live wiki: the pages of the template namespace (``list=allpages``, at
    most :data:`~wikisync.wiki.reader.MAX_LIST_REQUESTS` requests). A mirror or dump: its template
    pages and the templates its pages call.
    """
    listed = source.list_names("template")
    if listed is not None:
        return sorted(set(listed))
    ns = source.namespaces
    found: set[str] = set()
    for page in source.iter_pages():
        number, rest = ns.split(page.title)
        if number == TEMPLATE_NS:
            found.add(rest)
        if "{{" in page.wikitext:
            try:
                code = parse_within_budget(page.title, page.wikitext)
            except PageTooComplex:
                continue  # a hint, not a report: a page too complex to read adds no name
            for node in code.filter_templates():
                key = template_key(str(node.name))
                if key and not key.startswith(":") and "{" not in key:
                    found.add(key)
    return sorted(found)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """Why a name found nothing, in one sentence, and the close names known.

    Attributes:
        message: the sentence for the command line.
        exists: whether the category or template is known at all.
        close: the closest known names, best first.
    """

    message: str
    exists: bool
    close: tuple[str, ...]


def _missing(source: Source, kind: str, title: str, name: str, known: list[str]) -> Suggestion:
    """A category or template that does not exist, with the close names known."""
    close = close_names(name, known)
    prefix = title[: len(title) - len(name)]
    hint = ""
    if close:
        hint = said("; did you mean %(names)s?", names=", ".join(f'"{prefix}{n}"' for n in close))
    facts = {"title": title, "location": source.location, "hint": hint}
    message = (
        said('category "%(title)s" does not exist in %(location)s%(hint)s', **facts)
        if kind == "category"
        else said('template "%(title)s" does not exist in %(location)s%(hint)s', **facts)
    )
    return Suggestion(message, False, tuple(close))


def describe_category(source: Source, category: str) -> Suggestion:
    """Say why a category lists no page: missing (with close names) or empty.

    Example:
        >>> describe_category(source, "Événement").close
        ('Evénement',)
    """
    ns = source.namespaces
    title = normalize_category(category, ns)
    name = ns.split(title)[1]
    known, indexed = _known_categories(source)
    if name in known or (indexed and not source.fetch_titles([title]).missing):
        return Suggestion(said('category "%(title)s" has no pages', title=title), True, ())
    return _missing(source, "category", title, name, known)


def describe_template(source: Source, template: str) -> Suggestion:
    """Say why no page uses a template: missing (with close names) or unused.

    Example:
        >>> describe_template(source, "Evnt").close
        ('Event', 'Evénement', 'Événement')
    """
    ns = source.namespaces
    normal = ns.normalize(template)
    number, name = ns.split(normal)
    if number != TEMPLATE_NS:
        name = normal
    title = ns.join(TEMPLATE_NS, name)
    known = known_templates(source)
    if name in known:
        return Suggestion(said('no page uses template "%(title)s"', title=title), True, ())
    return _missing(source, "template", title, name, known)


def schema_losses(types: Mapping[str, Any], template: str, old: str, new: str | None) -> list[str]:
    """What the record types lose when parameter ``old`` of a template is renamed or removed.

    Args:
        types: the configuration's ``[types]`` tables.
        template: the template whose parameter changes (any name the types know).
        old: the parameter renamed or removed.
        new: its new name, or None when it is removed.

    Returns:
        One sentence per field that reads ``old`` and will not read ``new``
        (an invalid ``[types]`` table gives none: the edit does not need it).

    Example:
        >>> types = {"event": {"templates": ["Event"], "fields": {"Tags": "list"}}}
        >>> lost = schema_losses(types, "Event", "Tags", None)
        >>> lost[0].startswith('type "event" reads field "Tags"')
        True
    """
    try:
        record_types = load_record_types(types)
    except ConfigError:
        return []
    lines: list[str] = []
    for record_type in record_types.values():
        if not record_type.matches_template(template):
            continue
        for spec in record_type.fields:
            if old not in spec.params or (new is not None and new in spec.params):
                continue
            key = f"types.{record_type.name}.fields.{spec.name}"
            what = said(
                'type "%(type)s" reads field "%(field)s" from parameter "%(param)s" '
                "of {{%(template)s}}",
                type=record_type.name,
                field=spec.name,
                param=old,
                template=record_type.templates[0],
            )
            if new is None:
                lines.append(
                    said(
                        "%(what)s: after the removal its records lose it (%(key)s)",
                        what=what,
                        key=key,
                    )
                )
            else:
                lines.append(
                    said(
                        '%(what)s: after the rename its records lose it (add "%(new)s" to '
                        "%(key)s params)",
                        what=what,
                        new=new,
                        key=key,
                    )
                )
    return lines
