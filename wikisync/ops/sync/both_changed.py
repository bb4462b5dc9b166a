"""A page edited both locally and on the wiki since the pull: what push does with it.

:func:`merge_both_changed` decides it for ``push`` (which saves a clean merge)
and for ``status`` (which says ``mergeable``), so the two always agree.
"""

from __future__ import annotations

from dataclasses import dataclass

from wikisync.core.merge import MergeResult
from wikisync.ops.sync.local import merge_as_saved, same_text
from wikisync.ports.outcome import Outcome

__all__ = ["BothChanged", "merge_both_changed"]


@dataclass(frozen=True, slots=True)
class BothChanged:
    """What push does with a page edited both locally and on the wiki since the pull.

    Attributes:
        action: ``recorded`` (the wiki already holds the local text: nothing
            to save), ``merged`` (the two edits merge cleanly: push saves the
            merge) or ``conflict`` (push saves nothing).
        merged: the three-way merge, when one could be made.
        reason: for a conflict, why, naming which side is which.
    """

    action: Outcome
    merged: MergeResult | None = None
    reason: str = ""


def merge_both_changed(base: str | None, local: str, remote: str) -> BothChanged:
    """Merge a local edit with the wiki's as push does (``status`` says the same).

    Args:
        base: the text both sides started from (the mirror's base copy), or
            None when that copy is gone.
        local: the mirror file's text.
        remote: the wiki's latest text.
    """
    if same_text(local, remote):
        return BothChanged(Outcome.RECORDED)
    if base is None:
        return BothChanged(
            Outcome.CONFLICT, None, "the base copy to merge the two edits against is gone"
        )
    merged = merge_as_saved(base, local, remote)
    if not merged.clean:
        return BothChanged(
            Outcome.CONFLICT,
            merged,
            f"the local edit and the wiki's touch the same place ({merged.conflicts} region(s))",
        )
    return BothChanged(Outcome.MERGED, merged)
