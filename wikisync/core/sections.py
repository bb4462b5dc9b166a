"""Marker sections: the part of a page that wikisync owns, and the guards on it.

An index job replaces only the text between two HTML comments on its target
page, leaving everything else byte for byte::

    <!-- wikisync:begin events count=42 hash=sha256:0123456789abcdef -->
    …generated body, always ending with a newline…
    <!-- wikisync:end events -->

The begin marker records, invisibly to readers, how many items wikisync last
wrote (``count``) and a hash of the body it wrote (``hash``: the first 16 hex
digits of the SHA-256 of the body, NFC, ``\\n`` line ends). Markers are found
with mwparserfromhell, so only real comments count: marker-like text inside
``<nowiki>``, ``<pre>`` and other verbatim tags, or inside another comment, is
ignored, as MediaWiki ignores it. Spacing and case inside the comment are
free (``<!--wikisync : BEGIN events-->``); section names are case-sensitive.
:func:`replace_section` refuses (a :class:`SectionError`) a missing,
duplicated, misordered, nested or misplaced marker, a body edited by hand
since wikisync wrote it, and a list that shrinks too much
(:func:`check_shrink`); ``force`` and ``allow_shrink`` override the last two.
The errors live in :mod:`wikisync.core.errors` (``SectionError`` and its
subclasses, exit code 3) and are importable from here too.
Pure: strings in, strings out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from mwparserfromhell.nodes import Tag

from wikisync.core.errors import HandEditError, MarkerError, SectionError, ShrinkError
from wikisync.core.parse_budget import PageTooComplex, parse_within_budget
from wikisync.core.said import said
from wikisync.core.text import stored_text

__all__ = [
    "DEFAULT_MAX_SHRINK",
    "HandEditError",
    "MarkerError",
    "Section",
    "SectionError",
    "ShrinkError",
    "check_hand_edit",
    "check_shrink",
    "count_items",
    "find_section",
    "hash_body",
    "make_section",
    "replace_section",
    "section_body",
    "section_markers",
]

#: Default share of items a list may lose in one run (0.5: half).
DEFAULT_MAX_SHRINK = 0.5
#: Hex digits of SHA-256 kept in the begin marker: enough to notice an edit.
HASH_LENGTH = 16
HASH_PREFIX = "sha256:"

# The comment's text: "wikisync:begin NAME key=value…" or "wikisync:end NAME".
_MARKER_RE = re.compile(r"\s*wikisync\s*:\s*(begin|end)(?![\w-])(.*)", re.IGNORECASE | re.DOTALL)
_NAME_RE = re.compile(r"[\w.-]+")
_ATTRIBUTE_RE = re.compile(r"([a-z]+)=(\S*)")
_SENTINEL = "\x00"


@dataclass(frozen=True, slots=True)
class Section:
    """A marker section found on a page.

    Attributes:
        name: the section name.
        start: offset of the begin marker's ``<!--``.
        end: offset just after the end marker's ``-->``.
        body_start: offset of the body: after the begin marker and the line
            break that follows it, if any.
        body_end: offset of the end marker's ``<!--``.
        body: ``wikitext[body_start:body_end]``.
        count: the ``count=`` of the begin marker, or ``None``.
        hash: the ``hash=`` of the begin marker (``"sha256:…"``), or ``None``
            for a section wikisync never wrote.
    """

    name: str
    start: int
    end: int
    body_start: int
    body_end: int
    body: str
    count: int | None = None
    hash: str | None = None


@dataclass(frozen=True, slots=True)
class _Marker:
    kind: str
    name: str
    start: int
    end: int
    attributes: Mapping[str, str] = field(default_factory=dict)
    malformed: str = ""
    # Identities of the enclosing nodes (tags); both markers must share them.
    parents: tuple[int, ...] = ()
    misplaced: str = ""


def _where(title: str | None) -> str:
    return said('Page "%(title)s"', title=title) if title else said("The page")


def _marker_text(kind: str, name: str) -> str:
    return f"<!-- wikisync:{kind} {name} -->"


def section_markers(name: str, body: str, count: int) -> tuple[str, str]:
    """The begin marker (with its line end) and the end marker wikisync writes around ``body``.

    ``body`` is the section body as :func:`section_body` gives it.
    """
    return f"<!-- wikisync:begin {name} count={count} hash={hash_body(body)} -->\n", _marker_text(
        "end", name
    )


def _check_name(name: str) -> None:
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"section name should be letters, digits, '.', '_' or '-', got {name!r}")


def _canonical(text: str) -> str:
    # MediaWiki stores NFC with \n line ends: hash what the wiki will give back.
    return stored_text(text)


def hash_body(body: str) -> str:
    """The hash of a section body as stored in the begin marker.

    Example:
        >>> hash_body("")
        'sha256:e3b0c44298fc1c14'
    """
    digest = hashlib.sha256(_canonical(body).encode("utf-8")).hexdigest()
    return HASH_PREFIX + digest[:HASH_LENGTH]


def count_items(body: str) -> int:
    """Count the items of a body when no ``count=`` is known.

    Items are list lines (starting with ``*`` or ``#``, any depth) and table
    rows (lines starting with ``|-``). Used for sections whose begin marker
    has no count, and for a new body when the caller gives no count.
    """
    return sum(1 for line in body.splitlines() if line.startswith(("*", "#", "|-")))


def _parse_marker(contents: str) -> tuple[str, str, dict[str, str], str] | None:
    match = _MARKER_RE.fullmatch(contents)
    if match is None:
        return None
    kind = match[1].lower()
    words = match[2].split()
    if not words or "=" in words[0]:
        return None  # no name: not a marker any section can claim
    name, attributes, malformed = words[0], {}, ""
    for word in words[1:]:
        attribute = _ATTRIBUTE_RE.fullmatch(word)
        if attribute is None:
            malformed = f"cannot read {word!r}"
        else:
            attributes[attribute[1]] = attribute[2]
    return kind, name, attributes, malformed


def _find_markers(wikitext: str, name: str, title: str | None, what: str) -> list[_Marker]:
    if _SENTINEL in wikitext:
        # MediaWiki never stores NUL (a mirror file or a dump might); the search below needs it.
        raise MarkerError(
            f"{_where(title)}: {what} holds a NUL character (U+0000), which no wiki page can "
            "hold: remove it",
            name=name,
            title=title,
        )
    try:
        code = parse_within_budget(title or "", wikitext)
    except PageTooComplex as exc:
        # A hostile target page must not stall a cron run: it is refused like a bad marker.
        raise MarkerError(
            f"{_where(title)}: {what} is too complex to read ({exc.reason}); left alone",
            name=name,
            title=title,
        ) from None
    found = []
    for comment in code.filter_comments(recursive=True):
        parsed = _parse_marker(str(comment.contents))
        if parsed is not None:
            found.append((comment, parsed))
    if not found:
        return []
    # mwparserfromhell gives no offsets: swap each marker's text for a numbered
    # sentinel, print the tree and locate the sentinels, then undo the shifts.
    originals = [str(comment) for comment, _ in found]
    for number, (comment, _) in enumerate(found):
        comment.contents = f"{_SENTINEL}{number}{_SENTINEL}"
    marked = str(code)
    located = sorted(
        (marked.index(f"<!--{_SENTINEL}{number}{_SENTINEL}-->"), number)
        for number in range(len(found))
    )
    markers, shift = [], 0
    for position, number in located:
        comment, (kind, name, attributes, malformed) = found[number]
        start = position - shift
        original = originals[number]
        shift += len(str(comment)) - len(original)
        if wikitext[start : start + len(original)] != original:  # pragma: no cover
            raise AssertionError("marker offsets do not match the wikitext")
        ancestors = code.get_ancestors(comment)
        misplaced = next(
            (type(node).__name__.lower() for node in ancestors if not isinstance(node, Tag)), ""
        )
        markers.append(
            _Marker(
                kind=kind,
                name=name,
                start=start,
                end=start + len(original),
                attributes=attributes,
                malformed=malformed,
                parents=tuple(id(node) for node in ancestors),
                misplaced=misplaced,
            )
        )
    return markers


def _section_from(wikitext: str, name: str, markers: list[_Marker], title: str | None) -> Section:
    def fail(problem: str) -> MarkerError:
        return MarkerError(f"{_where(title)}: {problem}", name=name, title=title)

    begin_text, end_text = _marker_text("begin", name), _marker_text("end", name)
    begins = [m for m in markers if m.name == name and m.kind == "begin"]
    ends = [m for m in markers if m.name == name and m.kind == "end"]
    if not begins and not ends:
        raise fail(
            f'no wikisync section "{name}": put the lines {begin_text} and {end_text} '
            "where the generated text should go"
        )
    if not begins or not ends:
        missing, present = (begin_text, end_text) if not begins else (end_text, begin_text)
        raise fail(f'section "{name}" has {present} but no {missing}: add it')
    if len(begins) > 1 or len(ends) > 1:
        raise fail(
            f'section "{name}" has {len(begins)} begin and {len(ends)} end markers: '
            "keep exactly one of each"
        )
    begin, end = begins[0], ends[0]
    if end.start < begin.start:
        raise fail(f'section "{name}" ends before it begins: put {begin_text} first')
    for marker in (begin, end):
        if marker.misplaced:
            raise fail(
                f'a marker of section "{name}" is inside a {marker.misplaced}: '
                "put each marker on a line of its own"
            )
    if begin.parents != end.parents:
        raise fail(
            f'the markers of section "{name}" are not inside the same HTML tag: '
            "put both inside it or both outside"
        )
    if begin.malformed:
        raise fail(f'the begin marker of section "{name}": {begin.malformed}')
    for other in markers:
        if other.name != name and begin.start < other.start < end.start:
            raise fail(
                f'section "{name}" contains a marker of section "{other.name}": '
                "sections cannot nest or overlap"
            )
    for other_name in {m.name for m in markers} - {name}:
        other_begins = [m.start for m in markers if m.name == other_name and m.kind == "begin"]
        other_ends = [m.start for m in markers if m.name == other_name and m.kind == "end"]
        if any(b < begin.start for b in other_begins) and any(e > end.start for e in other_ends):
            raise fail(f'section "{name}" is inside section "{other_name}": sections cannot nest')
    count_text = begin.attributes.get("count")
    if count_text is not None and not count_text.isdigit():
        raise fail(f'the begin marker of section "{name}" has a bad count {count_text!r}')
    stored_hash = begin.attributes.get("hash")
    if stored_hash is not None and not stored_hash.startswith(HASH_PREFIX):
        raise fail(f'the begin marker of section "{name}" has an unknown hash {stored_hash!r}')
    body_start = begin.end + int(wikitext.startswith("\n", begin.end))
    body_start = min(body_start, end.start)
    return Section(
        name=name,
        start=begin.start,
        end=end.end,
        body_start=body_start,
        body_end=end.start,
        body=wikitext[body_start : end.start],
        count=int(count_text) if count_text is not None else None,
        hash=stored_hash,
    )


def find_section(wikitext: str, name: str, *, title: str | None = None) -> Section:
    """Find the section ``name`` on a page.

    Args:
        wikitext: the page's text.
        name: the section name (letters, digits, ``.``, ``_``, ``-``).
        title: the page title, for messages.

    Returns:
        The section with its offsets, body and stored count and hash.

    Raises:
        MarkerError: a marker is missing or duplicated, the end comes before
            the begin, another section's marker lies inside (or around) this
            one, a marker is inside a template, link or heading, the two
            markers are not inside the same HTML tag, the begin marker's
            ``count``/``hash`` cannot be read, or the text holds a NUL character.
        ValueError: the name is not a valid section name.

    Example:
        >>> page = "Intro\\n<!-- wikisync:begin events -->\\n* a\\n<!-- wikisync:end events -->\\n"
        >>> find_section(page, "events").body
        '* a\\n'
    """
    _check_name(name)
    return _section_from(wikitext, name, _find_markers(wikitext, name, title, "its text"), title)


def section_body(body: str) -> str:
    """A section body as wikisync writes it: NFC, LF line ends, ending with a line end."""
    body = _canonical(body)
    if body and not body.endswith("\n"):
        body += "\n"
    return body


def make_section(name: str, body: str, *, count: int | None = None) -> str:
    """The markers and body of a section, as wikisync writes them.

    Use it to create a page (or add a section to one). The body is made NFC
    with ``\\n`` line ends and ends with a newline unless empty; the markers
    are on lines of their own; the result has no trailing newline.

    Args:
        name: the section name.
        body: the generated text.
        count: the number of items in the body (usually the number of
            records); default :func:`count_items` of the body.

    Returns:
        ``<!-- wikisync:begin NAME count=N hash=sha256:… -->\\nBODY<!-- wikisync:end NAME -->``

    Raises:
        MarkerError: the body would break the markers: it holds a wikisync
            marker or an unclosed comment, ``<nowiki>`` or ``<pre>``.
        ValueError: bad name, or a negative count.

    Example:
        >>> print(make_section("events", "* a"))
        <!-- wikisync:begin events count=1 hash=sha256:a9e88b08b1432e43 -->
        * a
        <!-- wikisync:end events -->
    """
    _check_name(name)
    return _make_section(name, section_body(body), count, None)


def _make_section(name: str, body: str, count: int | None, title: str | None) -> str:
    if count is None:
        count = count_items(body)
    if count < 0:
        raise ValueError(f"count should be 0 or more, got {count}")
    begin, end = section_markers(name, body, count)
    text = begin + body + end
    markers = _find_markers(text, name, title, f'the generated text of section "{name}"')
    if len(markers) != 2 or _section_from(text, name, markers, None).body != body:
        raise MarkerError(
            f'{_where(title)}: the generated text of section "{name}" would break its markers: '
            "it holds a wikisync marker or an unclosed comment, <nowiki> or <pre>; "
            "fix the page template",
            name=name,
            title=title,
        )
    return text


def check_shrink(
    old_count: int,
    new_count: int,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    *,
    title: str | None = None,
    name: str = "",
) -> None:
    """Refuse a list that lost too many items since the last run.

    Refused when the list loses more than ``max_shrink`` of its items
    (``(old - new) / old > max_shrink``: with the default 0.5, 10 → 5 passes,
    10 → 4 does not), or becomes empty while it was not (whatever
    ``max_shrink``). Growing, staying equal, or starting from 0 always passes.

    Args:
        old_count: items in the section now.
        new_count: items in the new body.
        max_shrink: the share of items that may go, from 0 to 1.
        title: the page title, for messages.
        name: the section name, for messages.

    Raises:
        ShrinkError: the list shrinks too much.
        ValueError: a negative count, or ``max_shrink`` outside 0 to 1.
    """
    if old_count < 0 or new_count < 0:
        raise ValueError(f"counts should be 0 or more, got {old_count} and {new_count}")
    if not 0 <= max_shrink <= 1:
        raise ValueError(f"max_shrink should be between 0 and 1, got {max_shrink}")
    if old_count == 0 or new_count >= old_count:
        return
    if new_count == 0 or (old_count - new_count) / old_count > max_shrink:
        label = said('section "%(name)s"', name=name) if name else said("the section")
        raise ShrinkError(
            said(
                "%(where)s: %(section)s would shrink from %(old)d to %(new)d items "
                "(more than %(share)s fewer); check the source pages, or allow it "
                "with %(override)s",
                where=_where(title),
                section=label,
                old=old_count,
                new=new_count,
                share=f"{max_shrink:.0%}",
                override="allow_shrink=True",
            ),
            name=name,
            title=title,
            old_count=old_count,
            new_count=new_count,
            max_shrink=max_shrink,
        )


def check_hand_edit(section: Section, *, title: str | None = None) -> None:
    """Refuse a section whose body is not what wikisync last wrote.

    A section with a hash must hold exactly the body that hash was made
    from. A section without one (made by hand, never written by wikisync)
    must be empty (whitespace only): the first run then fills it.

    Raises:
        HandEditError: the body was edited, or was never wikisync's.
    """
    if section.hash is None:
        if not section.body.strip():
            return
        problem = said(
            '%(where)s: the wikisync section "%(name)s" holds text that wikisync did not '
            "write; empty it (move the text outside the markers), or replace it with "
            "%(override)s",
            where=_where(title),
            name=section.name,
            override="force=True",
        )
    elif hash_body(section.body) == section.hash:
        return
    else:
        problem = said(
            '%(where)s: the wikisync section "%(name)s" was edited by hand since wikisync '
            "last wrote it; move the changes outside the markers (they would be lost), or "
            "overwrite them with %(override)s",
            where=_where(title),
            name=section.name,
            override="force=True",
        )
    raise HandEditError(
        problem,
        name=section.name,
        title=title,
    )


def replace_section(
    wikitext: str,
    name: str,
    new_body: str,
    *,
    count: int | None = None,
    title: str | None = None,
    force: bool = False,
    allow_shrink: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
) -> str:
    """Replace the body of section ``name``; the rest of the page stays byte for byte.

    The markers are rewritten with the new count and hash (so a page whose
    markers were typed by hand gets them in wikisync's spelling); the same
    body and count give back the same text (no edit needed).

    Args:
        wikitext: the page's text.
        name: the section name.
        new_body: the generated text (a newline is added if missing).
        count: items in the new body (usually the number of records);
            default :func:`count_items` of the body.
        title: the page title, for messages.
        force: replace a body edited by hand, or never written by wikisync.
        allow_shrink: skip the shrink guard.
        max_shrink: the share of items the list may lose (see
            :func:`check_shrink`).

    Returns:
        The page's new text.

    Raises:
        MarkerError: see :func:`find_section` and :func:`make_section`.
        HandEditError: the body is not what wikisync last wrote, and not ``force``.
        ShrinkError: the list shrinks too much, and not ``allow_shrink``.
    """
    section = find_section(wikitext, name, title=title)
    if not force:
        check_hand_edit(section, title=title)
    body = section_body(new_body)
    new_count = count_items(body) if count is None else count
    if not allow_shrink:
        old_count = section.count if section.count is not None else count_items(section.body)
        check_shrink(old_count, new_count, max_shrink, title=title, name=name)
    new_section = _make_section(name, body, new_count, title)
    text = wikitext[: section.start] + new_section + wikitext[section.end :]
    if find_section(text, name, title=title).body != body:  # pragma: no cover
        raise AssertionError("the new section does not read back")
    return text
