"""How a template's parameters are laid out, and edits that keep that layout.

The whitespace around names and values, an aligned ``=`` column, the closing
``}}`` layout: :mod:`wikisync.core.edits` reads them here (:func:`read_layout`)
and adds, renames and deletes parameters so that a new or changed one copies
its neighbours and everything else stays byte for byte.

Pure: mwparserfromhell nodes in, nodes changed in place.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from mwparserfromhell.nodes import Comment, Text
from mwparserfromhell.nodes.extras import Parameter

#: What MediaWiki trims around named values (PHP ``trim``; not U+00A0).
SPACE = " \t\n\r\x0b\x00"


def param_name(param: Any) -> str:
    return unicodedata.normalize("NFC", str(param.name).strip(SPACE))


def has_comment(text: str) -> bool:
    return "<!--" in text


@dataclass(frozen=True, slots=True)
class Layout:
    """How a template's named parameters are spaced (the most common pattern)."""

    name_lead: str  # before the name, after "|" ("\n " in "|\n name=…")
    name_trail: str  # between name and "=" (" ", or padding when aligned)
    value_lead: str  # between "=" and the value
    separator: str  # after a value, before the next "|" ("\n", " ", "")
    column: int | None  # the "=" column when names are aligned


def read_layout(node: Any, end: int) -> Layout:
    params = node.params[:end]
    named = [param for param in params if param.showkey]
    names = [str(param.name) for param in named]
    name_leads = [text[: len(text) - len(text.lstrip(SPACE))] for text in names]
    name_trails = [text[len(text.rstrip(SPACE)) :] for text in names]
    filled = [str(p.value) for p in named if str(p.value).strip(SPACE)]
    value_leads = [text[: len(text) - len(text.lstrip(SPACE))] for text in filled]
    # The last parameter's trailing space is the closing layout ("\n}}"), not a separator.
    between = params[:-1] if len(params) > 1 else params
    separators = [trailing_space(str(param.value)) for param in between]
    if not params:
        closing = trailing_space(str(node.name))
        separators = ["\n" if "\n" in closing else closing]
    return Layout(
        _most_common(name_leads, ""),
        _most_common(name_trails, ""),
        _most_common(value_leads, ""),
        _most_common(separators, ""),
        aligned_column(node),
    )


def _most_common(items: Sequence[str], default: str) -> str:
    if not items:
        return default
    counts = Counter(items)
    best = max(counts.values())
    # Ties go to the pattern nearest the end, where the new parameter goes.
    return next(item for item in reversed(items) if counts[item] == best)


def aligned_column(node: Any) -> int | None:
    columns: list[tuple[int, int]] = []
    for i, param in enumerate(node.params):
        if not param.showkey:
            continue
        name = str(param.name)
        padding = name[len(name.rstrip(SPACE)) :]
        width = _line_width(_carrier_text(node, i), name)
        if width is not None and "\n" not in padding:
            columns.append((width, len(padding)))
    counts = Counter(width for width, _ in columns)
    for width, count in counts.most_common():
        if count < 2:
            break
        if any(pad > 1 for w, pad in columns if w == width):
            return width
    return None


def _line_width(before: str, name: str) -> int | None:
    # Width of "<indent>|<name>" on its line, or None if it does not start a line.
    if "\n" in name:
        return len(name.rsplit("\n", 1)[1])
    if "\n" in before:
        return len(before.rsplit("\n", 1)[1]) + 1 + len(name)
    return None


def _carrier_text(node: Any, i: int) -> str:
    # The text just before parameter i's "|": the previous value or the name.
    return str(node.params[i - 1].value) if i else str(node.name)


def _set_carrier_space(node: Any, i: int, space: str) -> None:
    # Replace the trailing whitespace of the text before parameter i's "|".
    text = _carrier_text(node, i)
    text = text[: len(text.rstrip(SPACE))] + space
    if i:
        node.params[i - 1].value = text
    else:
        node.name = text


def trailing_space(text: str) -> str:
    return text[len(text.rstrip(SPACE)) :]


