"""Three-way merge of page wikitext (diff3 on lines, as ``git merge-file``), for pull and push.

:func:`merge_texts` combines two edits of the same base text: the local one
(``local``) and the wiki's (``remote``). Each side is compared with the base
line by line: a shortest diff (Myers' O(ND) algorithm; a near one past a
few hundred changed lines, as in git) after the common prefix and suffix
and the lines found on one side only are set aside, each
run of changed lines then slid down as far as its repeats allow (or up to
line up with a change on the other side), as git's xdiff does. The changes
of both sides are taken in base order: changes that overlap or touch (no
unchanged base line between them) form one region; a region changed on one
side only takes that side; changed identically on both sides, it is taken
once; otherwise it is a conflict. In wikitext a paragraph is one line, so
edits of different paragraphs merge and edits of the same or of neighbouring
lines conflict, as in git.

A merge is clean only when every change of both sides is in the result, as
that side made it. Only ``\\n`` ends a line; a ``\\r`` before it, and a last
line without a newline, are part of the line (so, as in git, a final newline
added on one side touches an edit of the last line on the other). A conflict
is never resolved by guessing: :class:`MergeResult` says how many regions
conflicted and carries a text with diff3-style markers for people to read.
The test suite compares it with ``git merge-file`` on generated cases
(bench/bench_merge.py on many more). Pure: strings in, values out.

Libraries considered: ``merge3`` (Breezy's) is GPL-2.0-or-later and git's
xdiff LGPL, which an MIT package cannot take in; this module is written
from the published algorithms.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from wikisync.core.diffs import split_lines

__all__ = ["MergeResult", "merge_texts"]

# Past this cost (lines changed) at one split, the search settles for the
# furthest point reached, as git's does (its bound grows as the root of the size).
_MIN_HEURISTIC_COST = 256
_FAR = 1 << 62

# A change: base[start:end] became side[side_start:side_end].
_Hunk = tuple[int, int, int, int]


@dataclass(frozen=True, slots=True)
class MergeResult:
    """The outcome of a three-way merge.

    Attributes:
        text: the merged text; where regions conflict, it holds conflict
            markers (``<<<<<<<``, ``|||||||``, ``=======``, ``>>>>>>>``) and must
            not be saved.
        conflicts: how many regions were changed differently on both sides.
    """

    text: str
    conflicts: int

    @property
    def clean(self) -> bool:
        """True when every change merged without conflict."""
        return self.conflicts == 0


def merge_texts(
    base: str,
    local: str,
    remote: str,
    *,
    labels: tuple[str, str, str] = ("local", "base", "wiki"),
) -> MergeResult:
    """Merge the changes from ``base`` to ``local`` and from ``base`` to ``remote``.

    Args:
        base: the common ancestor (the revision both edits started from).
        local: the text edited locally.
        remote: the text edited on the wiki.
        labels: names for the local, base and remote sides in conflict markers.

    Returns:
        The merged text and the number of conflicting regions.

    Example:
        >>> base = "Intro\\n\\nPremier.\\n\\nSecond.\\n"
        >>> result = merge_texts(
        ...     base, base.replace("Premier", "First"), base.replace("Second", "Last")
        ... )
        >>> result.clean, result.text
        (True, 'Intro\\n\\nFirst.\\n\\nLast.\\n')
    """
    if local == remote or remote == base:
        return MergeResult(local, 0)
    if local == base:
        return MergeResult(remote, 0)
    base_lines, local_lines, remote_lines = (split_lines(text) for text in (base, local, remote))
    ids: dict[str, int] = {}
    base_ids, local_ids, remote_ids = (
        [ids.setdefault(line, len(ids)) for line in lines]
        for lines in (base_lines, local_lines, remote_lines)
    )
    changes = sorted(
        [(*hunk, 0) for hunk in _diff(base_ids, local_ids)]
        + [(*hunk, 1) for hunk in _diff(base_ids, remote_ids)]
    )
    eol = _line_end(local_lines, remote_lines, base_lines)
    sides = (local_lines, remote_lines)
    out: list[str] = []
    conflicts = 0
    done = 0  # base lines before this one are in out
    i = 0
    while i < len(changes):
        # One region: the changes that overlap or touch, from either side.
        start, end = changes[i][0], changes[i][1]
        first: list[_Hunk | None] = [None, None]
        last: list[_Hunk | None] = [None, None]
        while i < len(changes) and changes[i][0] <= end:
            hunk_start, hunk_end, side_start, side_end, side = changes[i]
            hunk = (hunk_start, hunk_end, side_start, side_end)
            first[side] = first[side] or hunk
            last[side] = hunk
            end = max(end, hunk_end)
            i += 1
        out.extend(base_lines[done:start])
        done = end
        versions = [_region(sides[side], first[side], last[side], start, end) for side in (0, 1)]
        if versions[0] is None or versions[0] == versions[1]:
            out.extend(versions[1] or [])
        elif versions[1] is None:
            out.extend(versions[0])
        else:
            conflicts += 1
            out.extend(_marked(versions[0], base_lines[start:end], versions[1], labels, eol))
    out.extend(base_lines[done:])
    return MergeResult("".join(out), conflicts)


def _region(
    lines: list[str], first: _Hunk | None, last: _Hunk | None, start: int, end: int
) -> list[str] | None:
    """One side's text for base[start:end], or None when that side changed none of it."""
    if first is None or last is None:
        return None
    return lines[first[2] - (first[0] - start) : last[3] + (end - last[1])]


