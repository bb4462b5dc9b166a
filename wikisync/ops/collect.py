"""Collect a record type's records from a source: the read half of every job.

Reads the pages of the record type's categories (each page once, even when it
sits in several of them) and hands them to :func:`wikisync.core.records.extract_records`;
lists a category's pages for ``wikisync pages`` (:func:`category_pages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from wikisync.core.errors import ConfigError, UnknownNameError
from wikisync.core.names import did_you_mean
from wikisync.core.pages import PageText
from wikisync.core.records import RecordSet, extract_records
from wikisync.core.said import said
from wikisync.core.schema import RecordType, load_record_types
from wikisync.core.selection import Selection
from wikisync.ops.record_cache import extract_records_cached
from wikisync.ops.select import selected_titles, warn_left_out
from wikisync.ops.suggest import describe_category
from wikisync.ports.source import Source


def record_type_named(types: Mapping[str, Any], name: str) -> RecordType:
    """The record type ``name`` from the configuration's ``[types]`` tables.

    Raises:
        ConfigError: the tables are invalid, or name no such type.
    """
    record_types = load_record_types(types)
    try:
        return record_types[name]
    except KeyError:
        known = ", ".join(sorted(record_types)) or said(
            "none: run 'wikisync init' to write the preset"
        )
        hint = did_you_mean(name, record_types, quote="'")
        raise ConfigError(
            said(
                "unknown record type '%(name)s'%(hint)s (known: %(known)s)",
                name=name,
                hint=hint,
                known=known,
            ),
            key="types",
        ) from None


def category_pages(
    source: Source,
    category: str | None,
    *,
    recursive: bool = False,
    depth: int | None = None,
    selection: Selection | None = None,
) -> list[str]:
    """The titles of a category's pages, sorted: the library twin of ``wikisync pages``.

    Args:
        source: where to look (a live wiki, a mirror folder or a dump).
        category: the category, with or without its namespace prefix; None:
            the pages of ``selection`` alone.
        recursive: also the pages of subcategories (each once).
        depth: with ``recursive``, how many levels of subcategories (None: all).
        selection: only the pages it keeps too (every filter must hold).

    Returns:
        The titles; empty for a category that exists without pages.

    Raises:
        UnknownNameError: the category does not exist (the message names the
            closest existing ones).
        SelectionError: the selection cannot be listed (an unknown namespace…).
        ValueError: neither a category nor a selection is given.

    Example:
        >>> len(category_pages(open_source("examples/fabmob/mirror"), "Evénement"))
        16
        >>> category_pages(source, None, selection=Selection(namespace="10", prefix="Ev"))
        ['Modèle:Event', 'Modèle:Evénement']
    """
    if category is None:
        if not selection:
            raise ValueError("category_pages needs a category or a selection")
        return selected_titles(source, selection)
    titles = source.list_category(category, recursive=recursive, depth=depth)
    if not titles:
        found = describe_category(source, category)
        if not found.exists:
            raise UnknownNameError(found.message, name=category)
    if selection:
        kept = set(selected_titles(source, selection))
        titles = [title for title in titles if title in kept]
        warn_left_out(source, selection, titles, f'not in category "{category}"', among=kept)
    return titles


def iter_type_pages(
    source: Source, record_type: RecordType, selection: Selection | None = None
) -> Iterator[PageText]:
    """Yield the pages of the record type's categories, each once.

    Every command that reads a type's pages reads them here, so a category
    that does not exist (a misspelt name in ``[types]``) is one error
    everywhere, naming the closest existing ones; and a ``selection`` narrows
    every one of them the same way: the categories' members are listed (no
    page text), the selection's titles listed, and only the pages in both are
    read, a batch per request.

    Raises:
        UnknownNameError: a category of the type does not exist.
        SelectionError: the selection cannot be listed (an unknown namespace…).
    """
    if selection:
        yield from _selected_type_pages(source, record_type, selection)
        return
    seen: set[str] = set()
    for category in record_type.categories:
        listed = False
        for page in source.iter_category(category):
            listed = True
            if page.title not in seen:
                seen.add(page.title)
                yield page
        if not listed:
            _require_category(source, record_type, category)


def _selected_type_pages(
    source: Source, record_type: RecordType, selection: Selection
) -> Iterator[PageText]:
    kept = set(selected_titles(source, selection))
    wanted: dict[str, None] = {}
    for category in record_type.categories:
        titles = source.list_category(category)
        if not titles:
            _require_category(source, record_type, category)
        wanted.update((title, None) for title in titles if title in kept)
    categories = ", ".join(f'category "{category}"' for category in record_type.categories)
    warn_left_out(source, selection, wanted, f"not in the type's {categories}", among=kept)
    if wanted:
        yield from source.fetch_titles(wanted).pages


def _require_category(source: Source, record_type: RecordType, category: str) -> None:
    """Raise when a type's category lists no page because it does not exist.

    Raises:
        UnknownNameError: the message names the type, its key and the closest
            existing categories.
    """
    found = describe_category(source, category)
    if not found.exists:
        key = f"types.{record_type.name}.categories"
        raise UnknownNameError(f"type {record_type.name}: {found.message}", name=category, key=key)


def collect_records(
    source: Source, record_type: RecordType, selection: Selection | None = None
) -> RecordSet:
    """Read every page of the type's categories into records (problems alongside).

    With a ``selection``, only the pages it keeps (see :func:`iter_type_pages`).

    Records and problems come in title order (``n°2`` before ``n°10``,
    :func:`~wikisync.core.french.sort_key_fr`), whatever the source.

    A live wiki read through a revision cache parses only the pages whose
    revision changed since the last run (:mod:`wikisync.ops.record_cache`); the
    records are the same either way.

    Example:
        >>> config = load_config("examples/fabmob/wikisync.toml")
        >>> source = open_source(config)
        >>> found = collect_records(source, record_type_named(config.types, "event"))
        >>> len(found.records), len(found.problems)
        (14, 4)
    """
    return records_of_pages(source, record_type, iter_type_pages(source, record_type, selection))


def records_of_pages(
    source: Source, record_type: RecordType, pages: Iterable[PageText]
) -> RecordSet:
    """The records of pages read from ``source`` (e.g. by :func:`iter_type_pages`).

    As :func:`collect_records`, for pages already read: through the record
    cache when the source has a revision cache; records and problems in title
    order (:meth:`~wikisync.core.records.RecordSet.in_title_order`).
    """
    record_type = record_type.in_language(source.wiki_language())
    memo = source.memo_store()
    if memo is not None:
        store, site = memo
        return extract_records_cached(pages, record_type, store, site).in_title_order()
    return extract_records(pages, record_type).in_title_order()
