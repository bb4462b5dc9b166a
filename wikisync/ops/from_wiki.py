"""Propose record types from a wiki's own templates, forms and properties (``init``).

:func:`propose_from_wiki` reads the template, form and property namespaces
(a batch of pages per request, :meth:`~wikisync.ports.source.Source.iter_namespace`),
proposes types (:func:`~wikisync.core.type_proposal.propose_types`), then
checks each typed field against the values the pages really hold: a type that
most values fail is set back to text, with the reason in its comment, and a
type whose template adds no category takes the category all its pages share.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mwparserfromhell.nodes import Template
from mwparserfromhell.wikicode import Wikicode

from wikisync.core.categories import find_redirect_target
from wikisync.core.errors import ValueFormatError
from wikisync.core.fields.value_templates import ValueOptions, conjunctions_of
from wikisync.core.fields.values import FIELD_TYPES, is_blank, parse_value
from wikisync.core.pages import CATEGORY_NS, TEMPLATE_NS, PageText
from wikisync.core.parse_budget import PageTooComplex, parse_within_budget
from wikisync.core.schema import template_key
from wikisync.core.type_proposal import (
    Proposal,
    ProposedField,
    ProposedType,
    demote,
    propose_types,
)
from wikisync.core.wiki_schema import (
    FORM_NS,
    PROPERTY_NS,
    FormField,
    TemplateFacts,
    read_form,
    read_property,
    read_template,
)
from wikisync.ports.source import Source

__all__ = ["SAMPLE_PAGES", "FieldCheck", "propose_from_wiki"]

#: At most this many pages per type are read to check the proposed types.
SAMPLE_PAGES = 500

#: Names a namespace may go by when the extension moved it off its default number.
_NAMESPACE_NAMES = {FORM_NS: ("Form", "Formulaire"), PROPERTY_NS: ("Property", "Attribut")}


@dataclass(slots=True)
class FieldCheck:
    """How one field's values fared against its proposed type."""

    values: int = 0
    failed: int = 0
    example: tuple[str, str] | None = field(default=None)  # (page, value) that failed
    raw: list[Wikicode] = field(default_factory=list)  # the values of a field nothing typed


def _namespace(source: Source, number: int) -> int | None:
    namespaces = source.namespaces
    if number in namespaces.by_id:
        return number
    for name in _NAMESPACE_NAMES[number]:
        found, rest = namespaces.split(f"{name}:X")
        if rest == "X" and found != 0:
            return found
    return None


def _name(source: Source, page: PageText) -> str:
    return source.namespaces.split(page.title)[1]


def propose_from_wiki(source: Source, *, sample: int = SAMPLE_PAGES) -> Proposal:
    """Read a wiki's structure pages and propose its record types, checked on its pages.

    Args:
        source: the wiki (or a mirror or dump holding its structure pages).
        sample: at most this many pages per type to check the types on.

    Returns:
        The proposal; :func:`~wikisync.core.type_proposal.render_proposal` writes it.
    """
    namespaces = source.namespaces
    skipped: list[str] = []
    templates: dict[str, TemplateFacts] = {}
    for page, code in _parsed(source.iter_namespace(TEMPLATE_NS), skipped):
        templates[_name(source, page)] = read_template(code, namespaces)
    forms: dict[str, list[FormField]] = {}
    form_ns = _namespace(source, FORM_NS)
    if form_ns is not None:
        for page, code in _parsed(source.iter_namespace(form_ns), skipped):
            forms[_name(source, page)] = read_form(code)
    properties: dict[str, tuple[str, tuple[str, ...]]] = {}
    property_ns = _namespace(source, PROPERTY_NS)
    if property_ns is not None:
        for page, code in _parsed(source.iter_namespace(property_ns), skipped):
            properties[_name(source, page)] = read_property(code)
    proposal = propose_types(templates, forms, properties)
    proposal.undecided.extend(skipped)
    lang = source.wiki_language() or ""
    if conjunctions_of(lang) is not None:
        proposal.lang = lang
    proposal.read = {
        "templates": len(templates),
        "forms": len(forms),
        "properties": len(properties),
    }
    for kind in proposal.types:
        _check_type(source, kind, proposal, sample)
    return proposal


def _parsed(pages: Iterable[PageText], skipped: list[str]) -> Iterator[tuple[PageText, Wikicode]]:
    # Each page parsed within the parse budget; a page too complex is named and skipped.
    for page in pages:
        try:
            yield page, parse_within_budget(page.title, page.wikitext)
        except PageTooComplex as exc:
            skipped.append(str(exc))