def _diff(a: Sequence[int], b: Sequence[int]) -> list[_Hunk]:
    """The changes from line ids ``a`` to ``b``, as (a_start, a_end, b_start, b_end)."""
    n, m = len(a), len(b)
    changed_a, changed_b = [False] * n, [False] * m
    lo = 0
    while lo < n and lo < m and a[lo] == b[lo]:
        lo += 1
    end_a, end_b = n, m
    while end_a > lo and end_b > lo and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    kept_a = _matchable(a, b, lo, end_a, changed_a)
    kept_b = _matchable(b, a, lo, end_b, changed_b)
    short_a, short_b = _align([a[i] for i in kept_a], [b[j] for j in kept_b])
    for i, changed in zip(kept_a, short_a, strict=True):
        changed_a[i] = changed
    for j, changed in zip(kept_b, short_b, strict=True):
        changed_b[j] = changed
    _slide(a, changed_a, changed_b)
    _slide(b, changed_b, changed_a)
    hunks: list[_Hunk] = []
    i = j = 0
    while i < n or j < m:
        if i < n and j < m and not changed_a[i] and not changed_b[j]:
            i, j = i + 1, j + 1
            continue
        i0, j0 = i, j
        while i < n and changed_a[i]:
            i += 1
        while j < m and changed_b[j]:
            j += 1
        hunks.append((i0, i, j0, j))
    return hunks


def _matchable(
    lines: Sequence[int], other: Sequence[int], start: int, end: int, changed: list[bool]
) -> list[int]:
    """The lines of ``lines[start:end]`` worth aligning; marks the others changed.

    A line missing from the other text is changed whatever the alignment. A
    line found there many times is set aside too when it sits among such
    lines, as git does, so that repeated lines (blank ones, say) do not pin
    a rewritten passage to scattered copies.
    """
    counts: dict[int, int] = {}
    for line in other:
        counts[line] = counts.get(line, 0) + 1
    limit = min(_rough_sqrt(len(lines)), 1024)
    kinds = [0] * len(lines)  # 0: nowhere else, 1: align it, 2: found often
    for i in range(start, end):
        found = counts.get(lines[i], 0)
        kinds[i] = 0 if found == 0 else 2 if found >= limit else 1
    kept = []
    for i in range(start, end):
        if kinds[i] == 1 or (kinds[i] == 2 and not _among_unmatched(kinds, i, start, end)):
            kept.append(i)
        else:
            changed[i] = True
    return kept


def _rough_sqrt(n: int) -> int:
    root = 1
    while n > 0:
        root, n = root * 2, n >> 2
    return root


def _among_unmatched(kinds: list[int], i: int, start: int, end: int) -> bool:
    """Whether line ``i``, found often elsewhere, lies in a run of lines found nowhere else."""
    window = 100
    start, end = max(start, i - window), min(end - 1, i + window)
    unmatched = often = 0
    for before in range(i - 1, start - 1, -1):
        if kinds[before] == 1:
            break
        unmatched, often = unmatched + (kinds[before] == 0), often + (kinds[before] == 2)
    if unmatched == 0:
        return False
    unmatched_after = often_after = 0
    for after in range(i + 1, end + 1):
        if kinds[after] == 1:
            break
        unmatched_after += kinds[after] == 0
        often_after += kinds[after] == 2
    if unmatched_after == 0:
        return False
    often += often_after + 2
    return often * 4 < often + unmatched + unmatched_after


