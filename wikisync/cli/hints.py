"""What the command line suggests after a save: the next step, when there is one."""

from __future__ import annotations

from wikisync.ops.publish import MirrorTarget


def push_hint(target: MirrorTarget) -> str:
    """The next step after saving into a mirror: push it, if it has a wiki to push to.

    A mirror made by ``wikisync pull`` remembers its wiki; one without a wiki
    (the bundled example) is the end result, and ``push`` would refuse it.
    """
    site = getattr(target.source, "site", None)
    if site:
        return f"; send it to the wiki with 'wikisync push {target.path}'"
    return " (the mirror has no wiki to push to: the file is the result)"
