"""The terminal: when to colour, and the colour of each status word.

``--color auto`` (the default) colours only a stream that is a terminal and
only when ``NO_COLOR`` is unset or empty (https://no-color.org);
``--color always`` and ``--color never`` override both. Diffs and the status
words of per-page lines (``edited``, ``would change``, ``refused``…) follow it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

import click

from wikisync.i18n import N_, gettext

__all__ = ["COLOR_MODES", "paint_status", "use_color", "would"]

#: The values of ``--color``.
COLOR_MODES = ("auto", "always", "never")

_GOOD = frozenset({"edited", "created", "updated", "saved", "pushed", "pulled", "merged"})
_PENDING = frozenset(
    {"planned", "would change", "would save", "would edit", "would create", "would merge"}
)
#: What a dry run says instead of the word for a save it did not make.
_WOULD = {"saved": "would save", "created": "would create", "merged": "would merge"}


def would(action: str) -> str:
    """The dry run's word for an action: ``saved`` → ``would save``; others unchanged.

    Example:
        >>> would("saved"), would("conflict")
        ('would save', 'conflict')
    """
    return _WOULD.get(action, action)


_BAD = frozenset({"refused", "conflict", "invalid", "failed", "error"})
#: The status words a per-page line says in the run's language.
_WORDS = frozenset(
    {
        N_("edited"),
        N_("created"),
        N_("updated"),
        N_("written"),
        N_("would change"),
        N_("refused"),
        N_("conflict"),
        N_("invalid"),
        N_("failed"),
        N_("deleted"),
        N_("moved"),
        N_("skipped"),
        N_("unchanged"),
    }
)


def use_color(mode: str, stream: IO[Any], environ: Mapping[str, str] | None = None) -> bool:
    """Whether to colour what goes to ``stream`` under ``--color MODE``.

    Example:
        >>> use_color("auto", sys.stdout, {"NO_COLOR": "1"})
        False
    """
    if mode == "always":
        return True
    if mode == "never":
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def paint_status(word: str, color: bool) -> str:
    """The status word, in green (saved), yellow (would change) or red (refused, failed).

    Example:
        >>> paint_status("edited", False)
        'edited'
    """
    shown = gettext(word) if word in _WORDS else word
    if not color:
        return shown
    if word in _GOOD:
        return click.style(shown, fg="green")
    if word in _PENDING:
        return click.style(shown, fg="yellow")
    if word in _BAD:
        return click.style(shown, fg="red", bold=True)
    return shown
