"""A bound on the parser's worst case: pages too complex to parse are refused.

mwparserfromhell backtracks over constructs it cannot close (``{{x|`` with no
``}}``, ``<div a=b`` with no ``>``, ``<span>`` with no ``</span>``), and its
cost on them grows about quadratically: 32 KB of ``{{x|`` takes 45 s, 27 KB
of ``<div a=b `` 33 s. One editor could stall every reader of a category.

:func:`parse_within_budget` measures a page first with a linear pre-scan
(:func:`parse_risk`): for every construct that opens (``<`` then a letter,
``{{``, ``[[``, ``{|``, ``[``, ``<!--``, an open tag's body) the distance
to the next text that could close it, plus the number of such constructs.
A page whose constructs close near where they open (every ordinary page,
long ones included) is parsed at once. Any other page is parsed first in a
separate Python process with a deadline (:data:`PARSE_DEADLINE_SECONDS`) of
*CPU* time, so the verdict does not depend on how busy the machine is (a
wall-clock bound, several times longer, only stops a child starved of CPU);
a page that does not finish in time is :class:`PageTooComplex`, naming the
page, and is not parsed here at all, so the batch goes on. The pre-scan only
chooses between the fast and the bounded way: a page it misjudges is parsed
in the child, never here without a bound.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import signal
import subprocess
import sys
from dataclasses import dataclass

import mwparserfromhell
from mwparserfromhell.wikicode import Wikicode

from wikisync.core.errors import RecordError

__all__ = [
    "PARSE_DEADLINE_SECONDS",
    "PageTooComplex",
    "ParseRisk",
    "parse_risk",
    "parse_within_budget",
]

#: CPU seconds a page that looks costly may take to parse, in a child process.
PARSE_DEADLINE_SECONDS = 10.0
#: The wall-clock bound on that child, as a multiple of the deadline (plus a few seconds):
#: it only stops a child the machine starves of CPU, whose verdict is then "too complex".
WALL_FACTOR = 6
#: Sum of open-to-close distances (characters) under which a page parses at once.
SAFE_DISTANCE = 2_000_000
#: Number of opening constructs under which a page parses at once.
SAFE_OPENERS = 2_000

# What opens a construct the tokenizer may backtrack over, and what can close it.
_OPENERS_RE = re.compile(r"<!--|<[A-Za-z/!]|\{\{|\[\[|\{\||\[")
_CLOSERS = {"<!--": "-->", "<": ">", "{{": "}}", "[[": "]]", "{|": "|}", "[": "]"}
# An open tag's body runs to a closing tag (``</…``); void and self-closed tags have none.
_TAG_START_RE = re.compile(r"<([A-Za-z][A-Za-z0-9]*)[^<>]*?(/?)>")
_VOID_TAGS = frozenset({"br", "hr", "wbr", "img", "meta", "link", "input", "col", "area"})

# The child bounds its own CPU time (the kernel sends SIGXCPU past the soft limit, SIGKILL
# past the hard one), then reads and parses the page.
_CHILD = (
    "import resource, sys\n"
    "limit = int(sys.argv[1])\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 1))\n"
    "import mwparserfromhell\n"
    "mwparserfromhell.parse(sys.stdin.buffer.read().decode('utf-8', 'surrogatepass'))\n"
)


class PageTooComplex(RecordError):
    """A page's wikitext did not parse within the budget: a page-level record problem.

    Attributes:
        title: the page.
        reason: what happened (the deadline passed, the parser failed).
    """

    def __init__(self, title: str, reason: str) -> None:
        super().__init__(f'Page "{title}" is too complex to read ({reason}); left out', title=title)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ParseRisk:
    """What the pre-scan found: openers, and how far they run before a closer could be."""

    openers: int
    distance: int

    @property
    def safe(self) -> bool:
        """Whether the page can be parsed at once, without a bound."""
        return self.openers <= SAFE_OPENERS and self.distance <= SAFE_DISTANCE


def parse_risk(wikitext: str) -> ParseRisk:
    """The pre-scan of :func:`parse_within_budget`, linear in the text (with a log factor).

    Example:
        >>> parse_risk("{{Event|place=[[Lyon]]}}").safe
        True
        >>> parse_risk("{{x|" * 3000).safe
        False
    """
    end = len(wikitext)
    closers: dict[str, list[int]] = {}

    def after(closer: str, position: int) -> int:
        found = closers.get(closer)
        if found is None:
            found = closers[closer] = [m.start() for m in re.finditer(re.escape(closer), wikitext)]
        index = bisect.bisect_left(found, position)
        return found[index] if index < len(found) else end

    openers = 0
    distance = 0
    for match in _OPENERS_RE.finditer(wikitext):
        opener = match.group()
        key = opener if opener in _CLOSERS else "<"
        openers += 1
        distance += after(_CLOSERS[key], match.end()) - match.start()
    for match in _TAG_START_RE.finditer(wikitext):
        if match.group(2) or match.group(1).lower() in _VOID_TAGS:
            continue
        distance += after("</", match.end()) - match.start()
    return ParseRisk(openers, distance)


def parse_within_budget(title: str, wikitext: str, *, deadline: float | None = None) -> Wikicode:
    """Parse a page with mwparserfromhell, or refuse it as too complex.

    Args:
        title: the page, for the error.
        wikitext: its text.
        deadline: seconds a costly-looking page may take in the child process
            (default :data:`PARSE_DEADLINE_SECONDS`).

    Returns:
        The parsed page.

    Raises:
        PageTooComplex: the page did not parse within ``deadline`` (or the
            child parser failed).
    """
    if not parse_risk(wikitext).safe:
        limit = PARSE_DEADLINE_SECONDS if deadline is None else deadline
        key = (hashlib.sha1(wikitext.encode("utf-8", "surrogatepass")).hexdigest(), limit)
        if key not in _VERDICTS:
            if len(_VERDICTS) >= _VERDICTS_KEPT:
                _VERDICTS.pop(next(iter(_VERDICTS)))
            _VERDICTS[key] = _parse_in_child(wikitext, limit)
        reason = _VERDICTS[key]
        if reason:
            raise PageTooComplex(title, reason)
    return mwparserfromhell.parse(wikitext)


# Verdicts of the child parser by text and deadline, so that a page read twice in
# a run (its categories, then its records) costs one deadline, not two.
_VERDICTS: dict[tuple[str, float], str] = {}
_VERDICTS_KEPT = 256


def _parse_in_child(wikitext: str, deadline: float) -> str:
    """Why the page cannot be parsed within ``deadline`` CPU seconds in a child, or ``""``."""
    cpu = max(1, math.ceil(deadline))  # the kernel counts whole seconds
    too_long = f"its wikitext did not parse within {deadline:g} s"
    # -I: the child imports nothing from the current folder or PYTHON* variables.
    try:
        done = subprocess.run(
            [sys.executable, "-I", "-c", _CHILD, str(cpu)],
            input=wikitext.encode("utf-8", "surrogatepass"),
            capture_output=True,
            timeout=cpu * WALL_FACTOR + 5,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return too_long
    except OSError as exc:
        return f"the parser could not be started: {exc}"
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return too_long
    if done.returncode != 0:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
        return f"the parser failed: {last}"
    return ""
