"""Checks that keep an edit from breaking its template or the page around it.

A parameter name must be usable, a new value must stay one value of one
template (no stray ``|``, ``{{``, unpaired extension tag or unterminated
comment; templates only when trusted), and the edited page must parse to the
same structure once saved (:func:`parse_shape`, :func:`pairs_kept`). Used by
:mod:`wikisync.core.edits`, which documents the rules; a refusal is an
:class:`EditError` (importable from :mod:`wikisync.core.edits` too).

Pure: strings in, values out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mwparserfromhell
from mwparserfromhell.definitions import PARSER_BLACKLIST, is_parsable
from mwparserfromhell.nodes import (
    Argument,
    ExternalLink,
    Heading,
    HTMLEntity,
    Tag,
    Template,
    Text,
    Wikilink,
)

from wikisync.core.errors import WikisyncError
from wikisync.core.param_layout import param_name
from wikisync.core.parse_budget import PageTooComplex, parse_within_budget
from wikisync.core.schema import template_key

if TYPE_CHECKING:
    from wikisync.core.param_change import ParamChange


class EditError(WikisyncError):
    """An edit was refused: it would break the template or lose information.

    Attributes:
        title: the page, when the caller passed it.
        wiki_template: the template's name as written (``"Event"``).
        param: the parameter at fault, if any.
        value: the offending value, if any.
    """

    def __init__(
        self,
        message: str,
        *,
        title: str | None = None,
        wiki_template: str | None = None,
        param: str | None = None,
        value: str | None = None,
    ) -> None:
        super().__init__(message)
        self.title = title
        self.wiki_template = wiki_template
        self.param = param
        self.value = value


class PageTooComplexToEdit(EditError):
    """The page is too complex to read within the parser's budget; nothing is edited.

    Attributes:
        reason: what happened (the deadline passed, the parser failed).
    """

    def __init__(self, title: str | None, reason: str) -> None:
        where = f'Page "{title}" is' if title else "the page is"
        super().__init__(f"{where} too complex to read ({reason}); not edited", title=title)
        self.reason = reason


#: Characters a parameter name may not hold.
_BAD_NAME_CHARS = frozenset("=|{}[]<>\n")
#: Tags whose content the preprocessor keeps whole (a ``|`` inside splits nothing).
_OPAQUE_TAGS = frozenset({"ref", "references", "poem", "gallery", "indicator", "section"})
#: Tags MediaWiki's preprocessor pairs before it reads any braces (extension
#: tags, nowiki, include tags): what lies between is opaque, braces and all.
_PAIRED_TAGS = "|".join(
    sorted(
        set(PARSER_BLACKLIST)
        | _OPAQUE_TAGS
        | {"includeonly", "noinclude", "onlyinclude", "syntaxhighlight", "templatestyles"}
    )
)
#: One of them left unpaired in a value: on the wiki it would swallow or cut
#: the infobox, whatever mwparserfromhell makes of it.
_LONE_TAG = re.compile(r"<\s*/?\s*(" + _PAIRED_TAGS + r")(?![\w-])", re.IGNORECASE)
_OPEN_TAG = re.compile(r"<!--|<(" + _PAIRED_TAGS + r")(?=[\s/>])([^>]*)>", re.IGNORECASE)


def on_page(title: str | None) -> str:
    return f'Page "{title}": ' if title else ""


def parse_page(wikitext: str, title: str | None) -> Any:
    """Parse a whole page within the parser's budget (:mod:`wikisync.core.parse_budget`).

    Raises:
        PageTooComplexToEdit: the page is too complex to read in time.
    """
    try:
        return parse_within_budget(title or "", wikitext)
    except PageTooComplex as exc:
        raise PageTooComplexToEdit(title, exc.reason) from None


def quote_value(value: str) -> str:
    text = " ".join(value.split())
    if len(text) > 80:
        text = text[:77] + "..."
    return '"' + text + '"'


def check_name(name: str, label: str, title: str | None) -> str:
    clean = name.strip()
    if not clean or _BAD_NAME_CHARS.intersection(clean) or "\n" in name:
        raise EditError(
            f'{on_page(title)}{{{{{label}}}}}: "{name}" is not a usable parameter name '
            "(it must be non-empty, without = | { } [ ] < > or line breaks)",
            title=title,
            wiki_template=label,
            param=name,
        )
    return clean


def check_value(name: str, clean: str, trusted: bool, label: str, title: str | None) -> None:
    problem = _unsafe(mwparserfromhell.parse(clean), trusted)
    # Parsed as it will sit on the page: it must stay one value of one template.
    probe = mwparserfromhell.parse("{{X|" + name + "=" + clean + "}}").nodes
    params = probe[0].params if len(probe) == 1 and isinstance(probe[0], Template) else []
    intact = len(params) == 1 and str(params[0].value) == clean
    if problem is None and not intact:
        problem = "would end the template or split it into more parameters"
    if problem is None:
        return
    fixable = not trusted and intact and _unsafe(params[0].value, True) is None
    hint = " (pass trusted=True if it is meant as wikitext)" if fixable else ""
    refused = EditError(
        f'{on_page(title)}{{{{{label}}}}} parameter "{name}": new value {quote_value(clean)} '
        f"{problem}{hint}",
        title=title,
        wiki_template=label,
        param=name,
        value=clean,
    )
    refused.needs = "trusted" if fixable else None
    raise refused


def _unsafe(code: Any, trusted: bool) -> str | None:
    """Why a parsed value would break its template or inject markup, or None."""
    for node in code.nodes:
        problem: str | None = None
        if isinstance(node, Text):
            text = node.value
            lone = _LONE_TAG.search(text)
            if lone:
                problem = (
                    f'holds an unpaired "{lone.group(0)}" tag, which would swallow or cut '
                    "the infobox once saved"
                )
            elif "|" in text:
                problem = 'holds a "|", which would start another parameter'
            elif "{{" in text or "}}" in text:
                problem = "holds unbalanced {{ or }}"
            elif "<!--" in text:
                problem = "holds an unterminated comment, which would hide the rest of the page"
        elif isinstance(node, Template | Argument):
            problem = None if trusted else "holds a template or parameter ({{…}})"
        elif isinstance(node, Wikilink):
            if not trusted and (node.title.filter_templates() or node.title.filter_arguments()):
                problem = "holds a template in a link"
            if not trusted and node.text is not None:
                inner = node.text.filter_templates() or node.text.filter_arguments()
                problem = problem or ("holds a template in a link" if inner else None)
        elif isinstance(node, ExternalLink):
            problem = _unsafe(node.url, trusted)
            if problem is None and node.title is not None:
                problem = _unsafe(node.title, trusted)
        elif isinstance(node, Heading):
            problem = _unsafe(node.title, trusted)
        elif isinstance(node, Tag) and node.contents is not None:
            tag = str(node.tag).strip().lower()
            opaque = tag in _OPAQUE_TAGS or not is_parsable(tag)
            if not opaque or (not trusted and is_parsable(tag)):
                problem = _unsafe(node.contents, trusted)
        if problem is not None:
            return problem
    return None


def refuse_renumbering(node: Any, i: int, label: str, name: str, title: str | None) -> None:
    if any(not param.showkey for param in node.params[i + 1 :]):
        raise EditError(
            f"{on_page(title)}{{{{{label}}}}} positional parameter {name} is followed by other "
            "positional parameters, which would be renumbered; write them as N=… first",
            title=title,
            wiki_template=label,
            param=name,
        )


def check_reparse(
    wikitext: str, code: Any, text: str, changes: Sequence[ParamChange], title: str | None
) -> None:
    """Refuse a result that, saved (NFC) and parsed again, is not the tree the edit built.

    The edit built its tree node by node, each new value parsed on its own;
    on the page a value meets what surrounds it (an unbalanced ``<ref>``
    before the infobox, a ``<nowiki>`` after it), and MediaWiki normalises
    the text to NFC. Both must leave every template, parameter, tag, link and
    comment where the edit put it.
    """
    if _reads_as_built(text, changes):
        return
    saved = parse_page(unicodedata.normalize("NFC", text), title)
    if parse_shape(saved.nodes) == parse_shape(code.nodes) and pairs_kept(wikitext, text):
        return
    edited = [c for c in changes if c.action != "unchanged"]
    what = ", ".join(
        f'"{c.param}"'
        + (f" = {quote_value(c.new)}" if c.new is not None and c.action != "rename" else "")
        for c in edited[:3]
    )
    first = edited[0]
    raise EditError(
        f"{on_page(title)}{{{{{first.wiki_template}}}}}: setting {what} would change which "
        "templates and parameters the page parses to once saved (the value meets "
        "unbalanced markup around the infobox, or Unicode normalisation turns it into "
        "markup); refused, edit this page by hand",
        title=title,
        wiki_template=first.wiki_template,
        param=first.param,
        value=first.new,
    )


#: A character that may start or end markup somewhere (a tag, a link, a template, an
#: entity, a list or table at a line start, bold, a free link's scheme, a magic word).
_MARKUP_CHARS = frozenset("<>[]{}|=&'~_:;#*!\n\r\t\\")


def _reads_as_built(text: str, changes: Sequence[ParamChange]) -> bool:
    """Whether the result parses to the edit's tree without parsing it again.

    True when every name and value the edit wrote is plain text (no character
    in :data:`_MARKUP_CHARS`, no leading ``-``) and the result is NFC, as
    MediaWiki stores it. Plain text set, renamed or added between a
    parameter's ``=`` (or ``|``) and the next ``|`` or ``}}`` cannot open,
    close or end any construct, nor pair with one around the infobox: the
    tokenizer reads it as text wherever it stands, so the page parses as the
    original did with the new text in place, which is the tree the edit
    built. A removal, or anything else, is checked by parsing the result.
    """
    for change in changes:
        if change.action == "unchanged":
            continue
        if change.action not in ("set", "add", "rename"):
            return False
        for written in (change.new_param or change.param, change.new or ""):
            if written.startswith("-") or not _MARKUP_CHARS.isdisjoint(written):
                return False
    return unicodedata.is_normalized("NFC", text)


def pairs_kept(old: str, new: str) -> bool:
    """Whether the preprocessor pairs tags outside the edited span as it did before.

    MediaWiki pairs ``<ref>``…``</ref>``, ``<nowiki>``…``</nowiki>`` and
    comments before it reads templates. A tag left open before the infobox
    pairs with the first closing tag after it, even one inside a new value
    that is balanced on its own (``<ref>a</ref>``), and the infobox is cut.
    Outside the span the edit changed, every pair must stay as it was.
    """
    prefix = len(_common_prefix(old, new))
    limit = min(len(old), len(new)) - prefix
    suffix = len(_common_prefix(old[::-1], new[::-1])[:limit])
    return _outside(old, prefix, suffix) == _outside(new, prefix, suffix)


def _outside(text: str, prefix: int, suffix: int) -> list[tuple[str, object, object]]:
    end = len(text) - suffix

    def where(index: int) -> object:
        # A character is in the common prefix, the common suffix or the edited span.
        if index < prefix:
            return index
        if index >= end:
            return index - len(text)
        return "edited"

    return [
        (name, where(start), where(stop - 1))
        for name, start, stop in _paired_regions(text)
        if not (prefix <= start and stop <= end)
    ]


def _paired_regions(text: str) -> list[tuple[str, int, int]]:
    """The comments and paired tags as MediaWiki's preprocessor finds them, in order."""
    regions: list[tuple[str, int, int]] = []
    position = 0
    while True:
        found = _OPEN_TAG.search(text, position)
        if found is None:
            return regions
        if found.group(0) == "<!--":
            close = text.find("-->", found.end())
            stop = len(text) if close < 0 else close + 3
            regions.append(("!--", found.start(), stop))
            position = stop
            continue
        name = found.group(1).lower()
        if found.group(2).rstrip().endswith("/"):
            position = found.end()
            continue
        closing = re.compile(r"</" + re.escape(name) + r"\s*>", re.IGNORECASE).search(
            text, found.end()
        )
        if closing is None:
            position = found.end()  # unpaired: MediaWiki reads it as text
            continue
        regions.append((name, found.start(), closing.end()))
        position = closing.end()