def _insert_point(node: Any) -> int:
    # Before trailing empty positional parameters: "{{Event|\n a=1|\n}}" ends in one.
    end = len(node.params)
    while end > 0 and not node.params[end - 1].showkey:
        if str(node.params[end - 1].value).strip(SPACE):
            break
        end -= 1
    return end if any(param.showkey for param in node.params[:end]) else len(node.params)


def add_param(node: Any, name: str, value: str) -> None:
    end = _insert_point(node)
    layout = read_layout(node, end)
    if end == len(node.params):
        # The new parameter becomes the last: it takes over the closing layout.
        closing = trailing_space(_carrier_text(node, end))
        _set_carrier_space(node, end, layout.separator)
        trail = closing
    else:
        trail = layout.separator
    name_text = layout.name_lead + name + layout.name_trail
    if layout.column is not None:
        width = _line_width(_carrier_text(node, end), layout.name_lead + name)
        if width is not None:
            name_text = layout.name_lead + name + " " * max(1, layout.column - width)
    node.params.insert(end, Parameter(name_text, layout.value_lead + value + trail))


def renamed(node: Any, i: int, new: str, column: int | None) -> str:
    text = str(node.params[i].name)
    lead = text[: len(text) - len(text.lstrip(SPACE))]
    trail = trailing_space(text)
    width = _line_width(_carrier_text(node, i), text.rstrip(SPACE))
    if column is not None and width == column - len(trail) and "\n" not in trail:
        aligned = _line_width(_carrier_text(node, i), lead + new)
        if aligned is not None:
            trail = " " * max(1, column - aligned)
    return lead + new + trail


def delete_param(node: Any, i: int) -> None:
    value = node.params[i].value
    last = i == len(node.params) - 1
    # Comment lines after the value's own line belong to what follows: keep them.
    _, newline, rest = split_value(value, None)[2].partition("\n")
    keep = rest if newline and has_comment(rest) else ""
    space = trailing_space(str(value))
    del node.params[i]
    if keep:
        if not _carrier_text(node, i).endswith("\n"):
            keep = "\n" + keep
        _append_carrier(node, i, keep)
    elif last:
        _set_carrier_space(node, i, space)


def _append_carrier(node: Any, i: int, text: str) -> None:
    if i:
        node.params[i - 1].value = str(node.params[i - 1].value) + text
    else:
        node.name = str(node.name) + text


def split_value(value: Any, layout: Layout | None) -> tuple[str, str, str]:
    """Split a value into (lead, core, trail): core is what a new value replaces.

    lead and trail are the whitespace and comments at its edges.
    """
    pieces: list[tuple[bool, str]] = []  # (is content, text)
    for node in value.nodes:
        if isinstance(node, Text):
            text = node.value
            start = len(text) - len(text.lstrip(SPACE))
            stop = len(text.rstrip(SPACE))
            if start >= stop:
                pieces.append((False, text))
                continue
            pieces.extend([(False, text[:start]), (True, text[start:stop]), (False, text[stop:])])
        else:
            pieces.append((not isinstance(node, Comment), str(node)))
    flags = [content for content, _ in pieces]
    if True not in flags:
        return _split_blank(str(value), layout)
    first = flags.index(True)
    last = len(flags) - 1 - flags[::-1].index(True)
    lead = "".join(text for _, text in pieces[:first])
    core = "".join(text for _, text in pieces[first : last + 1])
    trail = "".join(text for _, text in pieces[last + 1 :])
    return lead, core, trail


def _split_blank(text: str, layout: Layout | None) -> tuple[str, str, str]:
    if layout and text == layout.value_lead + layout.separator and not text.strip(SPACE):
        return layout.value_lead, "", layout.separator
    spaces = len(text) - len(text.lstrip(SPACE))
    newline = text.find("\n")
    if newline == -1 and spaces == len(text):
        # Inline "| place = | type = …": the value goes after the space, then the separator.
        after = layout.separator if layout and "\n" not in layout.separator else ""
        return text, "", after
    cut = spaces if newline == -1 else min(spaces, newline)
    return text[:cut], "", text[cut:]