def _align(a: Sequence[int], b: Sequence[int]) -> tuple[list[bool], list[bool]]:
    """Which lines of ``a`` and of ``b`` a shortest edit script changes (Myers, 1986).

    Divide and conquer: a search from both ends finds a point of a shortest
    path (the middle snake), and each half is solved alike. A search that
    grows too costly settles for the furthest point reached, as git does.
    """
    n, m = len(a), len(b)
    changed_a, changed_b = [True] * n, [True] * m
    max_cost = max(_rough_sqrt(n + m + 3), _MIN_HEURISTIC_COST)
    forward = [0] * (n + m + 3)  # indexed by diagonal x - y, from -m - 1
    backward = [0] * (n + m + 3)
    boxes = [(0, n, 0, m)]
    while boxes:
        x0, x1, y0, y1 = boxes.pop()
        while x0 < x1 and y0 < y1 and a[x0] == b[y0]:
            changed_a[x0] = changed_b[y0] = False
            x0, y0 = x0 + 1, y0 + 1
        while x0 < x1 and y0 < y1 and a[x1 - 1] == b[y1 - 1]:
            x1, y1 = x1 - 1, y1 - 1
            changed_a[x1] = changed_b[y1] = False
        if x0 == x1 or y0 == y1:
            continue  # what is left on one side only is changed
        x, y = _middle(a, b, x0, x1, y0, y1, forward, backward, m + 1, max_cost)
        boxes.append((x, x1, y, y1))
        boxes.append((x0, x, y0, y))
    return changed_a, changed_b


def _middle(
    a: Sequence[int],
    b: Sequence[int],
    x0: int,
    x1: int,
    y0: int,
    y1: int,
    forward: list[int],
    backward: list[int],
    o: int,
    max_cost: int,
) -> tuple[int, int]:
    """A point on a shortest path from (x0, y0) to (x1, y1), found from both ends.

    ``forward[o + k]`` holds the furthest x reached from the start on
    diagonal k = x - y, ``backward[o + k]`` the least x reached from the end.
    """
    k_min, k_max = x0 - y1, x1 - y0
    f_mid, b_mid = x0 - y0, x1 - y1
    odd = (f_mid - b_mid) & 1
    f_lo = f_hi = f_mid
    b_lo = b_hi = b_mid
    forward[o + f_mid] = x0
    backward[o + b_mid] = x1
    cost = 0
    while True:
        cost += 1
        # Widen the diagonals searched by one, or narrow them at the box's edge.
        if f_lo > k_min:
            f_lo -= 1
            forward[o + f_lo - 1] = -1
        else:
            f_lo += 1
        if f_hi < k_max:
            f_hi += 1
            forward[o + f_hi + 1] = -1
        else:
            f_hi -= 1
        for k in range(f_hi, f_lo - 1, -2):
            if forward[o + k - 1] >= forward[o + k + 1]:
                x = forward[o + k - 1] + 1
            else:
                x = forward[o + k + 1]
            y = x - k
            while x < x1 and y < y1 and a[x] == b[y]:
                x, y = x + 1, y + 1
            forward[o + k] = x
            if odd and b_lo <= k <= b_hi and backward[o + k] <= x:
                return x, y
        if b_lo > k_min:
            b_lo -= 1
            backward[o + b_lo - 1] = _FAR
        else:
            b_lo += 1
        if b_hi < k_max:
            b_hi += 1
            backward[o + b_hi + 1] = _FAR
        else:
            b_hi -= 1
        for k in range(b_hi, b_lo - 1, -2):
            if backward[o + k - 1] < backward[o + k + 1]:
                x = backward[o + k - 1]
            else:
                x = backward[o + k + 1] - 1
            y = x - k
            while x > x0 and y > y0 and a[x - 1] == b[y - 1]:
                x, y = x - 1, y - 1
            backward[o + k] = x
            if not odd and f_lo <= k <= f_hi and x <= forward[o + k]:
                return x, y
        if cost >= max_cost:
            return _furthest(x0, x1, y0, y1, forward, backward, o, (f_lo, f_hi, b_lo, b_hi))