def _pages_using(source: Source, kind: ProposedType, sample: int) -> Iterator[PageText]:
    title = f"{source.namespaces.name(TEMPLATE_NS)}:{kind.template}"
    use = source.template_use(title)
    if use is None:  # a folder or a dump: no index, read its pages
        redirects = [
            source.namespaces.split(page.title)[1]
            for page in source.iter_pages()
            if source.namespaces.split(page.title)[0] == TEMPLATE_NS
            and find_redirect_target(page.wikitext, source.namespaces) == title
        ]
        kind.template_aliases = sorted(set(kind.template_aliases) | set(redirects))
        # A quick look for a name (its first letter may be either case); the
        # check parses the pages and keeps those whose infobox it is.
        names = [name[1:] or name for name in (kind.template, *kind.template_aliases)]
        pages = (
            p
            for p in source.iter_pages()
            if "{{" in p.wikitext and any(name in p.wikitext for name in names)
        )
        yield from itertools.islice(pages, sample)
        return
    redirects, titles = use
    kind.template_aliases = sorted(set(kind.template_aliases) | set(redirects))
    users = [t for t in titles if source.namespaces.split(t)[0] not in (TEMPLATE_NS,)]
    yield from source.fetch_titles(users[:sample]).pages


def _infobox(code: Wikicode, keys: set[str]) -> Template | None:
    for node in code.filter_templates(recursive=False):
        if template_key(str(node.name)) in keys:
            return node
    return None


def _check_type(source: Source, kind: ProposedType, proposal: Proposal, sample: int) -> None:
    checks = {proposed.name: FieldCheck() for proposed in kind.fields}
    categories: Counter[str] = Counter()
    pages = 0
    skipped: list[str] = []
    for page, code in _parsed(_pages_using(source, kind, sample), skipped):
        keys = {template_key(name) for name in (kind.template, *kind.template_aliases)}
        infobox = _infobox(code, keys)
        if infobox is None:
            continue
        pages += 1
        for link in code.filter_wikilinks():
            ns, rest = source.namespaces.split(str(link.title).strip())
            if ns == CATEGORY_NS and not str(link.title).strip().startswith(":"):
                categories[rest] += 1
        for proposed in kind.fields:
            _check_value(page, infobox, proposed, checks[proposed.name])
    proposal.undecided.extend(skipped)
    if not kind.categories and pages and categories:
        name, count = categories.most_common(1)[0]
        if count == pages:
            kind.categories = [name]
            kind.notes.append(f"category {name!r}: the one all {pages} pages using it are in")
    for proposed in kind.fields:
        _verdict(kind, proposed, checks[proposed.name], proposal, pages)


def _check_value(
    page: PageText, infobox: Template, proposed: ProposedField, check: FieldCheck
) -> None:
    for param in (proposed.param, *proposed.aliases):
        if infobox.has(param):
            value = infobox.get(param).value
            break
    else:
        return
    if is_blank(value) or proposed.type not in FIELD_TYPES:
        return
    check.values += 1
    if not proposed.evidence:
        check.raw.append(value)
    # The type is checked, not a list's prose: a conjunction never fails a list here.
    options = ValueOptions(
        separators=proposed.separator or ValueOptions().separators, conjunction="keep"
    )
    try:
        parse_value(proposed.type, value, proposed.values, options)
    except ValueFormatError:
        check.failed += 1
        if check.example is None:
            check.example = (page.title, str(value).strip())


def _verdict(
    kind: ProposedType, proposed: ProposedField, check: FieldCheck, proposal: Proposal, pages: int
) -> None:
    if proposed.required and proposed.type in FIELD_TYPES and pages > check.values:
        proposed.evidence.append(
            f"required (the form's mandatory): {pages - check.values} of {pages} pages leave "
            "it empty, each will be a problem"
        )
    if proposed.type not in FIELD_TYPES:
        proposed.evidence.append(f"not checked: this wikisync does not know {proposed.type} yet")
        return
    if proposed.type in ("text", "wikitext"):
        _type_from_values(proposed, check)
        return
    if not check.values:
        proposed.evidence.append(f"not checked: none of {pages} pages sets it")
        return
    if check.failed * 2 > check.values and check.example is not None:
        page, value = check.example
        reason = (
            f"{check.failed} of {check.values} values do not read as {proposed.type} "
            f'(e.g. "{value[:40]}" on "{page}")'
        )
        proposal.undecided.append(f"{kind.key}.{proposed.name}: {reason}; proposed as text")
        demote(proposed, reason)
        return
    read = check.values - check.failed
    proposed.evidence.append(f"{read} of {check.values} values read")


#: The types a field that nothing declares may take from its values, tried in order.
VALUE_TYPES = ("date", "url", "bool", "int")
#: A field nothing declares takes a type when at least this many values ...
MIN_VALUES = 3
#: ... and at least this share of them read as that type.
MIN_SHARE = 0.9


def _type_from_values(proposed: ProposedField, check: FieldCheck) -> None:
    """Type a field that no form, property or link declares, from the pages' values."""
    if proposed.evidence or len(check.raw) < MIN_VALUES:
        return
    numbers = all(str(value).strip().isdigit() for value in check.raw)
    for field_type in VALUE_TYPES:
        if field_type == "date" and numbers:  # 1500 is a count as much as a year
            continue
        read = 0
        for value in check.raw:
            with contextlib.suppress(ValueFormatError):
                read += parse_value(field_type, value) is not None
        if read >= MIN_SHARE * len(check.raw):
            proposed.type = field_type
            proposed.evidence.append(
                f"declared nowhere: {read} of {len(check.raw)} values read as {field_type}"
            )
            return
