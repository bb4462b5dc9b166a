"""The command line's words for what the library suggests, and the next step after a save.

The library names an override or a setting the way a library caller passes
it (``allow_shrink=True``, ``site=URL``): its messages name no command line
flag. :func:`cli_words` turns those words into the command line's flags, in
one table (:data:`CLI_WORDS`), wherever the command line prints a library
message (an error that ended a command, a page's or a job's message) or
writes one into a JSON run report.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:  # not at start-up: the group loads this module for its words
    from wikisync.ports.target import Target

#: The library's words for an override or a setting (as a caller passes it), and the
#: command line's words for the same thing.
CLI_WORDS: dict[str, str] = {
    "allow_shrink=True": "--allow-shrink",
    "force=True": "--force",
    "create=True": "--create",
    "trusted=True": "--trusted",
    "site=URL": "--site",
    "cache=FILE": "--cache FILE",
    "use_cache=False": "--no-cache",
}

#: What a refused page ``needs`` (a report entry's fact, as a caller passes it) and the
#: command line's flag that gives it.
NEEDS_FLAGS: dict[str, str] = {
    needs: CLI_WORDS[f"{needs}=True"] for needs in ("allow_shrink", "force", "create", "trusted")
}

_LIBRARY_WORDS = re.compile(
    r"(?<![\w.])(" + "|".join(re.escape(words) for words in CLI_WORDS) + r")(?![\w])"
)


def cli_words(message: str) -> str:
    """A library message in the command line's words: each override named by its flag.

    Example:
        >>> cli_words('section "events" would shrink …; or allow it with allow_shrink=True')
        'section "events" would shrink …; or allow it with --allow-shrink'
    """
    return _LIBRARY_WORDS.sub(lambda found: CLI_WORDS[found[1]], message)


#: The keys of a JSON run report whose values are messages (said in the command line's words).
_MESSAGE_KEYS = frozenset({"message", "detail", "error"})


def report_in_cli_words(data: Any) -> Any:
    """A run report (``to_dict()``) as the command line writes it: messages in its words.

    Only the values of message keys change (``message``, ``detail``,
    ``error``); titles, values and everything else are kept as they are. An
    entry that ``needs`` an argument also names the ``flag`` that gives it.
    """
    if isinstance(data, dict):
        said = {
            key: cli_words(value)
            if key in _MESSAGE_KEYS and isinstance(value, str)
            else report_in_cli_words(value)
            for key, value in data.items()
        }
        needs = data.get("needs")
        if isinstance(needs, str) and needs in NEEDS_FLAGS:
            said["flag"] = NEEDS_FLAGS[needs]
        return said
    if isinstance(data, list):
        return [report_in_cli_words(item) for item in data]
    return data


def in_mirror(target: Target | None) -> TypeGuard[Target]:
    """Whether ``target`` saves into a local folder (a mirror): its saves are files."""
    return target is not None and target.folder() is not None


def push_hint(target: Target) -> str:
    """The next step after saving into a mirror: push it, if it has a wiki to push to.

    A mirror made by ``wikisync pull`` remembers its wiki; one without a wiki
    (the bundled example) is the end result, and ``push`` would refuse it.
    """
    from wikisync.i18n import gettext

    if target.upstream():
        return gettext("; send it to the wiki with 'wikisync push %(folder)s'") % {
            "folder": target.folder()
        }
    return gettext(" (the mirror has no wiki to push to: the file is the result)")
