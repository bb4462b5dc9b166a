"""Near names: "did you mean …?" for a name that finds nothing.

:func:`close_names` ranks the known names by similarity after folding case
and accents (:func:`fold`); :func:`did_you_mean` turns them into the one hint
every unknown name gets (category, template, type, field, parameter, job).
Pure: the names come from the caller (see :mod:`wikisync.ops.suggest` for the
names a source knows).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable

from wikisync.core.said import said

__all__ = ["close_names", "did_you_mean", "fold"]


def fold(text: str) -> str:
    """``text`` without accents, case or surrounding space, for comparing names.

    Example:
        >>> fold(" Événement_Vélo ")
        'evenement velo'
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("_", " ").strip())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def close_names(name: str, known: Iterable[str], *, limit: int = 3) -> list[str]:
    """The known names closest to ``name``, best first (same folded spelling first).

    Example:
        >>> close_names("Événement", ["Evénement", "Evénements", "Acteur"])
        ['Evénement', 'Evénements']
    """
    by_fold: dict[str, list[str]] = {}
    for candidate in sorted(set(known)):
        by_fold.setdefault(fold(candidate), []).append(candidate)
    folded = fold(name)
    found: list[str] = [c for c in by_fold.get(folded, []) if c != name]
    for match in difflib.get_close_matches(folded, list(by_fold), n=limit, cutoff=0.6):
        found.extend(c for c in by_fold[match] if c != name and c not in found)
    return found[:limit]


def did_you_mean(name: str, known: Iterable[str], *, quote: str = '"') -> str:
    """``; did you mean "X", "Y"?`` for the known names close to ``name`` (else ``""``).

    The one hint every unknown name gets (category, template, type, field,
    parameter, job), appended to the message that names it.

    Example:
        >>> did_you_mean("evnts", ["events", "actors"], quote="'")
        "; did you mean 'events'?"
    """
    close = close_names(name, known)
    if not close:
        return ""
    return said("; did you mean %(names)s?", names=", ".join(f"{quote}{n}{quote}" for n in close))