def _common_prefix(a: str, b: str) -> str:
    size = min(len(a), len(b))
    low, high = 0, size
    while low < high:  # binary search on slices: fast for long pages
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return a[:low]


def parse_shape(nodes: Sequence[Any]) -> list[Any]:
    """The structure of parsed wikitext: every node but plain text, nested, in order.

    Template parameters are compared by name and exact (NFC) value, so a value
    that moved, split or emptied shows; text is left out because the parser
    may cut it into pieces differently without meaning anything else.
    """
    shape: list[Any] = []
    for node in nodes:
        if isinstance(node, Text | HTMLEntity):
            continue
        if isinstance(node, Template):
            shape.append(
                (
                    "template",
                    template_key(str(node.name)),
                    parse_shape(node.name.nodes),
                    [
                        (
                            param_name(param),
                            param.showkey,
                            unicodedata.normalize("NFC", str(param.value)),
                            parse_shape(param.value.nodes),
                        )
                        for param in node.params
                    ],
                )
            )
        elif isinstance(node, Tag):
            contents = parse_shape(node.contents.nodes) if node.contents is not None else None
            shape.append(("tag", str(node.tag).strip().lower(), node.wiki_markup, contents))
        elif isinstance(node, Wikilink):
            text = parse_shape(node.text.nodes) if node.text is not None else None
            shape.append(("link", parse_shape(node.title.nodes), text))
        elif isinstance(node, ExternalLink):
            label = parse_shape(node.title.nodes) if node.title is not None else None
            shape.append(("external", parse_shape(node.url.nodes), label))
        elif isinstance(node, Heading):
            shape.append(("heading", node.level, parse_shape(node.title.nodes)))
        elif isinstance(node, Argument):
            default = parse_shape(node.default.nodes) if node.default is not None else None
            shape.append(("argument", parse_shape(node.name.nodes), default))
        else:
            shape.append((type(node).__name__,))
    return shape
