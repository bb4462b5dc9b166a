"""Choosing pages as pywikibot's generators do: the list of titles a file gives, and the listing.

The selection is :class:`~wikisync.core.selection.Selection` (pure); each
source lists it (:meth:`~wikisync.ports.source.Source.select_titles`). Here:
reading a list of titles from a file or standard input, one title a line
(:func:`read_titles`), and :func:`selected_titles`, the listing every
operation asks for, which says which titles of a list it left out.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable

from wikisync.core.errors import UnknownNameError
from wikisync.core.selection import Selection, SelectionError
from wikisync.files import describe, read_input
from wikisync.ops.suggest import describe_template
from wikisync.ports.source import Source

__all__ = ["TITLES_LIMIT", "read_titles", "selected_titles", "warn_left_out"]

#: The most a list of titles may hold (a million titles is about 40 MiB).
TITLES_LIMIT = 64 * 2**20

log = logging.getLogger(__name__)

#: How many left-out titles a warning names.
_NAMED = 5


def selected_titles(source: Source, selection: Selection) -> list[str]:
    """The titles a selection keeps on ``source`` (sorted), warning about listed titles left out.

    A title of ``selection.titles`` that is not kept (no such page, or one the
    other filters leave out) is never dropped silently: a warning (logged)
    names the first few.

    Raises:
        SelectionError: the selection cannot be listed.
        UnknownNameError: ``selection.transcludes`` names a template that does not exist
            (the message names the closest existing ones).
    """
    titles = source.select_titles(selection)
    if not titles and selection.transcludes:
        # No page uses it: say so when the template does not exist (a misspelt name).
        found = describe_template(source, selection.transcludes)
        if not found.exists:
            raise UnknownNameError(found.message, name=selection.transcludes)
    warn_left_out(source, selection, titles, "no such page, or left out by the other filters")
    return titles


def warn_left_out(
    source: Source,
    selection: Selection,
    kept: Iterable[str],
    why: str,
    *,
    among: Iterable[str] | None = None,
) -> None:
    """Warn (logged) about the titles ``selection`` lists that are not in ``kept``.

    So that a listed title is never dropped silently, whatever drops it: the
    selection's own filters, or a type's or a command's category. ``why``
    says why a title may be left out; ``among`` (titles) limits the warning to
    the listed titles in it (those a previous warning has not named yet).
    The first few are named.
    """
    if not selection.titles:
        return
    names = source.namespaces
    found = set(kept)
    within = None if among is None else set(among)
    listed = dict.fromkeys(names.normalize(t.strip()) for t in selection.titles if t.strip())
    left = [title for title in listed if title not in found and (within is None or title in within)]
    if not left:
        return
    shown = ", ".join(f'"{title}"' for title in left[:_NAMED])
    more = f" and {len(left) - _NAMED} more" if len(left) > _NAMED else ""
    log.warning(
        "warning: %d of the %d titles listed %s not among the pages chosen (%s): %s%s",
        len(left),
        len(listed),
        "is" if len(left) == 1 else "are",
        why,
        shown,
        more,
    )


def read_titles(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """The titles of a file, one a line (``-``: standard input).

    UTF-8 (a byte order mark and CRLF line ends are fine); blank lines are
    skipped, each title is trimmed; ``[[Title]]`` is read as ``Title``.

    Raises:
        SelectionError: the file cannot be read, holds more than
            :data:`TITLES_LIMIT` bytes, or is not UTF-8 text.

    Example:
        >>> read_titles("titles.txt")
        ('Atelier vélo', 'Modèle:Event')
    """
    where = describe(path, reading=True)
    try:
        data = read_input(path, limit=TITLES_LIMIT)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise SelectionError(
            f"the list of titles {where} cannot be read: {reason}", kind="titles", value=where
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SelectionError(
            f"the list of titles {where} is not UTF-8 text (byte {exc.start + 1})",
            kind="titles",
            value=where,
        ) from None
    titles = []
    for line in text.splitlines():
        title = line.strip()
        if title.startswith("[[") and title.endswith("]]"):
            title = title[2:-2].split("|", 1)[0].strip()
        if title:
            titles.append(title)
    return tuple(titles)
