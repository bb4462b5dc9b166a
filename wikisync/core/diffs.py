"""Unified diffs of page wikitext: what every command that writes shows on a dry run.

:func:`unified_diff` compares two versions of a page line by line (``difflib``)
and labels them ``a/<title>`` and ``b/<title>``, as ``git diff`` does. A last
line without a newline is marked ``\\ No newline at end of file`` so that a
change of the final newline alone is visible. Colour (ANSI: red removals, green
additions, cyan hunk headers, bold file labels) is off unless asked for; the
caller decides whether the output is a terminal. Pure: strings in, string out.
"""

from __future__ import annotations

import difflib

__all__ = ["line_changes", "split_lines", "unified_diff"]

_RED = "\x1b[31m"
_GREEN = "\x1b[32m"
_CYAN = "\x1b[36m"
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
_NO_NEWLINE = "\\ No newline at end of file\n"


def unified_diff(old: str, new: str, title: str, *, color: bool = False, context: int = 3) -> str:
    """Return a unified diff from ``old`` to ``new``, or ``""`` when they are equal.

    Args:
        old: the page's current wikitext (``""`` for a page to be created).
        new: the wikitext that would be saved.
        title: the page's title, used in the ``a/…`` and ``b/…`` labels.
        color: wrap lines in ANSI colours for a terminal.
        context: unchanged lines shown around each change.

    Returns:
        The diff, every line ending with a newline.

    Example:
        >>> print(unified_diff("a\\nb\\n", "a\\nc\\n", "Page"), end="")
        --- a/Page
        +++ b/Page
        @@ -1,2 +1,2 @@
         a
        -b
        +c
    """
    if old == new:
        return ""
    lines = difflib.unified_diff(
        split_lines(old), split_lines(new), fromfile=f"a/{title}", tofile=f"b/{title}", n=context
    )
    out: list[str] = []
    for line in lines:
        if not line.endswith("\n"):
            line += "\n" + _NO_NEWLINE
        out.append(_paint(line) if color else line)
    return "".join(out)


def line_changes(old: str, new: str) -> tuple[int, int]:
    """Lines added and removed from ``old`` to ``new``, as :func:`unified_diff` shows them.

    Counted on the diff's own operations, never by reading a diff's text back
    (where a removed ``----`` rule reads as a ``---`` header).

    Example:
        >>> line_changes("a\\n----\\nb\\n", "a\\nc\\n")
        (1, 2)
    """
    if old == new:
        return 0, 0
    matcher = difflib.SequenceMatcher(None, split_lines(old), split_lines(new))
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed


def split_lines(text: str) -> list[str]:
    """Split a text into lines that keep their ``\\n`` (the last one may have none).

    Only ``\\n`` ends a line: ``str.splitlines`` would also break on U+2028,
    form feeds and others, which wikitext keeps inside a line.
    """
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _paint(line: str) -> str:
    if line.startswith(("---", "+++")):
        colour = _BOLD
    elif line.startswith("@@"):
        colour = _CYAN
    elif line.startswith("-"):
        colour = _RED
    elif line.startswith("+"):
        colour = _GREEN
    else:
        return line
    # Keep the newline (and a "no newline" marker) outside the colour codes.
    body, _, rest = line.partition("\n")
    return f"{colour}{body}{_RESET}\n{rest}"


def paint_diff(diff: str) -> str:
    """Colour a unified diff made without colour (as ``unified_diff(color=True)`` would).

    Example:
        >>> diff = unified_diff("b\\n", "c\\n", "P")
        >>> paint_diff(diff) == unified_diff("b\\n", "c\\n", "P", color=True)
        True
    """
    return "".join(_paint(line) for line in diff.splitlines(keepends=True))
