"""What the command line suggests after a save: the next step, when there is one."""

from __future__ import annotations

from typing import TypeGuard

from wikisync.ports.target import Target


def in_mirror(target: Target | None) -> TypeGuard[Target]:
    """Whether ``target`` saves into a local folder (a mirror): its saves are files."""
    return target is not None and target.folder() is not None


def push_hint(target: Target) -> str:
    """The next step after saving into a mirror: push it, if it has a wiki to push to.

    A mirror made by ``wikisync pull`` remembers its wiki; one without a wiki
    (the bundled example) is the end result, and ``push`` would refuse it.
    """
    if target.upstream():
        return f"; send it to the wiki with 'wikisync push {target.folder()}'"
    return " (the mirror has no wiki to push to: the file is the result)"
