"""Choosing pages as pywikibot's generators do: the list of titles a file gives.

The selection is :class:`~wikisync.core.selection.Selection` (pure); each
source lists it (:meth:`~wikisync.ports.source.Source.select_titles`). Here:
reading a list of titles from a file or standard input, one title a line.
"""

from __future__ import annotations

import os

from wikisync.core.selection import SelectionError
from wikisync.files import describe, read_input

__all__ = ["read_titles"]


def read_titles(path: str | os.PathLike[str]) -> tuple[str, ...]:
    """The titles of a file, one a line (``-``: standard input).

    UTF-8 (a byte order mark and CRLF line ends are fine); blank lines are
    skipped, each title is trimmed; ``[[Title]]`` is read as ``Title``.

    Raises:
        SelectionError: the file cannot be read or is not UTF-8 text.

    Example:
        >>> read_titles("titles.txt")
        ('Atelier vélo', 'Modèle:Event')
    """
    where = describe(path, reading=True)
    try:
        data = read_input(path)
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
