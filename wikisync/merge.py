"""Three-way merge of page wikitext (diff3 on lines), for pull and push of a mirror.

:func:`merge_texts` combines two edits of the same base text: the local one
(``local``) and the wiki's (``remote``). Lines are compared with ``difflib``
(no junk heuristics). The texts are cut into regions: *stable* regions, where
base, local and remote hold the same lines, and the unstable ones between.
An unstable region changed on one side only takes that side; changed the same
way on both sides, it is taken once; changed differently on both sides, it is
a conflict. As in ``git merge`` and GNU ``diff3``, edits of neighbouring lines
(with no unchanged line between them) conflict too: in wikitext a paragraph
is one line, so edits of different paragraphs merge and edits of the same
paragraph conflict.

A conflict is never resolved by guessing: :class:`MergeResult` says how many
regions conflicted and carries a text with diff3-style markers for people to
read. Pure: strings in, values out.

A small, well-kept library was considered: ``merge3`` (Breezy's) is
GPL-2.0-or-later, which an MIT package cannot depend on; this module is short.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from wikisync.diffs import split_lines

__all__ = ["MergeResult", "merge_texts"]


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
    # Compare lines with their newlines, and merge the final newline on its own:
    # otherwise appending a line would also change the (unterminated) last one.
    ends = [text.endswith("\n") for text in (base, local, remote)]
    final_newline = ends[2] if ends[1] == ends[0] else ends[1]
    base_lines, local_lines, remote_lines = (
        split_lines(text if text.endswith("\n") or not text else text + "\n")
        for text in (base, local, remote)
    )
    out: list[str] = []
    conflicts = 0
    z = a = b = 0
    for z_start, z_end, a_start, a_end, b_start, b_end in _stable_regions(
        base_lines, local_lines, remote_lines
    ):
        base_chunk = base_lines[z:z_start]
        local_chunk = local_lines[a:a_start]
        remote_chunk = remote_lines[b:b_start]
        if local_chunk == remote_chunk or remote_chunk == base_chunk:
            out.extend(local_chunk)
        elif local_chunk == base_chunk:
            out.extend(remote_chunk)
        else:
            conflicts += 1
            out.extend(_marked(local_chunk, base_chunk, remote_chunk, labels))
        out.extend(base_lines[z_start:z_end])
        z, a, b = z_end, a_end, b_end
    text = "".join(out)
    if not final_newline and conflicts == 0:
        text = text.removesuffix("\n")
    return MergeResult(text, conflicts)


def _stable_regions(
    base: list[str], local: list[str], remote: list[str]
) -> list[tuple[int, int, int, int, int, int]]:
    """Runs of base lines that both sides kept, as (base, local, remote) start/end triples.

    The list ends with an empty region at the ends of the three texts, so the
    caller's loop also handles what follows the last stable run.
    """
    to_local = difflib.SequenceMatcher(None, base, local, autojunk=False).get_matching_blocks()
    to_remote = difflib.SequenceMatcher(None, base, remote, autojunk=False).get_matching_blocks()
    regions: list[tuple[int, int, int, int, int, int]] = []
    i = j = 0
    while i < len(to_local) and j < len(to_remote):
        l_base, l_start, l_size = to_local[i]
        r_base, r_start, r_size = to_remote[j]
        start = max(l_base, r_base)
        end = min(l_base + l_size, r_base + r_size)
        if start < end:
            a = l_start + start - l_base
            b = r_start + start - r_base
            regions.append((start, end, a, a + end - start, b, b + end - start))
        if l_base + l_size < r_base + r_size:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(local), len(local), len(remote), len(remote)))
    return regions


def _marked(
    local: list[str], base: list[str], remote: list[str], labels: tuple[str, str, str]
) -> list[str]:
    lines = [f"<<<<<<< {labels[0]}\n", *_ended(local)]
    lines += [f"||||||| {labels[1]}\n", *_ended(base)]
    lines += ["=======\n", *_ended(remote), f">>>>>>> {labels[2]}\n"]
    return lines


def _ended(lines: list[str]) -> list[str]:
    # A last line without its newline still needs one before the next marker.
    return [line if line.endswith("\n") else line + "\n" for line in lines]
