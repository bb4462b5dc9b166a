"""A regular-expression replace over page text that leaves alone what editors expect.

:func:`replace_text` runs a pattern over a page's whole text (so anchors,
look-arounds and multi-line patterns see the text as written) and replaces
each match, except a match that touches a part of the page left alone by
default (:data:`PROTECTED`):

* ``comments``: ``<!-- … -->``;
* ``nowiki``: ``<nowiki>…</nowiki>`` (and ``<nowiki/>``);
* ``pre``: ``<pre>…</pre>``, and the code blocks ``<syntaxhighlight>``,
  ``<source>``, ``<math>`` (text that is not wikitext);
* ``template-names``: the name of each ``{{template}}`` (for a parser function
  such as ``{{#if: …}}``, the function's name up to its ``:``);
* ``parameter-names``: the name of each named template parameter
  (``|place=`` — renaming is ``rename-param``'s job);
* ``link-targets``: the target of each ``[[link]]`` (its label after ``|``
  is text, and replaced).

``include`` names the parts to replace in all the same. A match is kept or
left whole: one that overlaps a protected part is not cut in two.

The pattern runs under the ``regex`` module with a time bound per page
(:data:`DEFAULT_TIMEOUT`): a pattern that backtracks catastrophically on a
page stops there with :class:`ReplaceError` (``kind="timeout"``), and a
result past :data:`MAX_TEXT_BYTES` (MediaWiki's default page size limit) is
refused (``kind="size"``). Replacements use Python's template syntax
(``\\1``, ``\\g<name>``), checked before any page is read
(:func:`compile_replace`).

Pure: strings in, strings out.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import mwparserfromhell
import regex
from mwparserfromhell.nodes import Comment, Tag, Template, Text, Wikilink

from wikisync.core.errors import WikisyncError

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_TEXT_BYTES",
    "PROTECTED",
    "CompiledReplace",
    "ReplaceError",
    "ReplaceResult",
    "compile_replace",
    "replace_text",
]

#: The parts of a page a replace leaves alone unless told to include them.
PROTECTED = (
    "comments",
    "nowiki",
    "pre",
    "template-names",
    "parameter-names",
    "link-targets",
)

#: Seconds a pattern may run on one page.
DEFAULT_TIMEOUT = 2.0

#: The largest text a replace may make: MediaWiki's default $wgMaxArticleSize (2,048 KiB).
MAX_TEXT_BYTES = 2048 * 1024

_CODE_TAGS = frozenset({"pre", "syntaxhighlight", "source", "math"})


class ReplaceError(WikisyncError):
    """A pattern or replacement that cannot run (a usage error), or a page on which
    it cannot run within its bounds (the page is refused).

    Attributes:
        kind: ``"pattern"``, ``"replacement"``, ``"include"``, ``"timeout"`` or ``"size"``.
        value: the pattern, replacement or part name at fault.
        title: the page, when one is at fault.
    """

    def __init__(self, message: str, *, kind: str, value: str, title: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.value = value
        self.title = title


@dataclass(frozen=True, slots=True)
class CompiledReplace:
    """A checked pattern and replacement (see :func:`compile_replace`)."""

    pattern: Any  # a regex.Pattern
    replacement: str
    include: frozenset[str]
    timeout: float = DEFAULT_TIMEOUT

    def __str__(self) -> str:
        return f"/{self.pattern.pattern}/ → {self.replacement}"


@dataclass(frozen=True, slots=True)
class ReplaceResult:
    """A page's text after a replace.

    Attributes:
        text: the new text (the old one when nothing was replaced).
        replaced: how many matches were replaced.
        left: how many matches were left alone (they touched a protected part).
    """

    text: str
    replaced: int
    left: int


def compile_replace(
    pattern: str,
    replacement: str,
    *,
    include: Iterable[str] = (),
    ignore_case: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> CompiledReplace:
    """Check and compile a pattern and its replacement.

    Args:
        pattern: a regular expression (Python syntax; ``(?s)``, ``(?m)`` and
            the like work inline).
        replacement: the text to put instead, with ``\\1`` or ``\\g<name>`` for groups.
        include: parts of :data:`PROTECTED` to replace in too.
        ignore_case: match without regard to case.
        timeout: seconds the pattern may run on one page.

    Raises:
        ReplaceError: the pattern does not compile, matches the empty string
            everywhere, or the replacement names a group the pattern lacks.

    Example:
        >>> compile_replace(r"(\\w+)@", r"\\1 at ").replacement
        '\\\\1 at '
    """
    unknown = sorted(set(include) - set(PROTECTED))
    if unknown:
        raise ReplaceError(
            f'unknown part "{unknown[0]}" to include (known: {", ".join(PROTECTED)})',
            kind="include",
            value=unknown[0],
        )
    flags = regex.VERSION0 | (regex.IGNORECASE if ignore_case else 0)
    try:
        compiled = regex.compile(pattern, flags)
    except (regex.error, ValueError, OverflowError) as exc:
        raise ReplaceError(
            f'the pattern "{pattern}" is not a regular expression: {exc}',
            kind="pattern",
            value=pattern,
        ) from None
    if any(_empty_inside(compiled, probe) for probe in ("ab", "\x01\x02", "  ")):
        raise ReplaceError(
            f'the pattern "{pattern}" matches the empty string between any two characters: '
            "it would put the replacement everywhere; make it match at least one character "
            "(+ rather than *)",
            kind="pattern",
            value=pattern,
        )
    dummy = "".join(
        f"(?P<{name}>)" if name else "()"
        for name in (_group_name(compiled, i) for i in range(1, compiled.groups + 1))
    )
    try:
        match = regex.compile(dummy).match("")
        assert match is not None
        match.expand(replacement)
    except (regex.error, IndexError, ValueError) as exc:
        raise ReplaceError(
            f'the replacement "{replacement}" cannot be used with the pattern "{pattern}": {exc}',
            kind="replacement",
            value=replacement,
        ) from None
    return CompiledReplace(compiled, replacement, frozenset(include), timeout)


def _empty_inside(compiled: Any, probe: str) -> bool:
    """Whether the pattern matches the empty string in the middle of ``probe`` (``x*``,
    ``.*?``: everywhere), unlike anchors such as ``(?m)^`` or ``\\b`` that match at
    some places only."""
    try:
        found = compiled.match(probe, 1, timeout=1.0)
    except TimeoutError:  # pragma: no cover - a two-character probe
        return False
    return found is not None and found.end() == 1


def _group_name(compiled: Any, number: int) -> str | None:
    for name, index in compiled.groupindex.items():
        if index == number:
            return str(name)
    return None


def replace_text(
    wikitext: str, replace: CompiledReplace, *, title: str | None = None
) -> ReplaceResult:
    """Replace every match that touches no protected part (see the module's doc).

    Raises:
        ReplaceError: the pattern ran past its time bound on this text, or the
            result would be larger than :data:`MAX_TEXT_BYTES`.

    Example:
        >>> change = compile_replace("Lyon", "Lugdunum")
        >>> done = replace_text("[[Lyon]] à Lyon <!-- Lyon -->", change)
        >>> done.text, done.replaced, done.left
        ('[[Lyon]] à Lugdunum <!-- Lyon -->', 1, 2)
    """
    starts, ends = _protected_spans(wikitext, replace.include)
    pieces: list[str] = []
    last = replaced = left = 0
    size = 0
    where = f'page "{title}"' if title else "the text"
    try:
        for match in replace.pattern.finditer(wikitext, timeout=replace.timeout):
            start, end = match.span()
            if _touches(starts, ends, start, end):
                left += 1
                continue
            new = match.expand(replace.replacement)
            pieces.append(wikitext[last:start])
            pieces.append(new)
            size += len(wikitext[last:start]) + len(new)
            if size > MAX_TEXT_BYTES:  # characters: a first bound before the bytes are counted
                break
            last = end
            replaced += 1
    except TimeoutError:
        raise ReplaceError(
            f"{where}: the pattern /{replace.pattern.pattern}/ ran longer than "
            f"{replace.timeout:g} s on it (it backtracks too much: make it more precise); "
            "the page was left as it is",
            kind="timeout",
            value=replace.pattern.pattern,
            title=title,
        ) from None
    if not replaced:
        return ReplaceResult(wikitext, 0, left)
    pieces.append(wikitext[last:])
    text = "".join(pieces)
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ReplaceError(
            f"{where}: the replace would make it larger than {MAX_TEXT_BYTES // 1024} KiB, "
            "the size MediaWiki accepts; the page was left as it is",
            kind="size",
            value=replace.replacement,
            title=title,
        )
    return ReplaceResult(text, replaced, left)


def _touches(starts: list[int], ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps a protected span (an empty match: lies inside one)."""
    i = bisect.bisect_right(starts, start if start == end else end - 1) - 1
    if i < 0:
        return False
    if start == end:
        return starts[i] < start < ends[i]
    return ends[i] > start


def _protected_spans(wikitext: str, include: frozenset[str]) -> tuple[list[int], list[int]]:
    """The protected parts' (starts, ends), sorted and merged.

    Found by parsing the text, blanking each protected part with a filler of
    the same length in the tree (the innermost parts first, so an outer part
    is built from blanked inner ones), and reading where the filler is. A
    template's and a link's markup (``{{``, ``|``, ``=`` after a protected
    name, ``[[``, ``]]``, ``}}``) goes with its protected name, so no match
    can take a template or a link apart.
    """
    wanted = set(PROTECTED) - include
    if not wanted:
        return [], []
    fill = _unused_character(wikitext)
    code = mwparserfromhell.parse(wikitext)
    _blank_tree(code, wanted, fill)
    masked = str(code)
    if len(masked) != len(wikitext):  # pragma: no cover - a parser that does not give back
        return [0], [len(wikitext)]  # the text: leave everything alone
    starts: list[int] = []
    ends: list[int] = []
    i = masked.find(fill)
    while i >= 0:
        j = i
        while j < len(masked) and masked[j] == fill:
            j += 1
        starts.append(i)
        ends.append(j)
        i = masked.find(fill, j)
    return starts, ends


def _unused_character(wikitext: str) -> str:
    """A character the text does not hold: private use first, else any past the surrogates.

    A page can hold every private-use character of the BMP (6,400 of them), but
    no page MediaWiki accepts can hold the 1,056,768 code points from U+E000 up.
    """
    used = set(wikitext)
    return next(chr(c) for c in range(0xE000, 0x110000) if chr(c) not in used)


def _blank_tree(code: Any, wanted: set[str], fill: str) -> None:
    """Blank the protected parts of a parsed text in place, the innermost first.

    One walk over the tree, each node replaced in its own list (a search of
    the whole tree per node made a page of 1.7 MB take more than ten minutes).
    """
    kinds = (Comment, Tag, Template, Wikilink)
    nodes = code.nodes
    for i, node in enumerate(nodes):
        for child in node.__children__():  # mwparserfromhell's own walk of a node's parts
            _blank_tree(child, wanted, fill)
        if isinstance(node, kinds):
            blank = _blanked(node, wanted, fill)
            if blank is not None:
                nodes[i] = Text(blank)


def _blanked(node: Any, wanted: set[str], fill: str) -> str | None:
    """The node's text with its protected parts blanked; None when nothing of it is."""
    text = str(node)
    if isinstance(node, Comment):
        return fill * len(text) if "comments" in wanted else None
    if isinstance(node, Tag):
        kind = _tag_kind(node)
        return fill * len(text) if kind and kind in wanted and node.wiki_markup is None else None
    if isinstance(node, Template):
        blank = _blanked_template(node, wanted, fill)
    elif isinstance(node, Wikilink) and "link-targets" in wanted:
        label = "" if node.text is None else fill + str(node.text)
        blank = fill * (2 + len(str(node.title))) + label + fill * 2
    else:
        return None
    return blank if len(blank) == len(text) else fill * len(text)


def _blanked_template(template: Template, wanted: set[str], fill: str) -> str:
    name = str(template.name)
    if "template-names" in wanted:
        if name.lstrip().startswith("#") and ":" in name:
            head, colon, rest = name.partition(":")
            name = fill * len(head + colon) + rest
        else:
            name = fill * len(name)
    pieces = [fill * 2 if "template-names" in wanted else "{{", name]
    for param in template.params:
        pieces.append(fill if "template-names" in wanted else "|")
        if param.showkey:
            key = str(param.name) + "="
            pieces.append(fill * len(key) if "parameter-names" in wanted else key)
        pieces.append(str(param.value))
    pieces.append(fill * 2 if "template-names" in wanted else "}}")
    return "".join(pieces)


def _tag_kind(node: Tag) -> str:
    name = str(node.tag).strip().lower()
    if name == "nowiki":
        return "nowiki"
    return "pre" if name in _CODE_TAGS else ""