def _furthest(
    x0: int,
    x1: int,
    y0: int,
    y1: int,
    forward: list[int],
    backward: list[int],
    o: int,
    ranges: tuple[int, int, int, int],
) -> tuple[int, int]:
    """The point that went furthest from its end: not always on a shortest path."""
    f_lo, f_hi, b_lo, b_hi = ranges
    f_best, f_x = -1, -1
    for k in range(f_hi, f_lo - 1, -2):
        x = min(forward[o + k], x1)
        y = x - k
        if y > y1:
            x, y = y1 + k, y1
        if x + y > f_best:
            f_best, f_x = x + y, x
    b_best, b_x = _FAR, _FAR
    for k in range(b_hi, b_lo - 1, -2):
        x = max(backward[o + k], x0)
        y = x - k
        if y < y0:
            x, y = y0 + k, y0
        if x + y < b_best:
            b_best, b_x = x + y, x
    if (x1 + y1) - b_best < f_best - (x0 + y0):
        return f_x, f_best - f_x
    return b_x, b_best - b_x


def _slide(lines: Sequence[int], changed: list[bool], other: Sequence[bool]) -> None:
    """Move each run of changed lines as far down as repeated lines allow, as git does.

    A run such as an inserted line between two equal ones can sit in several
    places; it goes to the last one, unless one of them lines it up with a
    change in the other file (then the last of those). ``other`` marks the
    other file's changed lines; unchanged lines pair up in order.
    """
    n, n_other = len(lines), len(other)
    start = end = 0  # the run [start, end) of changed lines (maybe empty)
    while end < n and changed[end]:
        end += 1
    o_start = o_end = 0  # the other file's run at the same place
    while o_end < n_other and other[o_end]:
        o_end += 1
    while True:
        if end > start:
            while True:
                size = end - start
                lined_up = -1
                while start > 0 and lines[start - 1] == lines[end - 1]:
                    start, end = _up(changed, start, end)
                    o_end = o_start - 1
                    o_start = _run_start(other, o_end)
                highest = end
                if o_end > o_start:
                    lined_up = end
                while end < n and lines[start] == lines[end]:
                    changed[start], changed[end] = False, True
                    start, end = start + 1, _run_end(changed, end + 1)
                    o_start = o_end + 1
                    o_end = _run_end(other, o_start)
                    if o_end > o_start:
                        lined_up = end
                if end - start == size:
                    break
            if end != highest and lined_up >= 0:
                while o_end == o_start:
                    start, end = _up(changed, start, end)
                    o_end = o_start - 1
                    o_start = _run_start(other, o_end)
        if end >= n:
            return
        start = end + 1
        end = _run_end(changed, start)
        o_start = o_end + 1
        o_end = _run_end(other, o_start)


def _up(changed: list[bool], start: int, end: int) -> tuple[int, int]:
    """Slide the run [start, end) up one line; it may join the run before it."""
    changed[start - 1], changed[end - 1] = True, False
    return _run_start(changed, start - 1), end - 1


def _run_start(changed: Sequence[bool], end: int) -> int:
    start = end
    while start > 0 and changed[start - 1]:
        start -= 1
    return start


def _run_end(changed: Sequence[bool], start: int) -> int:
    end = start
    while end < len(changed) and changed[end]:
        end += 1
    return end


def _line_end(*texts: list[str]) -> str:
    """The line end the conflict markers use: CRLF when the texts use it, as git does."""
    for lines in texts:
        if lines and lines[0].endswith("\n"):
            return "\r\n" if lines[0].endswith("\r\n") else "\n"
    return "\n"


def _marked(
    local: list[str],
    base: list[str],
    remote: list[str],
    labels: tuple[str, str, str],
    eol: str,
) -> list[str]:
    lines = [f"<<<<<<< {labels[0]}{eol}", *_ended(local, eol)]
    lines += [f"||||||| {labels[1]}{eol}", *_ended(base, eol)]
    lines += [f"======={eol}", *_ended(remote, eol), f">>>>>>> {labels[2]}{eol}"]
    return lines


def _ended(lines: list[str], eol: str) -> list[str]:
    # A last line without its newline still needs one before the next marker.
    return [line if line.endswith("\n") else line + eol for line in lines]
